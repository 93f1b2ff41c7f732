from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("ooapi", "0002_provider_clients_and_results"),
    ]

    operations = [
        migrations.AddField(
            model_name="outboxmessage",
            name="enqueued_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
