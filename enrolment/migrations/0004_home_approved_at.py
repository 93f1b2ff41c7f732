from django.db import migrations, models
from django.db.models import Min, OuterRef, Subquery

# States a request can only be in after home approved it.
AFTER_HOME_APPROVAL = ("home_approved", "waitlisted", "seat_offered", "admitted", "host_denied", "registered", "completed")


def backfill(apps, schema_editor):
    """When home first approved, from the audit trail; a request that reached a host state without an
    approval event (set up by hand) counts as approved when it was submitted. A request cancelled, withdrawn
    or expired without ever being approved stays unset: the host never had it."""
    EnrolmentRequest = apps.get_model("enrolment", "EnrolmentRequest")
    RequestEvent = apps.get_model("enrolment", "RequestEvent")
    first_approval = (
        RequestEvent.objects.filter(request=OuterRef("pk"), to_status="home_approved")
        .values("request")
        .annotate(first=Min("at"))
        .values("first")
    )
    EnrolmentRequest.objects.update(home_approved_at=Subquery(first_approval))
    for request in EnrolmentRequest.objects.filter(home_approved_at__isnull=True, status__in=AFTER_HOME_APPROVAL):
        request.home_approved_at = request.submitted_at or request.updated_at
        request.save(update_fields=["home_approved_at"])


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('catalogue', '0009_sort_indexes_cover_the_facets'),
        ('enrolment', '0003_reason_home_system'),
        ('institutions', '0001_initial'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='enrolmentrequest',
            name='request_host_queue_idx',
        ),
        migrations.AddField(
            model_name='enrolmentrequest',
            name='home_approved_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='enrolmentrequest',
            index=models.Index(condition=models.Q(('home_approved_at__isnull', False)), fields=['host_institution', 'status'], name='request_host_queue_idx'),
        ),
    ]
