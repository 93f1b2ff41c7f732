"""The one owner of an offering's capacity: take a seat, give it back, count the free seats, and offer freed
seats to the waitlist in arrival order.

Every function here runs under the offering's lock (``enrolment.locks``), so ``Offering.seats_taken``
changes one command at a time; the ``offering_never_overbooked`` CHECK constraint backs that up, so a race
that slipped through would fail loudly instead of overbooking. Every change of the counter is copied to the
catalogue's search row in the same transaction, so "seats left" on the cards and the "most seats left" sort
are never stale.

Seats reserved for a partner institution (``SeatReservation``) are kept for its students until their
release date; ``_available`` is the one piece of reservation arithmetic. The counter itself is the
catalogue's: ``catalogue.services.offering_seats_change`` moves it and the search row together.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import F
from django.utils import timezone

from catalogue.models import Offering
from catalogue.services import offering_seats_change
from enrolment import lifecycle, locks
from enrolment.lifecycle import transition
from enrolment.models import EnrolmentRequest, ReasonCode, SeatReservation, Status

# How many waitlisted requests one round of promotion looks at for a seat (reserved seats may fit a later one).
PROMOTION_WINDOW = 20


@contextlib.contextmanager
def capacity_guard_disabled():
    """Test-only: count seats the naive way (no lock; read, check, write) to show the race it prevents."""
    locks._CAPACITY_GUARD = False
    try:
        yield
    finally:
        locks._CAPACITY_GUARD = True


def _available(
    offering: Offering, *, institution_id: int | None, now: dt.datetime
) -> tuple[int, SeatReservation | None]:
    """Seats a student of ``institution_id`` could take now, and their institution's unused reservation if it
    has one. Seats other partners keep until their release date are not available; ``institution_id`` None
    asks what anyone could take."""
    reservations = _reservations(offering, now)
    kept_for_others = sum(max(r.seats - r.used, 0) for r in reservations if r.institution_id != institution_id)
    own = next((r for r in reservations if r.institution_id == institution_id and r.used < r.seats), None)
    free = max(offering.capacity - offering.seats_taken - kept_for_others, 0)
    return free, own


def _reservations(offering: Offering, now: dt.datetime) -> list[SeatReservation]:
    if not _situation(offering).reserved:
        return []
    return list(SeatReservation.objects.filter(offering=offering, release_at__gt=now))


@dataclass
class _Situation:
    waitlisted: bool  # someone waits for a seat
    reserved: bool  # seats are kept for partners (released or not)


_SITUATION_SQL = f"""
    SELECT EXISTS (SELECT 1 FROM {EnrolmentRequest._meta.db_table} WHERE offering_id = %s AND status = %s),
           EXISTS (SELECT 1 FROM {SeatReservation._meta.db_table} WHERE offering_id = %s)
"""  # noqa: S608 (table names only)


def _situation(offering: Offering) -> _Situation:
    """Whether anyone waits for a seat of the offering and whether it keeps seats for partners: read once per
    command under the offering's lock, in one plain statement (the first seat taken or given back asks),
    and kept up to date by this module for the rest of the command."""
    known = getattr(offering, "_seats_situation", None)
    if known is None:
        with connection.cursor() as cursor:
            cursor.execute(_SITUATION_SQL, [offering.pk, Status.WAITLISTED, offering.pk])
            waitlisted, reserved = cursor.fetchone()
        known = offering._seats_situation = _Situation(waitlisted=bool(waitlisted), reserved=bool(reserved))
    return known


def seats_free(*, offering: Offering, now: dt.datetime | None = None) -> int:
    """Seats anyone could take now (not counting unreleased reservations)."""
    return _available(offering, institution_id=None, now=now or timezone.now())[0]


def _count(offering: Offering, change: int) -> None:
    offering_seats_change(offering_id=offering.pk, change=change)
    offering.seats_taken += change


def seat_take(*, offering: Offering, request: EnrolmentRequest, now: dt.datetime) -> bool:
    """Take one seat for ``request``'s student if there is one (their institution's reservation first).
    Caller holds the offering's lock. Records the reservation used on the request (not saved)."""
    if not locks._CAPACITY_GUARD:
        # The naive path the guard exists to prevent: no lock, check then write an absolute value.
        if offering.seats_taken < offering.capacity:
            Offering.objects.filter(pk=offering.pk).update(seats_taken=offering.seats_taken + 1)
            offering.seats_taken += 1
            request.seat_reservation = None
            return True
        return False
    free, own = _available(offering, institution_id=request.home_institution_id, now=now)
    if own is None and free <= 0:
        return False
    if own is not None:
        SeatReservation.objects.filter(pk=own.pk).update(used=F("used") + 1)
    _count(offering, +1)
    request.seat_reservation = own
    return True


def seat_give_back(*, offering: Offering, request: EnrolmentRequest, now: dt.datetime | None = None) -> None:
    """``request`` no longer holds its seat: count it free, return its reservation, and offer the seat to the
    waitlist at once. Caller holds the offering's and the request's locks."""
    now = now or timezone.now()
    _count(offering, -1)
    if request.seat_reservation_id:
        SeatReservation.objects.filter(pk=request.seat_reservation_id, used__gt=0).update(used=F("used") - 1)
        request.seat_reservation = None
        request.save(update_fields=["seat_reservation"])
    waitlist_promote(offering=offering, now=now)


def waitlist_place(*, offering: Offering, institution_id: int, now: dt.datetime | None = None) -> int | None:
    """Where a student of ``institution_id`` asking now would roughly queue: None when a seat is free for
    them, else one behind everyone already waiting or still on their way to a seat (submitted or approved
    by home, ahead in arrival order). A read without locks, to warn before submitting; placement decides."""
    free, own = _available(offering, institution_id=institution_id, now=now or timezone.now())
    if own is not None or free > 0:
        return None
    ahead = EnrolmentRequest.objects.filter(
        offering_id=offering.pk, status__in=(Status.SUBMITTED, Status.HOME_APPROVED, Status.WAITLISTED)
    ).count()
    return ahead + 1


def waitlist_ahead(*, offering: Offering) -> bool:
    """Someone is waiting for a seat of this offering: a newcomer must queue behind them."""
    return _situation(offering).waitlisted


def waitlist_joined(*, offering: Offering) -> None:
    """A request of this offering joined its waitlist in the command at hand."""
    _situation(offering).waitlisted = True


def waitlist_promote(*, offering: Offering, now: dt.datetime | None = None) -> list[EnrolmentRequest]:
    """Offer every free seat to the waitlist in arrival order (the lottery's order after a draw); each offer
    holds the seat until ``accept_by``. A student who cannot use a free seat (it is reserved for another
    partner) is passed over for one who can, and keeps their place. Caller holds the offering's lock; the
    waitlisted requests are locked here, after it. Returns the requests offered a seat."""
    now = now or timezone.now()
    offered: list[EnrolmentRequest] = []
    while _available(offering, institution_id=None, now=now)[0] > 0 or (
        _situation(offering).reserved
        and SeatReservation.objects.filter(offering=offering, release_at__gt=now, used__lt=F("seats")).exists()
    ):
        candidates = (
            EnrolmentRequest.objects.select_for_update(of=("self",))
            .filter(offering=offering, status=Status.WAITLISTED)
            .exclude(pk__in=[r.pk for r in offered])
            .order_by("queue_key", "pk")[:PROMOTION_WINDOW]
        )
        placed = None
        for request in candidates:
            request.offering = offering
            if seat_take(offering=offering, request=request, now=now):
                placed = request
                break
        if placed is None:
            return offered
        placed.accept_by = now + dt.timedelta(hours=offering.hold_hours)
        transition(
            placed,
            verb=lifecycle.OFFER,
            reason=ReasonCode.SEAT_AVAILABLE,
            extra_fields=("seat_reservation", "accept_by"),
        )
        offered.append(placed)
    return offered
