from django.db import migrations, models
from django.db.models import Min, OuterRef, Subquery

# A request that was registered has both sides confirmed, when it was registered.
WAS_REGISTERED = ("registered", "completed")


def backfill(apps, schema_editor):
    """Registered requests: both sides confirmed at registration. Admitted ones still waiting: the
    portal-managed sides have confirmed (the portal is their system); connected sides confirm when their
    systems answer (the ooapi app backfills answers already received)."""
    EnrolmentRequest = apps.get_model("enrolment", "EnrolmentRequest")
    RequestEvent = apps.get_model("enrolment", "RequestEvent")
    registered_at = (
        RequestEvent.objects.filter(request=OuterRef("pk"), to_status="registered")
        .values("request")
        .annotate(first=Min("at"))
        .values("first")
    )
    EnrolmentRequest.objects.filter(status__in=WAS_REGISTERED).update(
        home_registered_at=Subquery(registered_at), host_registered_at=Subquery(registered_at)
    )
    for request in EnrolmentRequest.objects.filter(status__in=WAS_REGISTERED, home_registered_at__isnull=True):
        request.home_registered_at = request.host_registered_at = request.updated_at
        request.save(update_fields=["home_registered_at", "host_registered_at"])
    admitted = EnrolmentRequest.objects.filter(status="admitted")
    admitted.filter(home_institution__integration="portal").update(home_registered_at=models.F("updated_at"))
    admitted.filter(host_institution__integration="portal").update(host_registered_at=models.F("updated_at"))


class Migration(migrations.Migration):

    dependencies = [
        ('enrolment', '0006_idempotency_moved'),
    ]

    operations = [
        migrations.AddField(
            model_name='enrolmentrequest',
            name='home_registered_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='enrolmentrequest',
            name='host_registered_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
