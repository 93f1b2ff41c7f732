"""The in-app notification centre and the email preferences."""

import pytest

from enrolment.models import RequestEvent
from enrolment.services import approval
from enrolment.services.messages import events_notify, staff_notify
from notifications.models import Notification, NotificationPreference

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_events_become_notifications_newest_first(client, zone, submitted):
    approval.home_deny(user=zone["staff"]["approver"], request_id=submitted.pk, reason="study_progress")
    events_notify(event_ids=list(RequestEvent.objects.filter(request=submitted).values_list("pk", flat=True)))
    client.force_login(zone["student"].user)
    response = client.get("/notifications/", **EN)
    page = response.content.decode()
    assert response.status_code == 200
    assert "2 unread notifications" in page
    denied = page.index("Denied by home institution")
    submitted_at = page.index("Submitted, awaiting home approval")
    assert denied < submitted_at  # newest first
    assert f"/enrolment/requests/{submitted.public_id}/" in page
    # The header shows the unread count on every page.
    assert 'id="unread-badge">2' in client.get("/catalogue/", **EN).content.decode()


def test_only_my_notifications_and_marking_read(client, zone, submitted):
    mine = [
        Notification.objects.create(user=zone["student"].user, source=f"test:{k}", kind=f"enrolment.{k}")
        for k in ("submitted", "home_approved")
    ]
    theirs = Notification.objects.create(user=zone["students"][1].user, source="test:theirs", kind="submitted")
    client.force_login(zone["student"].user)
    page = client.get("/notifications/", **EN).content.decode()
    assert f'data-notification="{theirs.pk}"' not in page
    assert all(f'data-notification="{n.pk}"' in page for n in mine)

    # One at a time; someone else's id is ignored.
    response = client.post("/notifications/read/", {"notification": [mine[0].pk, theirs.pk]})
    assert response.status_code == 302
    mine[0].refresh_from_db()
    theirs.refresh_from_db()
    assert mine[0].read_at is not None and theirs.read_at is None
    assert "1 unread notification" in client.get("/notifications/", **EN).content.decode()

    client.post("/notifications/read/", {"all": "1"})
    assert not Notification.objects.filter(user=zone["student"].user, read_at__isnull=True).exists()
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    page = client.get("/notifications/", **EN).content.decode()
    assert "0 unread notifications" in page and "unread-badge" not in page


def test_staff_reminders_show_with_their_own_label(client, zone, submitted):
    zone["staff"]["approver"].preferred_language = "en"
    zone["staff"]["approver"].save()
    assert staff_notify(submitted, "home_approver", kind="reminder") == 1
    assert staff_notify(submitted, "home_approver", kind="reminder") == 0  # once per deadline
    client.force_login(zone["staff"]["approver"])
    page = client.get("/notifications/", **EN).content.decode()
    assert "Reminder: a request awaits your decision" in page


def test_notifications_need_login(client):
    assert client.get("/notifications/").status_code == 302
    assert client.post("/notifications/read/", {"all": "1"}).status_code == 302


def test_preferences(client, zone):
    user = zone["student"].user
    client.force_login(user)
    page = client.get("/notifications/preferences/", **EN).content.decode()
    # The page says in words which state is on, and the radio of that state is checked.
    assert "Now: an email at once for every change." in page
    assert 'value="immediately" id="id_email_delivery_0" checked' in page.replace("required ", "")

    response = client.post("/notifications/preferences/", {"email_delivery": "off", "email_scope": "every"})
    assert response.status_code == 302
    preference = NotificationPreference.objects.get(user=user)
    assert (preference.email_delivery, preference.email_on_every_change) == ("off", True)
    assert (
        "Now: you get no email, only the notification centre."
        in client.get("/notifications/preferences/", **EN).content.decode()
    )

    client.post("/notifications/preferences/", {"email_delivery": "daily", "email_scope": "action"})
    preference.refresh_from_db()
    assert (preference.email_delivery, preference.email_on_every_change) == ("daily", False)
    page = client.get("/notifications/preferences/", **EN).content.decode()
    assert "Now: one email a day, a digest of the changes that need you to act." in page

    # A forged value is refused with the form's message and writes nothing.
    response = client.post("/notifications/preferences/", {"email_delivery": "hourly", "email_scope": "every"}, **EN)
    assert response.status_code == 400
    preference.refresh_from_db()
    assert preference.email_delivery == "daily"
    assert NotificationPreference.objects.filter(user=user).count() == 1
