"""Host admission: seats, waitlist, lottery and promotion. The database decides who gets a seat.

Every function here that touches seats first locks the offering row (``SELECT ... FOR UPDATE``) and only
then the request rows, always in that order, so two of them never deadlock over one offering. One path
takes a second offering: when a ranked choice ends without a seat, ``alternatives_advance`` locks the next
choice's offering while the first is still locked, and two students whose choices cross (X then Y, Y then
X) can meet in the opposite order. PostgreSQL then aborts one of the two; the services on that path are
``portal.db.retry_on_deadlock``, so the aborted one runs again once the other has committed.

``Offering.seats_taken`` is changed only under the offering's lock, and the ``offering_never_overbooked``
CHECK constraint backs it up: a race that slipped through would fail loudly instead of overbooking.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import secrets
import time

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from catalogue.models import AdmissionMode, Offering
from enrolment import lifecycle
from enrolment.errors import (
    NO_SEAT_MESSAGE,
    OFFER_LAPSED_MESSAGE,
    REASON_REQUIRED_MESSAGE,
    EnrolmentError,
    WrongStateError,
)
from enrolment.lifecycle import transition
from enrolment.models import DENIAL_REASONS, EnrolmentRequest, ReasonCode, SeatReservation, Status
from enrolment.permissions import require_verb
from portal.db import retry_on_deadlock

# Switched off only by the concurrency control test (``capacity_guard_disabled``) to show that the race
# is real without the lock. Never configurable from settings or the environment.
_CAPACITY_GUARD = True


@contextlib.contextmanager
def capacity_guard_disabled():
    """Test-only: count seats the naive way (read, check, write) to demonstrate the race it prevents."""
    global _CAPACITY_GUARD
    _CAPACITY_GUARD = False
    try:
        yield
    finally:
        _CAPACITY_GUARD = True


def offering_lock(offering_id: int) -> Offering:
    """Lock the offering row; every seat change happens under this lock."""
    queryset = Offering.objects.all()
    if _CAPACITY_GUARD:
        queryset = queryset.select_for_update(of=("self",))
    return queryset.get(pk=offering_id)


def request_lock(request_id: int) -> EnrolmentRequest:
    return (
        EnrolmentRequest.objects.select_for_update(of=("self",))
        .select_related("offering", "student")
        .get(pk=request_id)
    )


def _arrival_key() -> int:
    # Microseconds since the epoch: first come, first served across processes.
    return time.time_ns() // 1000


def seat_take(*, offering: Offering, institution_id: int, now: dt.datetime) -> tuple[bool, SeatReservation | None]:
    """Take one seat for a student of ``institution_id`` if there is one. Caller holds the offering lock.

    Seats reserved for other partner institutions are not available until their release date; a student of
    a partner with a reservation uses it first.
    """
    reservations = list(SeatReservation.objects.filter(offering=offering, release_at__gt=now))
    held_for_others = sum(max(r.seats - r.used, 0) for r in reservations if r.institution_id != institution_id)
    own = next((r for r in reservations if r.institution_id == institution_id and r.used < r.seats), None)
    if not _CAPACITY_GUARD:
        # The naive path the guard exists to prevent: no lock, check then write an absolute value.
        if offering.seats_taken < offering.capacity:
            Offering.objects.filter(pk=offering.pk).update(seats_taken=offering.seats_taken + 1)
            offering.seats_taken += 1
            return True, None
        return False, None
    if own is None and offering.capacity - offering.seats_taken - held_for_others <= 0:
        return False, None
    if own is not None:
        SeatReservation.objects.filter(pk=own.pk).update(used=F("used") + 1)
    Offering.objects.filter(pk=offering.pk).update(seats_taken=F("seats_taken") + 1)
    offering.seats_taken += 1
    return True, own


def seats_free(*, offering: Offering, now: dt.datetime | None = None) -> int:
    """Seats anyone could take now (not counting unreleased reservations)."""
    now = now or timezone.now()
    held = sum(max(r.seats - r.used, 0) for r in SeatReservation.objects.filter(offering=offering, release_at__gt=now))
    return max(offering.capacity - offering.seats_taken - held, 0)


def _seat_give_back(*, offering: Offering, request: EnrolmentRequest) -> None:
    Offering.objects.filter(pk=offering.pk).update(seats_taken=F("seats_taken") - 1)
    offering.seats_taken -= 1
    if request.seat_reservation_id:
        SeatReservation.objects.filter(pk=request.seat_reservation_id, used__gt=0).update(used=F("used") - 1)


def _admit(
    request: EnrolmentRequest,
    *,
    offering: Offering,
    reason,
    verb: lifecycle.Verb = lifecycle.PLACE,
    actor=None,
    actor_role="system",
    comment="",
) -> bool:
    lifecycle.verb_check(request, verb)  # before a seat is taken for it
    now = timezone.now()
    taken, reservation = seat_take(offering=offering, institution_id=request.home_institution_id, now=now)
    if not taken:
        return False
    request.seat_reservation = reservation
    request.accept_by = None
    transition(
        request,
        verb=verb,
        to=Status.ADMITTED,
        actor=actor,
        actor_role=actor_role,
        reason=reason,
        comment=comment,
        extra_fields=("seat_reservation", "accept_by"),
    )
    from enrolment.services.registration import registration_start
    from enrolment.services.requests import alternatives_settle

    registration_start(request=request)
    alternatives_settle(request=request)
    return True


def _waitlist(
    request: EnrolmentRequest,
    *,
    reason,
    verb: lifecycle.Verb = lifecycle.PLACE,
    actor=None,
    actor_role="system",
    comment="",
) -> None:
    if request.queue_key is None:
        request.queue_key = _arrival_key()
    if request.choice_group and request.waitlist_until is None:
        request.waitlist_until = request.offering.enrol_closes_at
    transition(
        request,
        verb=verb,
        to=Status.WAITLISTED,
        actor=actor,
        actor_role=actor_role,
        reason=reason,
        comment=comment,
        extra_fields=("queue_key", "waitlist_until"),
    )


def admission_after_home_approval(
    *, request: EnrolmentRequest, offering: Offering, now: dt.datetime | None = None
) -> None:
    """What the host does once home has approved, by the offering's admission mode.

    Caller holds the offering lock and the request lock. First come, first served admits while seats
    last and waitlists the rest. A lottery leaves requests of its opening minutes waiting for the draw
    (in a random order, so a burst gains nothing) and treats later ones first come, first served.
    Selection leaves the decision to host staff.
    """
    now = now or timezone.now()
    mode = offering.admission_mode
    if mode == AdmissionMode.SELECTION:
        return
    if mode == AdmissionMode.LOTTERY and now < lottery_draw_at(offering):
        request.queue_key = secrets.randbits(62)
        request.save(update_fields=["queue_key"])
        return
    reason = ReasonCode.FIRST_COME
    if not _admit(request, offering=offering, reason=reason):
        _waitlist(request, reason=ReasonCode.CAPACITY)


def lottery_draw_at(offering: Offering) -> dt.datetime:
    return offering.enrol_opens_at + dt.timedelta(minutes=offering.lottery_minutes)


def lottery_draw(*, offering_id: int, now: dt.datetime | None = None) -> dict[str, int]:
    """Draw the lottery of one offering: admit in the random order given at arrival, waitlist the rest.

    Idempotent: requests already decided are not in the draw any more, so a second run does nothing.
    """
    now = now or timezone.now()
    with transaction.atomic():
        offering = offering_lock(offering_id)
        if offering.admission_mode != AdmissionMode.LOTTERY or now < lottery_draw_at(offering):
            return {"admitted": 0, "waitlisted": 0}
        in_draw = list(
            EnrolmentRequest.objects.select_for_update(of=("self",))
            .filter(offering=offering, status=Status.HOME_APPROVED, queue_key__isnull=False)
            .select_related("offering")
            .order_by("queue_key", "pk")
        )
        admitted = waitlisted = 0
        for request in in_draw:
            if _admit(request, offering=offering, reason=ReasonCode.LOTTERY):
                admitted += 1
            else:
                _waitlist(request, reason=ReasonCode.LOTTERY)
                waitlisted += 1
        return {"admitted": admitted, "waitlisted": waitlisted}


def lotteries_draw_due(*, now: dt.datetime | None = None) -> int:
    """Beat task: draw every lottery whose opening minutes are over and that still has requests waiting."""
    now = now or timezone.now()
    due = (
        EnrolmentRequest.objects.filter(
            status=Status.HOME_APPROVED, offering__admission_mode=AdmissionMode.LOTTERY, queue_key__isnull=False
        )
        .values_list("offering_id", flat=True)
        .distinct()
    )
    drawn = 0
    for offering_id in sorted(set(due)):
        result = lottery_draw(offering_id=offering_id, now=now)
        drawn += result["admitted"] + result["waitlisted"]
    return drawn


def waitlist_promote(*, offering: Offering, now: dt.datetime | None = None) -> EnrolmentRequest | None:
    """Offer freed seats to the waitlist in order; each offer holds the seat until ``accept_by``.

    Caller holds the offering lock. Returns the last request offered a seat, if any.
    """
    now = now or timezone.now()
    offered = None
    while True:
        candidates = (
            EnrolmentRequest.objects.select_for_update(of=("self",), skip_locked=False)
            .filter(offering=offering, status=Status.WAITLISTED)
            .select_related("offering")
            .order_by("queue_key", "pk")
        )
        placed = False
        for request in candidates[:20]:
            taken, reservation = seat_take(offering=offering, institution_id=request.home_institution_id, now=now)
            if not taken:
                continue  # a later student may fit a reserved seat this one cannot use
            request.seat_reservation = reservation
            request.accept_by = now + dt.timedelta(hours=offering.hold_hours)
            transition(
                request,
                verb=lifecycle.OFFER,
                reason=ReasonCode.SEAT_AVAILABLE,
                extra_fields=("seat_reservation", "accept_by"),
            )
            offered = request
            placed = True
            break
        if not placed:
            return offered


def seat_release(*, request: EnrolmentRequest, offering: Offering) -> None:
    """Give back the seat ``request`` held and offer it to the waitlist. Caller holds both locks."""
    _seat_give_back(offering=offering, request=request)
    request.seat_reservation = None
    request.save(update_fields=["seat_reservation"])
    waitlist_promote(offering=offering)


def locked_pair(request_id: int) -> tuple[Offering, EnrolmentRequest]:
    """Lock the request's offering, then the request: the order every seat-touching service uses."""
    offering_id = EnrolmentRequest.objects.values_list("offering_id", flat=True).get(pk=request_id)
    return offering_lock(offering_id), request_lock(request_id)


def host_admit(*, request_id: int, actor, comment: str = "") -> EnrolmentRequest:
    """Host admissions staff admit a request (a selection, or from the waitlist).

    Raises NotAllowedError unless ``actor`` holds host admissions at the request's host, WrongStateError
    for a request not awaiting the host, and WrongStateError("no_seat") when no seat is free for it.
    """
    with transaction.atomic():
        offering, request = locked_pair(request_id)
        require_verb(actor, request, lifecycle.ADMIT)
        if not _admit(
            request,
            offering=offering,
            reason=ReasonCode.SELECTED,
            verb=lifecycle.ADMIT,
            actor=actor,
            actor_role="host_admissions",
            comment=comment,
        ):
            raise WrongStateError(NO_SEAT_MESSAGE, code="no_seat")
        return request


def host_waitlist(*, request_id: int, actor, comment: str = "") -> EnrolmentRequest:
    """Host admissions staff put a request on the waitlist (in arrival order). Same checks as admit."""
    with transaction.atomic():
        _offering, request = locked_pair(request_id)
        role = require_verb(actor, request, lifecycle.WAITLIST)
        _waitlist(
            request,
            reason=ReasonCode.HOST_DECISION,
            verb=lifecycle.WAITLIST,
            actor=actor,
            actor_role=role,
            comment=comment,
        )
        return request


@retry_on_deadlock
def host_deny(*, request_id: int, actor, reason: str, comment: str = "") -> EnrolmentRequest:
    """Host admissions staff deny, with a reason code from ``DENIAL_REASONS``; the next ranked choice is
    tried automatically."""
    if reason not in DENIAL_REASONS:
        raise EnrolmentError(REASON_REQUIRED_MESSAGE, code="reason_required")
    with transaction.atomic():
        _offering, request = locked_pair(request_id)
        role = require_verb(actor, request, lifecycle.REJECT)
        transition(
            request,
            verb=lifecycle.REJECT,
            actor=actor,
            actor_role=role,
            reason=reason,
            comment=comment,
        )
        from enrolment.services.requests import alternatives_advance

        alternatives_advance(request=request)
        return request


def seat_offer_accept(*, request_id: int, actor, now: dt.datetime | None = None) -> EnrolmentRequest:
    """The student takes the seat held for them, before ``accept_by``; after it the offer has lapsed even
    if the beat task has not expired it yet.

    Only from ``seat_offered``: the seat was taken for the student when it was offered (``waitlist_promote``),
    so accepting moves the request and counts nothing again. Raises NotAllowedError (403) for anyone but the
    student, WrongStateError (409) from any other state or once the offer has lapsed.
    """
    now = now or timezone.now()
    with transaction.atomic():
        _offering, request = locked_pair(request_id)
        require_verb(actor, request, lifecycle.ACCEPT)
        if request.accept_by and request.accept_by < now:
            raise WrongStateError(OFFER_LAPSED_MESSAGE, code="offer_lapsed")
        request.accept_by = None
        transition(
            request,
            verb=lifecycle.ACCEPT,
            actor=actor,
            actor_role="student",
            reason=ReasonCode.STUDENT_REQUEST,
            extra_fields=("accept_by",),
        )
        from enrolment.services.registration import registration_start
        from enrolment.services.requests import alternatives_settle

        registration_start(request=request)
        alternatives_settle(request=request)
        return request


@retry_on_deadlock
def seat_offer_decline(*, request_id: int, actor) -> EnrolmentRequest:
    """The student turns down the seat held for them: it passes to the next student at once."""
    with transaction.atomic():
        offering, request = locked_pair(request_id)
        require_verb(actor, request, lifecycle.DECLINE)
        transition(
            request,
            verb=lifecycle.DECLINE,
            actor=actor,
            actor_role="student",
            reason=ReasonCode.STUDENT_REQUEST,
        )
        seat_release(request=request, offering=offering)
        from enrolment.services.requests import alternatives_advance

        alternatives_advance(request=request)
        return request


def seat_offers_lapse(*, now: dt.datetime | None = None) -> int:
    """Beat task: offers not accepted in time expire, and their seats pass to the next student."""
    now = now or timezone.now()
    due = list(
        EnrolmentRequest.objects.filter(status=Status.SEAT_OFFERED, accept_by__lt=now).values_list("pk", "offering_id")
    )
    return sum(
        _seat_offer_lapse(request_id, offering_id, now) for request_id, offering_id in sorted(due, key=_by_offering)
    )


def _by_offering(item: tuple[int, int]) -> tuple[int, int]:
    request_id, offering_id = item
    return offering_id, request_id


@retry_on_deadlock
def _seat_offer_lapse(request_id: int, offering_id: int, now: dt.datetime) -> int:
    with transaction.atomic():
        offering = offering_lock(offering_id)
        request = request_lock(request_id)
        if request.status != Status.SEAT_OFFERED or request.accept_by is None or request.accept_by >= now:
            return 0  # accepted or changed meanwhile
        transition(request, verb=lifecycle.EXPIRE, reason=ReasonCode.HOLD_LAPSED)
        seat_release(request=request, offering=offering)
        from enrolment.services.requests import alternatives_advance

        alternatives_advance(request=request)
        return 1


def waitlists_close_due(*, now: dt.datetime | None = None) -> int:
    """Beat task: a ranked choice still waitlisted at its deadline expires, and the next choice is tried."""
    now = now or timezone.now()
    due = list(
        EnrolmentRequest.objects.filter(status=Status.WAITLISTED, waitlist_until__lt=now).values_list(
            "pk", "offering_id"
        )
    )
    return sum(
        _waitlist_close(request_id, offering_id, now) for request_id, offering_id in sorted(due, key=_by_offering)
    )


@retry_on_deadlock
def _waitlist_close(request_id: int, offering_id: int, now: dt.datetime) -> int:
    with transaction.atomic():
        offering_lock(offering_id)
        request = request_lock(request_id)
        if request.status != Status.WAITLISTED or not request.waitlist_until or request.waitlist_until >= now:
            return 0
        transition(request, verb=lifecycle.EXPIRE, reason=ReasonCode.WAITLIST_DEADLINE)
        from enrolment.services.requests import alternatives_advance

        alternatives_advance(request=request)
        return 1
