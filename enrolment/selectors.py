"""Reads of requests, always through ``permissions.visible_requests`` so nobody sees others' data."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from catalogue.models import Offering
from enrolment.errors import NotAllowedError, RequestNotFoundError
from enrolment.models import (
    ACTIVE_STATES,
    EnrolmentRequest,
    HomeApprovalPolicy,
    RequestEvent,
    SeatReservation,
    Status,
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
        )
        .prefetch_related(
            Prefetch("events", queryset=RequestEvent.objects.select_related("actor").order_by("at", "pk"))
        )
    )


def student_requests(user) -> QuerySet[EnrolmentRequest]:
    return requests_visible(user).filter(student__user_id=user.pk).order_by("-created_at")


def staff_queue(
    user, *, institution_id: int, side: str, status: str | None = None, q: str = ""
) -> QuerySet[EnrolmentRequest]:
    """Incoming (host) or outgoing (home) requests of one institution, for its staff only."""
    roles = HOST_ROLES if side == "incoming" else HOME_ROLES
    if not has_role(user, institution_id, *roles):
        raise NotAllowedError()
    queryset = requests_visible(user)
    queryset = (
        queryset.filter(host_institution_id=institution_id)
        if side == "incoming"
        else queryset.filter(home_institution_id=institution_id)
    )
    if status:
        queryset = queryset.filter(status=status)
    if q:
        queryset = queryset.filter(
            Q(student__user__last_name__icontains=q)
            | Q(student__student_number__iexact=q)
            | Q(offering__course__code__iexact=q)
            | Q(offering__module__code__iexact=q)
        )
    return queryset.order_by("status", "submitted_at", "pk")


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
    """The staff console's entrances for ``user``: one per (institution, side) they may open."""
    roles = _roles(user) if user.is_authenticated else set()
    host = {inst for inst, role in roles if role in HOST_ROLES}
    home = {inst for inst, role in roles if role in HOME_ROLES}
    sides = []
    for institution in Institution.objects.filter(pk__in=host | home).order_by("short_name"):
        if institution.pk in host:
            sides.append({"institution": institution, "side": "incoming"})
        if institution.pk in home:
            sides.append({"institution": institution, "side": "outgoing"})
    return sides
