"""What people hear of their requests, through the notification centre (``notifications``).

The lifecycle's subscriber (``enrolment.subscribers``) queues ``events_notify`` after the commit of every
move; staff reminders and escalations come from the deadline task. Who hears what and how it reads is
decided here; storing, emailing by preference and in the recipient's language is the notifications app's.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import StaffRole
from enrolment.models import ACTIVE_STATES, EnrolmentRequest, RequestEvent, Status
from notifications.services import Message, notify

# Moves that ask the student to do something; with "email only when I must act" these still email.
ACTION_NEEDED = {Status.SEAT_OFFERED, Status.HOME_DENIED}
STAFF_KIND_TITLES = {
    "reminder": _("Reminder: a request awaits your decision"),
    "escalation": _("Escalated: a request passed its decision deadline"),
    "host_reminder": _("Reminder: an admission awaits your decision"),
    "host_escalation": _("Overdue: the host has not decided on an admission in time"),
}


def _link(request: EnrolmentRequest) -> str:
    return reverse("enrolment:request", args=[request.public_id])


def notification_title(kind: str, params: dict) -> str:
    """How the notification centre writes enrolment's notifications, in the active language
    (registered in ``EnrolmentConfig.ready()``)."""
    what = kind.removeprefix("enrolment.")
    label = Status(what).label if what in Status.values else STAFF_KIND_TITLES.get(what, what)
    language = (get_language() or "nl")[:2]
    course = params.get(f"title_{language}") or params.get("title_nl") or ""
    return f"{label}: {params.get('code', '')} {course}".strip() if params.get("code") else str(label)


def _params(request: EnrolmentRequest) -> dict:
    teachable = request.offering.teachable
    return {"code": teachable.code, "title_nl": teachable.title_nl, "title_en": teachable.title_en}


def _student_message(event: RequestEvent) -> Message:
    request = event.request
    teachable = request.offering.teachable

    def email() -> tuple[str, str]:
        context = {
            "user": request.student.user,
            "event": event,
            "request": request,
            "offering": request.offering,
            "teachable": teachable,
            "status_label": Status(event.to_status).label,
            "reason_label": event.get_reason_display(),
            "is_active": event.to_status in ACTIVE_STATES,
        }
        subject = render_to_string("enrolment/email/status_changed_subject.txt", context).strip()
        return subject, render_to_string("enrolment/email/status_changed_body.txt", context)

    return Message(
        user=request.student.user,
        source=f"enrolment.event:{event.pk}",
        kind=f"enrolment.{event.to_status}",
        params=_params(request),
        link=_link(request),
        action_needed=event.to_status in ACTION_NEEDED,
        email=email,
    )


def events_notify(*, event_ids: list[int]) -> int:
    """Tell the student of each move (the staff see their queues). Idempotent: the notification centre
    keeps one notification per person and event. Returns the number of notifications created."""
    events = (
        RequestEvent.objects.filter(pk__in=event_ids)
        .select_related(
            "request__student__user",
            "request__offering__institution",
            "request__offering__course",
            "request__offering__module",
        )
        .order_by("pk")
    )
    return notify(_student_message(event) for event in events)


def staff_notify(request: EnrolmentRequest, role: str, *, kind: str, side: str = "home") -> int:
    """Tell the staff in ``role`` of the request's ``side`` ("home" or "host") institution of a request (a
    reminder, an escalation of that side's decision deadline), in-app."""
    institution_id = request.host_institution_id if side == "host" else request.home_institution_id
    staff = StaffRole.objects.filter(institution_id=institution_id, role=role).select_related("user")
    request = EnrolmentRequest.objects.select_related("offering__course", "offering__module").get(pk=request.pk)
    due = request.host_decision_due_at if kind.startswith("host_") else request.decision_due_at
    deadline = due.isoformat() if due else ""
    return notify(
        Message(
            user=member.user,
            # Once per deadline: a resubmitted request has a new one, and its reminder is new too.
            source=f"enrolment.request:{request.pk}:{kind}:{deadline}",
            kind=f"enrolment.{kind}",
            params=_params(request),
            link=_link(request),
        )
        for member in staff
    )
