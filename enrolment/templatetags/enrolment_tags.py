"""Template tags of the enrolment pages: the enrol panel on the offering page, the navigation flags and
labels for codes stored on requests and events."""

from __future__ import annotations

from django import template
from django.utils import timezone

from accounts.selectors import student_profile_of
from enrolment.eligibility import eligibility_check
from enrolment.forms import EnrolForm
from enrolment.models import ReasonCode, Status
from enrolment.permissions import HOME_ROLES, HOST_ROLES, staff_institution_ids
from enrolment.seats import waitlist_place
from enrolment.selectors import (
    actor_role_label,
    alternative_candidates,
    enrol_form_options,
    offerings_by_id,
    staff_sides,
    student_active_request,
)

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
    if profile.is_module_only:
        # A professional or guest: the same rules, and the module's registration page (with the invoice).
        panel.update(state="module_learner", eligibility=eligibility_check(student=profile, offering=offering))
        return panel
    eligibility = eligibility_check(student=profile, offering=offering)
    # A search for alternatives without JavaScript comes back here by GET with what was typed: keep it.
    typed = {name: request.GET[name] for name in ("motivation", "route") if request.GET.get(name)}
    form = context.get("enrol_form") or EnrolForm(
        offering_id=offering.pk, initial=typed, **enrol_form_options(profile=profile, offering=offering)
    )
    now = timezone.now()
    panel.update(
        state="student",
        eligibility=eligibility,
        form=form,
        window_closed=now >= offering.enrol_closes_at,
        waitlist_place=waitlist_place(offering=offering, institution_id=profile.home_institution_id, now=now),
        alternatives=_alternatives(context, offering, form),
    )
    return panel


def _alternatives(context, offering, form) -> list[dict]:
    """The two ranked-alternative pickers: each its search words, the offerings found, and the one chosen
    (kept when the page is shown again)."""
    request = context["request"]
    chosen_ids = {}
    for slot in (1, 2):
        raw = form[f"alternative_{slot}"].value() if form.is_bound else request.GET.get(f"alternative_{slot}")
        try:
            chosen_ids[slot] = int(raw) if raw else None
        except (TypeError, ValueError):
            chosen_ids[slot] = None
    known = {o.pk: o for o in offerings_by_id(chosen_ids.values())}
    pickers = []
    for slot in (1, 2):
        q = (request.POST if form.is_bound else request.GET).get(f"alternative_{slot}_q", "")
        found = alternative_candidates(offering_id=offering.pk, q=q)
        chosen = known.get(chosen_ids[slot])
        if chosen is not None and chosen not in found:
            found.insert(0, chosen)
        pickers.append({"slot": slot, "q": q, "found": found, "chosen": chosen_ids[slot], "searched": bool(q)})
    return pickers


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
