from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('enrolment', '0004_home_approved_at'),
        ('notifications', '0001_initial'),  # which copied the rows first
    ]

    operations = [
        migrations.RemoveField(
            model_name='notificationpreference',
            name='user',
        ),
        migrations.DeleteModel(
            name='Notification',
        ),
        migrations.DeleteModel(
            name='NotificationPreference',
        ),
    ]
