"""Template tags of the enrolment pages: the enrol panel on the offering page, the navigation flags and
labels for codes stored on requests and events."""

from __future__ import annotations

from django import template

from accounts.selectors import student_profile_of
from enrolment.eligibility import eligibility_check
from enrolment.forms import EnrolForm
from enrolment.models import ReasonCode, Status
from enrolment.permissions import HOME_ROLES, HOST_ROLES, staff_institution_ids
from enrolment.selectors import actor_role_label, staff_sides, student_active_request

register = template.Library()


@register.simple_tag(takes_context=True)
def enrol_panel(context, offering) -> dict:
    """What the "Enrol" panel shows for the visitor: a login link, a note for non-students, the link to an
    existing request, or the live eligibility checks with the form.

    A page that re-renders the panel after a refused submission puts ``enrol_form`` (bound) and
    ``enrol_error`` in its context; the panel then shows those instead of a fresh form.
    """
    request = context.get("request")
    user = getattr(request, "user", None)
    panel = {"offering": offering, "state": "anonymous", "error": context.get("enrol_error")}
    if user is None or not user.is_authenticated:
        return panel
    profile = student_profile_of(user=user)
    if profile is None:
        panel["state"] = "not_student"
        return panel
    existing = student_active_request(user, offering_id=offering.pk)
    if existing is not None and not context.get("enrol_error"):
        panel.update(state="requested", existing=existing)
        return panel
    eligibility = eligibility_check(student=profile, offering=offering)
    panel.update(
        state="student",
        eligibility=eligibility,
        form=context.get("enrol_form") or EnrolForm(offering_id=offering.pk),
    )
    return panel


@register.simple_tag(takes_context=True)
def enrolment_nav(context) -> dict:
    """Which enrolment links the header shows; computed once per request."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    cached = getattr(request, "_enrolment_nav", None)
    if cached is None:
        cached = {
            "is_student": student_profile_of(user=user) is not None,
            "is_staff": bool(staff_institution_ids(user, (*HOME_ROLES, *HOST_ROLES))),
        }
        request._enrolment_nav = cached
    return cached


@register.simple_tag(takes_context=True)
def staff_entrances(context) -> list[dict]:
    """The staff queues the signed-in user may open, one per (institution, side): the home page links them."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    return staff_sides(user)


# The NL Design System status badge of each state: how the request stands, at a glance (the text says it too).
STATUS_BADGES = {
    Status.ADMITTED: "success",
    Status.REGISTERED: "success",
    Status.COMPLETED: "success",
    Status.HOME_DENIED: "danger",
    Status.HOST_DENIED: "danger",
    Status.WAITLISTED: "warning",
    Status.SEAT_OFFERED: "warning",
    Status.WITHDRAWN: "inactive",
    Status.CANCELLED: "inactive",
    Status.EXPIRED: "inactive",
}


@register.filter
def status_badge(value: str) -> str:
    """The status badge's modifier for a request's state: success, danger, warning, inactive or neutral."""
    return STATUS_BADGES.get(value, "neutral")


@register.filter
def status_label(value: str) -> str:
    return Status(value).label if value in Status.values else value


@register.filter
def reason_label(value: str) -> str:
    return ReasonCode(value).label if value in ReasonCode.values else value


register.filter("actor_role_label", actor_role_label)
