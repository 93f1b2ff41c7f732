"""Reads of requests, always through ``permissions.visible_requests`` so nobody sees others' data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q, QuerySet

from catalogue.models import Offering
from enrolment.errors import NotAllowedError, RequestNotFoundError
from enrolment.models import ACTIVE_STATES, EnrolmentRequest, RequestEvent, SeatReservation, Status
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
        if home.integration == connected and request.decision_due_at is None and request.submitted_at:
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
