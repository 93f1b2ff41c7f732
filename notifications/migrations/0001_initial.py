import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# The notification centre was enrolment's; its rows move here with what they showed: the request's status
# (or the staff reminder) as the kind, its course as the params, and the request's page as the link.


def copy_from_enrolment(apps, schema_editor):
    Old = apps.get_model("enrolment", "Notification")
    OldPreference = apps.get_model("enrolment", "NotificationPreference")
    Notification = apps.get_model("notifications", "Notification")
    Preference = apps.get_model("notifications", "NotificationPreference")
    rows = []
    for old in Old.objects.select_related("request__offering__course", "request__offering__module").iterator():
        request = old.request
        teachable = request and (request.offering.course or request.offering.module)
        params = {}
        if teachable is not None:
            params = {"code": teachable.code, "title_nl": teachable.title_nl, "title_en": teachable.title_en}
        rows.append(
            Notification(
                user_id=old.user_id,
                kind=f"enrolment.{old.kind}",
                source=f"enrolment.event:{old.event_id}" if old.event_id else f"enrolment.notification:{old.pk}",
                params=params,
                link=f"/enrolment/requests/{request.public_id}/" if request else "",
                read_at=old.read_at,
                emailed_at=old.emailed_at,
            )
        )
    Notification.objects.bulk_create(rows, batch_size=1000)
    Preference.objects.bulk_create(
        Preference(user_id=p.user_id, email_enabled=p.email_enabled, email_on_every_change=p.email_on_every_change)
        for p in OldPreference.objects.all()
    )


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("enrolment", "0004_home_approved_at"),
    ]

    operations = [
        migrations.CreateModel(
            name='NotificationPreference',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('email_enabled', models.BooleanField(default=True, verbose_name='send me email')),
                ('email_on_every_change', models.BooleanField(default=True, help_text='Off: email only for decisions that need you to act.', verbose_name='email at every change')),
                ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='notification_preference', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'notification preference',
            },
        ),
        migrations.CreateModel(
            name='Notification',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(max_length=40)),
                ('source', models.CharField(max_length=80)),
                ('params', models.JSONField(blank=True, default=dict)),
                ('link', models.CharField(blank=True, max_length=300)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('read_at', models.DateTimeField(blank=True, null=True)),
                ('emailed_at', models.DateTimeField(blank=True, null=True)),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'notification',
                'verbose_name_plural': 'notifications',
                'ordering': ['-created_at', '-pk'],
                'indexes': [models.Index(fields=['user', 'read_at'], name='notifications_unread_idx')],
                'constraints': [models.UniqueConstraint(fields=('user', 'source'), name='notification_once_per_source')],
            },
        ),
        migrations.RunPython(copy_from_enrolment, migrations.RunPython.noop),
    ]
