"""Notifications at every state change: in-app rows and templated email (NL/EN), sent by Celery only
after the transaction that made the change has committed."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from enrolment.models import ACTIVE_STATES, Notification, NotificationPreference, RequestEvent, Status

# Moves that ask the student to do something; with "email only when I must act" these still email.
ACTION_NEEDED = {Status.SEAT_OFFERED, Status.HOME_DENIED}


def notifications_queue(*, event: RequestEvent | None = None, events: list[RequestEvent] = ()) -> None:
    """After commit, notify for ``event`` (or all of ``events``, in one task) from a Celery worker. A
    rolled-back move queues nothing: Django drops the callback with the transaction or savepoint it was
    registered in, so register it in the savepoint that wrote the events."""
    from enrolment.tasks import notify_events

    event_ids = [e.pk for e in ([event] if event is not None else []) + list(events)]
    if event_ids:
        transaction.on_commit(lambda: notify_events.delay(event_ids))


def _recipients(event: RequestEvent):
    """The student always; staff are told through their queues, not by mail."""
    return [event.request.student.user]


def events_notify(*, event_ids: list[int]) -> int:
    """Create the in-app notifications for ``event_ids`` and email those who want it.

    Idempotent: an event already notified to a user is skipped, so a redelivered task sends nothing
    twice. Returns the number of notifications created.
    """
    created = 0
    events = RequestEvent.objects.filter(pk__in=event_ids).select_related(
        "request__student__user",
        "request__offering__institution",
        "request__offering__course",
        "request__offering__module",
    )
    for event in events.order_by("pk"):
        for user in _recipients(event):
            notification, was_created = Notification.objects.get_or_create(
                user=user, event=event, defaults={"request": event.request, "kind": event.to_status}
            )
            if not was_created:
                continue
            created += 1
            preference = NotificationPreference.objects.filter(user=user).first()
            wants_email = preference is None or (
                preference.email_enabled and (preference.email_on_every_change or event.to_status in ACTION_NEEDED)
            )
            if wants_email and _email(user, event):
                Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
    return created


def _email(user, event: RequestEvent) -> bool:
    request = event.request
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        context = {
            "user": user,
            "event": event,
            "request": request,
            "offering": request.offering,
            "teachable": request.offering.teachable,
            "status_label": Status(event.to_status).label,
            "reason_label": event.get_reason_display(),
            "is_active": event.to_status in ACTIVE_STATES,
        }
        subject = render_to_string("enrolment/email/status_changed_subject.txt", context).strip()
        body = render_to_string("enrolment/email/status_changed_body.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    return True
