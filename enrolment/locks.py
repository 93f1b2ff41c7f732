"""Every lock a command needs, taken up front, in one order, with a bounded wait.

A command on a request locks, in this order and nowhere else:

1. the student's profile, when the command creates requests (two tabs of one student are checked one after
   the other, so caps per period and timetable clashes hold);
2. the offerings: the request's own and those of the other ranked choices of its group, sorted by primary key;
3. the requests: the request and the other choices of its group, sorted by primary key.

Two commands that need the same rows therefore always ask for them in the same order and cannot deadlock:
the ranked choices of two students that cross (X then Y, Y then X) are both taken as {X, Y}. This follows
pretix (``base/services/locking.py``) and saleor (``checkout/lock_objects.py``): all locks first, sorted,
then the work. Deadlock retries (``retry_on_deadlock``) remain only as a safety net.

Before the first lock the transaction sets ``lock_timeout`` (PostgreSQL), so a command never waits longer
than ``ENROLMENT_LOCK_TIMEOUT_MS`` for rows someone else holds: it raises ``BusyError``, which a person sees
as a clear "busy, try again" (409) and a Celery task retries.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db import OperationalError, connection
from psycopg import errors as pg_errors

from accounts.models import StudentProfile
from catalogue.models import Offering
from enrolment.errors import BusyError
from enrolment.models import EnrolmentRequest

# Switched off only by the concurrency control test (``capacity_guard_disabled``) to show that the race is
# real without the offering's lock. Never configurable from settings or the environment.
_CAPACITY_GUARD = True


@dataclass
class Held:
    """The rows a command holds locked, as the database returned them under the lock."""

    offerings: dict[int, Offering] = field(default_factory=dict)
    requests: dict[int, EnrolmentRequest] = field(default_factory=dict)
    profile: StudentProfile | None = None
    profiles: dict[int, StudentProfile] = field(default_factory=dict)  # an admission batch's students
    bounded: bool = False  # the transaction's lock_timeout is set

    def offering(self, offering_id: int) -> Offering:
        return self.offerings[offering_id]

    def request(self, request_id: int) -> EnrolmentRequest:
        return self.requests[request_id]

    def choices(self, request: EnrolmentRequest) -> list[EnrolmentRequest]:
        """The request's ranked choices (itself included), by rank."""
        if not request.choice_group:
            return [request]
        return sorted(
            (r for r in self.requests.values() if r.choice_group == request.choice_group), key=lambda r: r.rank
        )


def _bounded_wait(held: Held) -> None:
    """Once per command: no lock of this transaction waits longer than ENROLMENT_LOCK_TIMEOUT_MS."""
    if held.bounded:
        return
    held.bounded = True
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = %s", [f"{int(settings.ENROLMENT_LOCK_TIMEOUT_MS)}ms"])


def _busy(error: OperationalError) -> bool:
    return isinstance(error.__cause__, pg_errors.LockNotAvailable)


def lock_offerings(offering_ids, *, held: Held | None = None) -> Held:
    """Lock these offerings, sorted by primary key (after setting the bounded wait). Inside a transaction."""
    held = held or Held()
    ids = sorted(set(offering_ids) - set(held.offerings))
    if not ids:
        return held
    _bounded_wait(held)
    queryset = Offering.objects.filter(pk__in=ids).select_related("institution", "course", "module")
    if _CAPACITY_GUARD:
        queryset = queryset.select_for_update(of=("self",))
    try:
        held.offerings.update({offering.pk: offering for offering in queryset.order_by("pk")})
    except OperationalError as error:
        if _busy(error):
            raise BusyError() from error
        raise
    return held


def lock_requests(request_ids, *, held: Held) -> Held:
    """Lock these requests, sorted by primary key, after their offerings. Inside a transaction."""
    ids = sorted(set(request_ids) - set(held.requests))
    if not ids:
        return held
    queryset = (
        EnrolmentRequest.objects.select_for_update(of=("self",))
        .filter(pk__in=ids)
        .select_related("student", "home_institution", "host_institution")
        .order_by("pk")
    )
    try:
        for request in queryset:
            request.offering = held.offerings[request.offering_id]
            held.requests[request.pk] = request
    except OperationalError as error:
        if _busy(error):
            raise BusyError() from error
        raise
    return held


def lock_request(request_id: int) -> Held:
    """Everything a command on one request needs: the offerings of all its ranked choices, then those
    requests, each set sorted. Raises ``EnrolmentRequest.DoesNotExist`` for an unknown id, BusyError when a
    lock is not free in time. Inside a transaction.

    A request's offering and ranked-choice group never change, so reading them before the locks is safe.
    """
    offering_id, group = EnrolmentRequest.objects.values_list("offering_id", "choice_group").get(pk=request_id)
    members = [(request_id, offering_id)]
    if group:
        members = list(EnrolmentRequest.objects.filter(choice_group=group).values_list("pk", "offering_id"))
    held = lock_offerings([o for _r, o in members])
    return lock_requests([r for r, _o in members], held=held)


def lock_offering(offering_id: int) -> Held:
    """The offering alone: for commands on its seats and waitlist as a whole (a lottery draw, promotion)."""
    return lock_offerings([offering_id])


def lock_student(user, *, offering_ids) -> Held:
    """For a command that creates requests: the student's profile (with the home institution and its
    approval policy read along), then the offerings asked for, sorted. Raises StudentProfile.DoesNotExist
    for a user without a profile."""
    held = Held()
    _bounded_wait(held)
    try:
        profile = (
            StudentProfile.objects.select_related("home_institution__approval_policy")
            .select_for_update(of=("self",))
            .get(user_id=user.pk)
        )
    except OperationalError as error:
        if _busy(error):
            raise BusyError() from error
        raise
    held.profile = profile
    return lock_offerings(offering_ids, held=held)


def lock_queue(offering_id: int, *, student_ids) -> Held:
    """For an admission batch (``services.queue``): the profiles of the students it decides (with their user,
    home institution and its approval policy read along), sorted, then the offering. The profiles come first,
    as in ``lock_student``, so caps per period and timetable clashes hold against the students' other
    commands. The batch's requests are locked after, with ``lock_requests``. Inside a transaction."""
    held = Held()
    _bounded_wait(held)
    try:
        profiles = (
            StudentProfile.objects.select_related("user", "home_institution__approval_policy")
            .select_for_update(of=("self",))
            .filter(pk__in=sorted(set(student_ids)))
            .order_by("pk")
        )
        held.profiles = {profile.pk: profile for profile in profiles}
    except OperationalError as error:
        if _busy(error):
            raise BusyError() from error
        raise
    return lock_offerings([offering_id], held=held)
