"""Queued admission (issue #20): on opening morning the API records a request in its offering's queue and
answers at once; a worker decides the queue in batches.

**Recording** (``request_enqueue``, ``POST /api/enrolments/`` and the enrol page, 202 Accepted). Only what is
cheap to know at once is refused: not a student (403), an unknown offering (404), the window closed (400,
the eligibility rule ``window`` itself), bad input (route, motivation, document: 400), already requested
(409, the database's one-active-request constraint). The request is saved as a draft with the next arrival
number of its offering (``arrival_take``): no move, no event yet.

**Arrival order.** The number comes from the offering's ``AdmissionQueue`` row, incremented in the
recording transaction; the row stays locked until that transaction commits, so the numbers of one offering
are committed in their own order. A batch that sees number n therefore sees every earlier request that
exists: none is decided behind a later one that happened to commit first. The test's control
(``arrival_guard_disabled``) takes the number from the clock instead and shows that race.

**Deciding** (``queue_decide``, the Celery task ``enrolment.tasks.decide_queue``): per offering, in batches
of at most ``BATCH_SIZE`` arrivals, each in one transaction:

1. the batch's students' profiles, then the offering, then its queued drafts (``locks.lock_queue``): one
   lock of the offering per batch;
2. the students' other requests in one read, their home policies with their profiles, then every rule
   through ``eligibility.eligibility_check`` (the same functions the inline path and the page use), judged
   at the moment each request arrived;
3. in arrival order (FCFS), or in the order of the draw (a lottery's opening minutes: keys from the
   batch's seed, ``lottery_keys``), the lifecycle's own moves: ``submit`` (guarded by the verdict) and
   ``flow.advance``, which runs home review, placement and registration as for an inline request; a request
   the rules refuse is dropped (``drop_choice``, reason ``not_eligible``, the reasons as its comment);
4. the moves, their audit rows and their notifications are written together at the end
   (``lifecycle.moves_together``: one UPDATE per request, one INSERT of events, one notification task), with
   an ``AdmissionBatch`` row that records the arrivals decided and the seed.

A worker that dies mid-batch commits nothing: the drafts wait as they were, and the redelivered task (or
the beat sweep, ``queues_sweep``) decides them once.

**Inline.** With ``ENROLMENT_QUEUED_ADMISSION`` off (the embedded default without a broker, and the test
settings) a request is submitted inline as before (``requests.request_submit``). So is a request the queue
does not take: ranked alternatives, a module registration, an offering the host selects by hand.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import random
import secrets
import time

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone

from catalogue.models import AdmissionMode, Offering
from enrolment import flow, lifecycle, locks
from enrolment.eligibility import Context, Eligibility, eligibility_check, window
from enrolment.errors import DuplicateRequestError, ModulePageRequiredError
from enrolment.models import (
    ACTIVE_STATES,
    AdmissionBatch,
    AdmissionQueue,
    EnrolmentRequest,
    ReasonCode,
    Status,
)
from enrolment.services.requests import offering_for_enrolment, student_profile_require, upload_validate
from enrolment.steps import submission
from enrolment.steps.placement import lottery_draw_at
from institutions.models import Institution

logger = logging.getLogger(__name__)

BATCH_SIZE = 200  # arrivals one batch decides at most
DECIDE_TASK = "enrolment.tasks.decide_queue"
QUEUED_MARK = "enrolment:queue:queued:{offering_id}"
MARK_SECONDS = 60  # a task lost with the broker: the sweep queues another after this
SWEEP_AFTER_SECONDS = 30  # a draft waiting longer than this is swept into a new task
QUEUE_MODES = (AdmissionMode.FIRST_COME, AdmissionMode.LOTTERY)

# Switched off only by the arrival-order control test (``arrival_guard_disabled``), to show the race the
# offering's counter row prevents. Never configurable from settings or the environment.
_ARRIVAL_GUARD = True


@contextlib.contextmanager
def arrival_guard_disabled():
    """Test-only: number arrivals by the clock (no lock held until commit), to show the race it prevents."""
    global _ARRIVAL_GUARD
    _ARRIVAL_GUARD = False
    try:
        yield
    finally:
        _ARRIVAL_GUARD = True


def queued_admission_on() -> bool:
    return bool(getattr(settings, "ENROLMENT_QUEUED_ADMISSION", False))


def queue_takes(offering: Offering, *, alternatives=(), module_registration: bool = False) -> bool:
    """Whether a request for ``offering`` goes through the queue: queued admission on, one choice, not a
    module registration, an offering the system places (first come first served, or a lottery)."""
    return (
        queued_admission_on()
        and not alternatives
        and not module_registration
        and offering.admission_mode in QUEUE_MODES
    )


def queue_offering(offering_id, *, alternatives=(), module_registration: bool = False) -> Offering | None:
    """The offering asked for when its request goes through the queue (``queue_takes``), read once for the
    recording to use; None otherwise, or for an unknown offering (the inline service refuses it)."""
    if not queued_admission_on() or alternatives or module_registration:
        return None
    try:
        offering = (
            Offering.objects.select_related("institution", "course", "module")
            .filter(pk=int(offering_id), is_archived=False)
            .first()
        )
    except (TypeError, ValueError):
        return None
    return offering if offering is not None and queue_takes(offering) else None


_ARRIVAL_SQL = f"""
    INSERT INTO {AdmissionQueue._meta.db_table} (offering_id, last_arrival) VALUES (%s, 1)
    ON CONFLICT (offering_id) DO UPDATE SET last_arrival = {AdmissionQueue._meta.db_table}.last_arrival + 1
    RETURNING last_arrival
"""  # noqa: S608 (table name only)


def arrival_take(offering_id: int) -> int:
    """The offering's next arrival number. Inside the recording transaction: the counter row stays locked
    until it commits (the guard); without the guard, microseconds of the clock, as ``placement`` numbers
    a waitlist."""
    if not _ARRIVAL_GUARD:
        return time.time_ns() // 1000
    with connection.cursor() as cursor:
        cursor.execute(_ARRIVAL_SQL, [offering_id])
        return int(cursor.fetchone()[0])


def request_enqueue(
    *,
    user,
    offering_id,
    motivation: str = "",
    document=None,
    route: str | None = None,
    offering: Offering | None = None,
    _before_commit=None,
) -> EnrolmentRequest:
    """Record a request in its offering's admission queue; a worker decides it (``queue_decide``).

    Refuses at once only what is cheap to know: NotAllowedError (403) for a user without a student profile,
    OfferingNotFoundError (404), ModulePageRequiredError (400) for a module-only learner, NotEligibleError
    (400) when the window is not open (the ``window`` rule), RouteNotOpenError / MotivationRequiredError /
    UploadError (400), DuplicateRequestError (409) when the student has an active request for it. Writes
    nothing on a refusal. ``offering``: already read by the caller (``queue_offering``). ``_before_commit``:
    test-only, called after the number is taken.
    """
    upload_validate(document)
    profile = student_profile_require(user)
    if offering is None or offering.pk != offering_id:
        offering = offering_for_enrolment(offering_id)
    if profile.home_institution_id is None:
        raise ModulePageRequiredError()
    check = window(Context(student=profile, offering=offering, now=timezone.now(), mine=[], policy=None))
    if not check.ok:
        raise Eligibility([check]).error()
    policy = submission.home_policy(profile)
    submission.motivation_check(policy, motivation)
    route = submission.route_check(profile=profile, offerings=[offering], route=route)
    try:
        with transaction.atomic():
            request = EnrolmentRequest(
                student=profile,
                offering=offering,
                home_institution=profile.home_institution,
                host_institution=offering.institution,
                route=route,
                motivation=motivation,
                rank=1,
            )
            if document is not None:
                request.document = document
            request.arrival = arrival_take(offering.pk)
            request.save()
            if _before_commit is not None:
                _before_commit(request)
    except IntegrityError as error:
        if "one_active_request_per_student_and_offering" in str(error):
            raise DuplicateRequestError() from None
        raise
    transaction.on_commit(lambda: queue_kick([offering.pk]))
    return request


# --------------------------------------------------------------------------------------------------------
# Queueing the worker


def queue_kick(offering_ids, *, force: bool = False) -> int:
    """Queue the decision task of each offering, to start after the batch window
    (``ENROLMENT_QUEUE_BATCH_WINDOW_MS``), unless one is queued and has not started (a mark in the cache;
    ``force``: anyway). Returns how many tasks were queued."""
    decide_queue = current_app.tasks[DECIDE_TASK]  # by name: the tasks module imports this one
    # The batch window: requests recorded while the task waits join its first batch.
    window = max(getattr(settings, "ENROLMENT_QUEUE_BATCH_WINDOW_MS", 0), 0) / 1000 or None
    queued = 0
    for offering_id in sorted(set(offering_ids)):
        if not force and not _mark(offering_id):
            continue
        try:
            decide_queue.apply_async((offering_id,), countdown=window)
        except Exception:
            queue_started(offering_id)  # no task went out: the mark must not hold back the next one
            raise
        queued += 1
    return queued


def _mark(offering_id: int) -> bool:
    try:
        return bool(cache.add(QUEUED_MARK.format(offering_id=offering_id), 1, timeout=MARK_SECONDS))
    except Exception:
        logger.warning("enrolment queue: no cache for the queued mark; queueing a task", exc_info=True)
        return True


def queue_started(offering_id: int) -> None:
    """The offering's task started, before it reads the queue: a request recorded later queues a new one."""
    try:
        cache.delete(QUEUED_MARK.format(offering_id=offering_id))
    except Exception:
        logger.warning("enrolment queue: no cache for the queued mark", exc_info=True)


def queue_run(offering_id: int) -> int:
    """The task: decide the offering's queue batch after batch until it is empty. Returns requests decided."""
    queue_started(offering_id)
    decided = 0
    while True:
        result = queue_decide(offering_id=offering_id)
        decided += result["decided"]
        if result["decided"] == 0 or result["decided"] < BATCH_SIZE:
            return decided


def queues_sweep(*, now: dt.datetime | None = None) -> int:
    """Beat: queue a task for every offering with a request waiting longer than ``SWEEP_AFTER_SECONDS`` (its
    task was lost with the broker, or its worker died and nothing redelivered it)."""
    now = now or timezone.now()
    waiting = (
        EnrolmentRequest.objects.filter(
            status=Status.DRAFT, arrival__isnull=False, created_at__lt=now - dt.timedelta(seconds=SWEEP_AFTER_SECONDS)
        )
        .values_list("offering_id", flat=True)
        .distinct()
    )
    return queue_kick(set(waiting), force=True)


# --------------------------------------------------------------------------------------------------------
# Deciding


def lottery_keys(seed: int, count: int) -> list[int]:
    """The draw's keys for ``count`` requests in arrival order, from the batch's seed: the same seed gives the
    same keys, so a draw can be checked afterwards from its ``AdmissionBatch`` row."""
    rng = random.Random(seed)  # noqa: S311 (a reproducible draw, not a secret)
    return [rng.getrandbits(62) for _ in range(count)]


def _waiting(offering_id: int, limit: int) -> list[tuple[int, int]]:
    return list(
        EnrolmentRequest.objects.filter(offering_id=offering_id, status=Status.DRAFT, arrival__isnull=False)
        .order_by("arrival")
        .values_list("pk", "student_id")[:limit]
    )


def queue_decide(*, offering_id: int, seed: int | None = None, limit: int | None = None) -> dict:
    """Decide one batch of the offering's queue (see the module's documentation). ``seed``: the lottery's
    (a random one when not given; recorded on the batch). Raises BusyError when a lock is not free in time
    (the task retries). Returns counts: decided, submitted, refused, admitted, waitlisted."""
    counts = {"decided": 0, "submitted": 0, "refused": 0, "admitted": 0, "waitlisted": 0}
    with transaction.atomic():
        waiting = _waiting(offering_id, limit or BATCH_SIZE)
        if not waiting:
            return counts
        held = locks.lock_queue(offering_id, student_ids={student for _pk, student in waiting})
        if offering_id not in held.offerings:
            return counts
        offering = held.offering(offering_id)
        # Under the offering's lock, again: the drafts still queued (a student may have cancelled one), whose
        # student's profile is held; in arrival order.
        ids = [pk for pk, student in waiting if student in held.profiles]
        locks.lock_requests(ids, held=held)
        batch = sorted(
            (held.request(pk) for pk in ids if held.request(pk).is_queued), key=lambda request: request.arrival
        )
        if not batch:
            return counts
        for request in batch:
            request.student = held.profiles[request.student_id]
        if offering.course_id:
            prefetch_related_objects([offering], "course__prerequisites")  # the rule reads them once per batch
        mine = _students_requests([r.student_id for r in batch], exclude=[r.pk for r in batch])
        lottery = offering.admission_mode == AdmissionMode.LOTTERY
        if lottery and seed is None:
            seed = secrets.randbits(62)
        keys = iter(lottery_keys(seed, len(batch))) if lottery else None
        together = _portal_managed(offering, batch)
        with lifecycle.moves_together() if together else contextlib.nullcontext():
            for request in batch:
                key = next(keys) if keys is not None else None
                _decide(held, request, offering, mine=mine.get(request.student_id, []), lottery_key=key)
                counts["decided"] += 1
                if request.status == Status.CANCELLED:
                    counts["refused"] += 1
                else:
                    counts["submitted"] += 1
                if request.status in (Status.ADMITTED, Status.REGISTERED):
                    counts["admitted"] += 1
                elif request.status == Status.WAITLISTED:
                    counts["waitlisted"] += 1
        AdmissionBatch.objects.create(
            offering_id=offering_id,
            first_arrival=batch[0].arrival,
            last_arrival=batch[-1].arrival,
            size=len(batch),
            submitted=counts["submitted"],
            refused=counts["refused"],
            seed=seed if lottery else None,
        )
    return counts


def _students_requests(student_ids, *, exclude) -> dict[int, list[EnrolmentRequest]]:
    """The batch's students' requests the rules look at, in one read, by student."""
    by_student: dict[int, list[EnrolmentRequest]] = {}
    rows = (
        EnrolmentRequest.objects.filter(student_id__in=set(student_ids), status__in=[*ACTIVE_STATES, Status.COMPLETED])
        .exclude(pk__in=exclude)
        .select_related("offering__course", "offering__module")
    )
    for row in rows:
        by_student.setdefault(row.student_id, []).append(row)
    return by_student


def _portal_managed(offering: Offering, batch: list[EnrolmentRequest]) -> bool:
    """No connected institution on either side: nothing after a move reads the request's row back, so the
    batch's moves may be written together when it ends (as ``request_submit`` does for one request)."""
    portal = Institution.Integration.PORTAL_MANAGED
    return offering.institution.integration == portal and all(
        r.student.home_institution.integration == portal for r in batch
    )


def _decide(held, request: EnrolmentRequest, offering: Offering, *, mine, lottery_key) -> None:
    """One queued request: the rules as they stood when it arrived, then the lifecycle's moves."""
    profile = request.student
    policy = submission.home_policy(profile)
    arrived = request.created_at
    verdict = eligibility_check(
        student=profile, offering=offering, now=arrived, policy=policy if policy.pk else None, student_requests=mine
    )
    if not verdict.eligible:
        lifecycle.transition(
            request,
            verb=lifecycle.DROP_CHOICE,
            reason=ReasonCode.NOT_ELIGIBLE,
            comment="; ".join(str(c.message) for c in verdict.failures),
        )
        return
    if lottery_key is not None and arrived < lottery_draw_at(offering):
        request.queue_key = lottery_key  # placement keeps it: the draw's order comes from the batch's seed
    lifecycle.transition(
        request,
        verb=lifecycle.SUBMIT,
        actor=profile.user,
        actor_role="student",
        reason=ReasonCode.STUDENT_REQUEST,
        eligibility=verdict,
    )
    # Placement judges a lottery's opening minutes and reservations at the moment of arrival, too.
    flow.advance(held, request, after=lifecycle.SUBMIT, policy=policy, now=arrived)
