"""What people hear of their requests, through the notification centre (``notifications``).

The lifecycle's subscriber (``enrolment.subscribers``) queues one ``events_notify`` after the commit of each
transaction that moved requests: the student hears of every move, and the staff whose turn it now is (home
approvers, host admissions of a selection offering) of the new work. Staff reminders and escalations come
from the deadline task. Who hears what and how it reads is
decided here; storing, emailing by preference and in the recipient's language is the notifications app's.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import StaffRole
from catalogue.models import AdmissionMode
from enrolment.models import ACTIVE_STATES, EnrolmentRequest, RequestEvent, Status, status_label
from enrolment.permissions import HOST_ROLES, home_step_role
from notifications.services import Message, absolute_url, notify

# Moves that ask the student to do something; with "email only when I must act" these still email.
ACTION_NEEDED = {Status.SEAT_OFFERED, Status.HOME_DENIED}
STAFF_KIND_TITLES = {
    "reminder": _("Reminder: a request awaits your decision"),
    "escalation": _("Escalated: a request passed its decision deadline"),
    "host_reminder": _("Reminder: an admission awaits your decision"),
    "host_escalation": _("Overdue: the host has not decided on an admission in time"),
    "work_home": _("New request to approve"),
    "work_host": _("New request to admit or decline"),
}


MODULE_ONLY_KIND = "modular."


def _link(request: EnrolmentRequest) -> str:
    return reverse("enrolment:request", args=[request.public_id])


def notification_title(kind: str, params: dict) -> str:
    """How the notification centre writes enrolment's notifications, in the active language
    (registered in ``EnrolmentConfig.ready()``)."""
    what = kind.removeprefix("enrolment.")
    # A module-only learner's notifications (``enrolment.modular.<status>``) never speak of a home step.
    module_only = what.startswith(MODULE_ONLY_KIND)
    what = what.removeprefix(MODULE_ONLY_KIND)
    label = status_label(what, module_only=module_only) if what in Status.values else STAFF_KIND_TITLES.get(what, what)
    language = (get_language() or "nl")[:2]
    course = params.get(f"title_{language}") or params.get("title_nl") or ""
    return f"{label}: {params.get('code', '')} {course}".strip() if params.get("code") else str(label)


def _params(request: EnrolmentRequest) -> dict:
    teachable = request.offering.teachable
    return {"code": teachable.code, "title_nl": teachable.title_nl, "title_en": teachable.title_en}


def _student_message(event: RequestEvent, steps: list[str]) -> Message:
    """``steps``: the labels of the request's moves in this batch, in order (the email of the last tells
    them all)."""
    request = event.request
    teachable = request.offering.teachable

    def email() -> tuple[str, str]:
        context = {
            "user": request.student.user,
            "event": event,
            "request": request,
            "offering": request.offering,
            "teachable": teachable,
            "status_label": status_label(event.to_status, module_only=request.is_module_only),
            "reason_label": event.get_reason_display(),
            "is_active": event.to_status in ACTIVE_STATES,
            "link": absolute_url(_link(request)),
            "steps": [str(label) for label in steps],
        }
        subject = render_to_string("enrolment/email/status_changed_subject.txt", context).strip()
        return subject, render_to_string("enrolment/email/status_changed_body.txt", context)

    return Message(
        user=request.student.user,
        source=f"enrolment.event:{event.pk}",
        kind=f"enrolment.{MODULE_ONLY_KIND if request.is_module_only else ''}{event.to_status}",
        params=_params(request),
        link=_link(request),
        action_needed=event.to_status in ACTION_NEEDED,
        email=email,
        email_group=f"enrolment.request:{request.pk}",
    )


def _student_messages(events: list[RequestEvent]) -> list[Message]:
    steps: dict[int, list[str]] = {}
    messages = []
    for event in events:
        module_only = event.request.is_module_only
        steps.setdefault(event.request_id, []).append(status_label(event.to_status, module_only=module_only))
        messages.append(_student_message(event, steps[event.request_id]))
    return messages


def _new_work(event: RequestEvent) -> tuple[str, int, tuple[str, ...]] | None:
    """Whose turn the move made it, if a person's and the request still waits for them now: (kind,
    institution id, roles). Read after the commit, so a request approved on its own in the same
    transaction asks nobody."""
    request = event.request
    if event.to_status == Status.SUBMITTED and request.status == Status.SUBMITTED and not request.is_module_only:
        return "work_home", request.home_institution_id, (home_step_role(request),)
    if (
        event.to_status == Status.HOME_APPROVED
        and request.status == Status.HOME_APPROVED
        and request.offering.admission_mode == AdmissionMode.SELECTION
    ):
        return "work_host", request.host_institution_id, tuple(HOST_ROLES)
    return None


def _staff_messages(events: list[RequestEvent]) -> list[Message]:
    """The staff whose turn it is, once per request (its latest move of the batch decides)."""
    latest: dict[int, RequestEvent] = {}
    for event in events:
        latest[event.request_id] = event
    messages = []
    for event in latest.values():
        work = _new_work(event)
        if work is None:
            continue
        kind, institution_id, roles = work
        staff = StaffRole.objects.filter(institution_id=institution_id, role__in=roles).select_related("user")
        for user in {member.user_id: member.user for member in staff}.values():
            messages.append(_work_message(event, user, kind))
    return messages


def _work_message(event: RequestEvent, user, kind: str) -> Message:
    request = event.request

    def email() -> tuple[str, str]:
        context = {
            "user": user,
            "request": request,
            "offering": request.offering,
            "teachable": request.offering.teachable,
            "title": STAFF_KIND_TITLES[kind],
            "side": kind,
            "link": absolute_url(_link(request)),
        }
        subject = render_to_string("enrolment/email/new_work_subject.txt", context).strip()
        return subject, render_to_string("enrolment/email/new_work_body.txt", context)

    return Message(
        user=user,
        source=f"enrolment.work:{event.pk}",
        kind=f"enrolment.{kind}",
        params=_params(request),
        link=_link(request),
        action_needed=True,
        email=email,
    )


def events_notify(*, event_ids: list[int]) -> int:
    """Tell the student of each move, and the staff whose turn it now is of the new work, in one call of
    the notification centre: one email per person for all the moves of a transaction. Idempotent: the
    centre keeps one notification per person and event. Returns the number of notifications created."""
    events = list(
        RequestEvent.objects.filter(pk__in=event_ids)
        .select_related(
            "request__student__user",
            "request__offering__institution",
            "request__offering__course",
            "request__offering__module",
            "request__home_institution",
        )
        .order_by("pk")
    )
    return notify([*_student_messages(events), *_staff_messages(events)])


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
