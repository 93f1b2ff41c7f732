from django.db import migrations, models

# "Send me email" on/off becomes a choice of when: at once, in a daily digest, or never. Those who had
# switched email off keep it off.


def email_enabled_to_delivery(apps, schema_editor):
    Preference = apps.get_model("notifications", "NotificationPreference")
    Preference.objects.filter(email_enabled=False).update(email_delivery="off")


def delivery_to_email_enabled(apps, schema_editor):
    Preference = apps.get_model("notifications", "NotificationPreference")
    Preference.objects.filter(email_delivery="off").update(email_enabled=False)


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="notificationpreference",
            name="email_delivery",
            field=models.CharField(
                choices=[
                    ("immediately", "Email me at once"),
                    ("daily", "Email me once a day, in one digest"),
                    ("off", "No email: only the notification centre"),
                ],
                default="immediately",
                max_length=12,
                verbose_name="email",
            ),
        ),
        migrations.RunPython(email_enabled_to_delivery, delivery_to_email_enabled),
        migrations.RemoveField(model_name="notificationpreference", name="email_enabled"),
        migrations.AddField(
            model_name="notification",
            name="digest_pending",
            field=models.BooleanField(default=False),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                condition=models.Q(("digest_pending", True)), fields=["user"], name="notifications_digest_idx"
            ),
        ),
    ]
