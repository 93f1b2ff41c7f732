"""Reads of requests, always through ``permissions.visible_requests`` so nobody sees others' data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import StaffRole, StudentProfile
from catalogue.models import AdmissionMode, Offering
from enrolment.errors import NotAllowedError, RequestNotFoundError
from enrolment.models import (
    ACTIVE_STATES,
    EnrolmentRequest,
    HomeApprovalPolicy,
    ReasonCode,
    RequestEvent,
    SeatReservation,
    Status,
    status_label,
)
from enrolment.permissions import (
    HOME_ROLES,
    HOST_ROLES,
    _roles,
    has_role,
    request_for,
    visible_requests,
)
from enrolment.seats import seats_free
from institutions.models import Institution
from institutions.routes import routes_open

ACTOR_ROLE_LABELS = {
    "student": _("Student"),
    "system": _("Portal (automatic)"),
    "home_system": _("The home institution's own system"),
    "host_system": _("The host institution's own system"),
    **{role.value: role.label for role in StaffRole.Role},
}


def actor_role_label(value: str) -> str:
    """Events show the actor's role, never a staff member's name (and never a stored code)."""
    return str(ACTOR_ROLE_LABELS.get(value or "system", ACTOR_ROLE_LABELS["system"]))


def requests_visible(user) -> QuerySet[EnrolmentRequest]:
    return (
        visible_requests(user)
        .select_related(
            "offering__institution",
            "offering__course",
            "offering__module",
            "home_institution",
            "host_institution",
            "student__user",
            "student__programme",
        )
        .prefetch_related(
            Prefetch("events", queryset=RequestEvent.objects.select_related("actor").order_by("at", "pk"))
        )
    )


def student_requests(user) -> QuerySet[EnrolmentRequest]:
    return requests_visible(user).filter(student__user_id=user.pk).order_by("-created_at")


def _needs_action(user, institution_id: int, side: str) -> Q:
    """The requests of one side of an institution that wait for ``user`` in one of their roles there.

    Outgoing: submitted, at the home step whose role ``user`` has (the first step's, or the second's in a
    two-step policy; an institution without a policy lets home approvers decide). Incoming: approved by
    home, in an offering whose host selects, so host admissions must admit, waitlist or decline.
    """
    mine = {role for inst, role in _roles(user) if inst == institution_id}
    if side == "incoming":
        return Q(status=Status.HOME_APPROVED, offering__admission_mode=AdmissionMode.SELECTION)
    first = Q(home_institution__approval_policy__first_step_role__in=mine)
    if StaffRole.Role.HOME_APPROVER in mine:
        first |= Q(home_institution__approval_policy__isnull=True)
    second = Q(home_step__gte=1, home_institution__approval_policy__second_step_role__in=mine)
    return Q(status=Status.SUBMITTED) & ((Q(home_step=0) & first) | second)


def _deadline(side: str):
    """What the queue is sorted by, soonest first: home's decision deadline; for the host, the offering's
    enrolment close, by which it must have decided."""
    return F("decision_due_at") if side == "outgoing" else F("offering__enrol_closes_at")


def staff_queue(
    user,
    *,
    institution_id: int,
    side: str,
    status: str | None = None,
    q: str = "",
    needs_action: bool = False,
) -> QuerySet[EnrolmentRequest]:
    """Incoming (host) or outgoing (home) requests of one institution, for its staff only, the soonest
    deadline first (requests without one last). ``needs_action``: only those that wait for ``user``."""
    roles = HOST_ROLES if side == "incoming" else HOME_ROLES
    if not has_role(user, institution_id, *roles):
        raise NotAllowedError()
    queryset = requests_visible(user)
    queryset = (
        queryset.filter(host_institution_id=institution_id)
        if side == "incoming"
        else queryset.filter(home_institution_id=institution_id)
    )
    if needs_action:
        queryset = queryset.filter(_needs_action(user, institution_id, side))
    if status:
        queryset = queryset.filter(status=status)
    if q:
        queryset = queryset.filter(
            Q(student__user__last_name__icontains=q)
            | Q(student__student_number__iexact=q)
            | Q(offering__course__code__iexact=q)
            | Q(offering__module__code__iexact=q)
        )
    return queryset.order_by(_deadline(side).asc(nulls_last=True), "submitted_at", "pk")


def offering_seats(user, *, offering_id: int) -> dict:
    """The seat view of one offering, for its host's admissions staff: counts per state, reservations, waitlist."""
    offering = Offering.objects.select_related("institution", "course", "module").get(pk=offering_id)
    if not has_role(user, offering.institution_id, *HOST_ROLES):
        raise NotAllowedError()
    counts = dict(
        EnrolmentRequest.objects.filter(offering=offering)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    waitlist = list(
        EnrolmentRequest.objects.filter(offering=offering, status=Status.WAITLISTED)
        .select_related("student__user", "home_institution")
        .order_by("queue_key", "pk")
    )
    return {
        "offering": offering,
        "capacity": offering.capacity,
        "seats_taken": offering.seats_taken,
        "seats_free": seats_free(offering=offering),
        "counts": {Status(k).label: v for k, v in counts.items()},
        "reservations": list(SeatReservation.objects.filter(offering=offering).select_related("institution")),
        "waitlist": waitlist,
    }


# --- Reads for the HTML pages -----------------------------------------------------------------------


# Standing decisions shown on a request's page: apps above enrolment register a finder in their
# ``AppConfig.ready()`` (credentials: its recognition precedents); enrolment imports none of them. A finder
# answers, for a request and a day, the decisions that match, each as a dict with at least ``label``.
PrecedentFinder = Callable[[EnrolmentRequest, dt.date], list[dict]]
_precedent_finders: list[PrecedentFinder] = []


def precedent_finder_register(finder: PrecedentFinder) -> None:
    if finder not in _precedent_finders:
        _precedent_finders.append(finder)


def request_precedents(request: EnrolmentRequest, *, on: dt.date | None = None) -> list[dict]:
    """The standing decisions (such as recognition precedents) that match the request's course for the
    student's programme, valid on ``on`` (today)."""
    on = on or timezone.localdate()
    return [precedent for finder in _precedent_finders for precedent in finder(request, on)]


def request_by_public_id(user, public_id) -> EnrolmentRequest:
    """One request by its public id, with its timeline, if ``user`` may see it; else RequestNotFoundError
    (the same 404 for others' requests, unknown ids and malformed ids)."""
    try:
        pk = EnrolmentRequest.objects.values_list("pk", flat=True).get(public_id=public_id)
    except (EnrolmentRequest.DoesNotExist, ValueError, TypeError, ValidationError):
        raise RequestNotFoundError() from None
    request_for(user, pk)
    return requests_visible(user).get(pk=pk)


def student_active_request(user, *, offering_id: int) -> EnrolmentRequest | None:
    """The student's active request for one offering, if any (there is at most one)."""
    if not user.is_authenticated:
        return None
    return (
        EnrolmentRequest.objects.filter(student__user_id=user.pk, offering_id=offering_id, status__in=ACTIVE_STATES)
        .order_by("-created_at")
        .first()
    )


ALTERNATIVES_SHOWN = 8


def enrol_form_options(*, profile, offering: Offering) -> dict:
    """What shapes a student's enrol form: the routes open to them for this offering (suitable and piloted
    by their home institution) and whether their home institution asks for a motivation."""
    policy = HomeApprovalPolicy.objects.filter(institution_id=profile.home_institution_id).first()
    return {
        "routes": routes_open(offering.teachable.suitable_routes, profile.home_institution.piloted_routes),
        "motivation_required": bool(policy and policy.motivation_required),
    }


def alternative_candidates(*, offering_id: int, q: str, limit: int = ALTERNATIVES_SHOWN) -> list[Offering]:
    """Offerings a student may name as a ranked alternative to ``offering_id``, found by a word of their
    title (Dutch or English) or their code: not archived, enrolment not yet closed, the offering itself left
    out. Whether one fits the student is the submit service's call."""
    q = (q or "").strip()
    if len(q) < 2:
        return []
    words = Q()
    for field in ("title_en", "title_nl", "code"):
        words |= Q(**{f"course__{field}__icontains": q}) | Q(**{f"module__{field}__icontains": q})
    return list(
        Offering.objects.filter(words, is_archived=False, enrol_closes_at__gt=timezone.now())
        .exclude(pk=offering_id)
        .select_related("institution", "course", "module")
        .order_by("start_date", "pk")[:limit]
    )


def offerings_by_id(ids) -> list[Offering]:
    """Offerings by primary key, with what a choice's label shows."""
    return list(Offering.objects.filter(pk__in=[i for i in ids if i]).select_related("institution", "course", "module"))


def staff_sides(user) -> list[dict]:
    """The staff console's entrances for ``user``: one per (institution, side) they may open, each with
    how many requests there wait for ``user`` (``pending``)."""
    roles = _roles(user) if user.is_authenticated else set()
    host = {inst for inst, role in roles if role in HOST_ROLES}
    home = {inst for inst, role in roles if role in HOME_ROLES}
    sides = []
    for institution in Institution.objects.filter(pk__in=host | home).order_by("short_name"):
        if institution.pk in host:
            sides.append({"institution": institution, "side": "incoming"})
        if institution.pk in home:
            sides.append({"institution": institution, "side": "outgoing"})
    for entry in sides:
        entry["pending"] = (
            staff_queue(user, institution_id=entry["institution"].pk, side=entry["side"], needs_action=True)
            .prefetch_related(None)
            .count()
        )
    return sides


@dataclass(frozen=True)
class WaitingOnSystem:
    """A request that waits for a connected institution's own system (``waiting_on_system``)."""

    institution: Institution
    since: dt.datetime
    what: str  # "decision" (the home's decision) | "registration"


def waiting_on_system(request: EnrolmentRequest, events: list[RequestEvent] | None = None) -> WaitingOnSystem | None:
    """Whether ``request`` waits for a connected institution's own system, which, and since when: a connected
    home deciding in its own system (the portal started no deadline of its own), or an admitted enrolment
    that a connected side's system has not confirmed yet. ``events``: the request's timeline, if read."""
    connected = Institution.Integration.CONNECTED
    if request.status == Status.SUBMITTED:
        home = request.home_institution
        if (
            home is not None
            and home.integration == connected
            and request.decision_due_at is None
            and request.submitted_at
        ):
            return WaitingOnSystem(home, request.submitted_at, "decision")
        return None
    if request.status != Status.ADMITTED:
        return None
    timeline = events if events is not None else list(request.events.all())
    admitted_at = next((e.at for e in reversed(timeline) if e.to_status == Status.ADMITTED), request.updated_at)
    for side in ("host", "home"):
        institution = getattr(request, f"{side}_institution")
        if institution.integration == connected and getattr(request, f"{side}_registered_at") is None:
            return WaitingOnSystem(institution, admitted_at, "registration")
    return None


SYSTEM_ROLES = ("system", "home_system", "host_system")
NEXT_CHOICE_WHY = _("Your next ranked choice, submitted because the one before it ended")


def request_timeline(events: list[RequestEvent], *, for_staff: bool) -> list[dict]:
    """The request's moves as people read them: labels, never stored codes. A note an institution's system or
    the portal wrote for the record (an association id, a state code) is for staff; a student sees a
    system's note only when the reason says to read it (the reasons a ranked choice was dropped)."""
    rows = []
    for event in events:
        automatic = event.actor_role in SYSTEM_ROLES or not event.actor_role
        module_only = event.request.is_module_only
        next_choice = automatic and event.from_status == Status.DRAFT and event.to_status == Status.SUBMITTED
        shows_comment = for_staff or not automatic or event.reason == ReasonCode.OTHER
        rows.append(
            {
                "event": event,
                "from": status_label(event.from_status, module_only=module_only),
                "to": status_label(event.to_status, module_only=module_only),
                "why": NEXT_CHOICE_WHY
                if next_choice and not for_staff
                else (ReasonCode(event.reason).label if event.reason in ReasonCode.values else ""),
                "comment": event.comment if shows_comment else "",
                "by": actor_role_label(event.actor_role),
            }
        )
    return rows


def offerings_eligible_for(user) -> frozenset[int] | None:
    """For the catalogue's "eligible for me": the offerings whose enrolment window is open now, that are
    open to students of the student's institution, and whose course or module the student neither takes
    nor has completed: the eligibility rules that hold for a whole catalogue at once (``eligibility``'s
    window, visibility and duplicate rules). None for anyone who is not a student."""
    profile = StudentProfile.objects.filter(user_id=user.pk).values("pk", "home_institution_id", "kind").first()
    if profile is None:
        return None
    now = timezone.now()
    if profile["home_institution_id"] is None:
        # A professional or guest: the modules open to their kind, with a module-only price.
        kind_visible = Q(visible_professionals=True) if profile["kind"] == "professional" else Q(visible_guests=True)
        target = kind_visible & Q(module__isnull=False, price_module_only__isnull=False)
    else:
        own = Q(institution_id=profile["home_institution_id"])
        target = (own & Q(visible_own_students=True)) | (~own & Q(visible_partners=True))
    taken = EnrolmentRequest.objects.filter(
        student_id=profile["pk"], status__in=[*ACTIVE_STATES, Status.COMPLETED]
    ).values_list("offering__course_id", "offering__module_id")
    courses = {course for course, _module in taken if course}
    modules = {module for _course, module in taken if module}
    offerings = (
        Offering.objects.filter(enrol_opens_at__lte=now, enrol_closes_at__gt=now, is_archived=False)
        .filter(target)
        .exclude(course_id__in=courses)
        .exclude(module_id__in=modules)
    )
    return frozenset(offerings.values_list("pk", flat=True))


def eligibility_version(user) -> str:
    """Changes when the student's requests change, and each minute (windows open and close to the minute)."""
    latest = RequestEvent.objects.filter(request__student__user_id=user.pk).order_by("-pk").values_list("pk", flat=True)
    return f"{latest.first()}:{timezone.now():%Y%m%d%H%M}"
