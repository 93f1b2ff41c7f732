"""Enrolment now registers a request once each side's system has confirmed (enrolment 0007). For admitted
requests whose connected home already accepted ``remoteState: associated`` (a delivered ``home_state``
message for the registration), that confirmation is recorded; a connected host's report is picked up by the
beat sweep as before."""

from django.db import migrations


def backfill(apps, schema_editor):
    OutboxMessage = apps.get_model("ooapi", "OutboxMessage")
    EnrolmentRequest = apps.get_model("enrolment", "EnrolmentRequest")
    delivered = OutboxMessage.objects.filter(
        kind="home_state", payload__purpose="register", status="delivered", request__status="admitted"
    ).values_list("request_id", "delivered_at")
    for request_id, delivered_at in delivered:
        EnrolmentRequest.objects.filter(pk=request_id, home_registered_at__isnull=True).update(
            home_registered_at=delivered_at
        )


class Migration(migrations.Migration):
    dependencies = [
        ("ooapi", "0004_sync_outbox_enqueued_at"),
        ("enrolment", "0007_registration_sides"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
