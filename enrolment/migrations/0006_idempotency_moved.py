"""The idempotency records now belong to core (core 0001 adopted the table); enrolment forgets the model."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("enrolment", "0005_notifications_moved"),
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="IdempotencyRecord")],
            database_operations=[],
        ),
    ]
