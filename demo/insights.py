"""Demo history for the participation dashboards: eighteen months of cross-enrolments across the zone, so that
every chart of the coordinator's dashboard (coordinator@) and of each institution's (its staff) shows
something real, above the suppression threshold where a real zone would be.

Every home institution sends students to a few partner hosts (more to its first partner than to its third),
on the routes it pilots; each request has its timeline (submitted, the home decision, the host decision,
registration), written as history in a few set-based inserts: deterministic (seeded), idempotent (the
history's students mark it as done) and quick on the embedded SQLite default. Some finished courses at the
VU earn a microcredential through the credentials service, as a board's grant would.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import StudentProfile, User
from catalogue.models import Offering
from credentials.models import MicrocredentialDefinition
from credentials.services import credential_issue
from enrolment.models import EnrolmentRequest, ReasonCode, RequestEvent, Status
from institutions.models import Institution
from institutions.routes import Route
from results.models import Recognition, Result

STUDENTS_PER_INSTITUTION = 12
REQUESTS_PER_STUDENT = 3
PARTNERS = (1, 2, 5)  # a home's partners: the institutions 1, 2 and 5 places further in the zone's order
PARTNER_WEIGHTS = (5, 3, 2)
HISTORY_DAYS = 540
CREDENTIALS = 12  # microcredentials issued over the history's finished VU courses
AWARDING = "vu"
MARK = "history"  # the history's students are history.<code>.<n>@<demo domain>

# Where a request ends, with its weight: most go the whole way; the rest stop at each step of the road.
OUTCOMES = [
    (Status.COMPLETED, 34),
    (Status.REGISTERED, 18),
    (Status.HOME_DENIED, 9),
    (Status.HOST_DENIED, 8),
    (Status.CANCELLED, 6),
    (Status.WAITLISTED, 5),
    (Status.HOME_APPROVED, 6),
    (Status.SUBMITTED, 6),
    (Status.ADMITTED, 4),
    (Status.WITHDRAWN, 4),
]


def seed_insights(*, domain: str, say=print, seed: int = 2026) -> int:
    """Write the history once. Returns the number of requests written (0 when it is there already)."""
    if User.objects.filter(email__startswith=f"{MARK}.").exists():
        return 0
    institutions = list(Institution.objects.order_by("code"))
    if len(institutions) < 6:
        return 0
    offerings = _offerings_per_host()
    rng = random.Random(seed)  # noqa: S311 (demo data, not security)
    now = timezone.now()
    with transaction.atomic():
        students = _students(institutions, domain)
        requests, timelines = [], []
        for student in students:
            home_index = institutions.index(student.home_institution)
            hosts = rng.choices(
                [institutions[(home_index + step) % len(institutions)] for step in PARTNERS],
                weights=PARTNER_WEIGHTS,
                k=REQUESTS_PER_STUDENT,
            )
            taken: set[int] = set()
            for host in hosts:
                choices = [o for o in offerings.get(host.pk, []) if o.pk not in taken]
                if not choices:
                    continue
                offering = rng.choice(choices)
                taken.add(offering.pk)
                request, timeline = _request(rng, now, student, offering)
                requests.append(request)
                timelines.append(timeline)
        EnrolmentRequest.objects.bulk_create(requests, batch_size=500)
        events = [
            RequestEvent(request=r, **move)
            for r, timeline in zip(requests, timelines, strict=True)
            for move in timeline
        ]
        RequestEvent.objects.bulk_create(events, batch_size=500)
        # ``at`` is stamped on insert (auto_now_add): the history's own times go in with one more statement.
        for event, at in zip(events, [m["at"] for t in timelines for m in t], strict=True):
            event.at = at
        RequestEvent.objects.bulk_update(events, ["at"], batch_size=500)
    issued = _credentials(requests)
    say(f"Demo history for the dashboards: {len(requests)} requests, {len(events)} events, {issued} credentials.")
    return len(requests)


def _offerings_per_host() -> dict[int, list[Offering]]:
    per_host: dict[int, list[Offering]] = {}
    # Runs nobody has asked for yet: the demo's scenarios (a selection, a lottery, ...) keep their own requests.
    runs = Offering.objects.filter(course__isnull=False, is_archived=False, enrolment_requests__isnull=True)
    for offering in runs.order_by("institution", "pk"):
        runs = per_host.setdefault(offering.institution_id, [])
        if len(runs) < 8:
            runs.append(offering)
    return per_host


def _students(institutions: list[Institution], domain: str) -> list[StudentProfile]:
    users = [
        User(
            email=f"{MARK}.{institution.code}.{n}@{domain}",
            first_name="Demo",
            last_name=f"{institution.short_name} {n}",
            password="!",  # unusable: the history's students never log in  # noqa: S106
        )
        for institution in institutions
        for n in range(STUDENTS_PER_INSTITUTION)
    ]
    User.objects.bulk_create(users, batch_size=500)
    users = list(User.objects.filter(email__startswith=f"{MARK}.").order_by("pk"))
    by_code = {i.code: i for i in institutions}
    profiles = [StudentProfile(user=u, home_institution=by_code[u.email.split(".")[1]]) for u in users]
    StudentProfile.objects.bulk_create(profiles, batch_size=500)
    return list(StudentProfile.objects.filter(user__email__startswith=f"{MARK}.").select_related("home_institution"))


def _days(rng: random.Random, low: float, typical: float, high: float) -> dt.timedelta:
    return dt.timedelta(days=min(high, max(low, rng.lognormvariate(0, 0.7) * typical)))


def _request(rng: random.Random, now: dt.datetime, student: StudentProfile, offering: Offering):
    home = student.home_institution
    piloted = [r for r in home.piloted_routes if r in Route.values] or [Route.OFF_THE_BEATEN_PATH]
    route = rng.choice(piloted)
    outcome = rng.choices([o for o, _w in OUTCOMES], weights=[w for _o, w in OUTCOMES])[0]
    # Still waiting means recent; everything else may be anywhere in the eighteen months.
    waiting = outcome in (Status.SUBMITTED, Status.HOME_APPROVED, Status.WAITLISTED, Status.ADMITTED)
    submitted = now - dt.timedelta(days=rng.uniform(1, 20 if waiting else HISTORY_DAYS), hours=rng.uniform(0, 12))
    decision_due = submitted + dt.timedelta(days=10)
    moves = [
        dict(
            from_status=Status.DRAFT,
            to_status=Status.SUBMITTED,
            at=submitted,
            actor_role="student",
            reason=ReasonCode.STUDENT_REQUEST,
        )
    ]
    fields = dict(
        student=student,
        offering=offering,
        home_institution=home,
        host_institution=offering.institution,
        route=route,
        status=outcome,
        submitted_at=submitted,
        decision_due_at=decision_due,
    )
    if outcome == Status.SUBMITTED:
        return EnrolmentRequest(**fields), moves
    approved = min(now, submitted + _days(rng, 0.2, 4, 30))
    if outcome == Status.HOME_DENIED:
        moves.append(
            dict(
                from_status=Status.SUBMITTED,
                to_status=Status.HOME_DENIED,
                at=approved,
                actor_role="home_approver",
                reason=ReasonCode.NOT_IN_PROGRAMME,
            )
        )
        return EnrolmentRequest(**fields), moves
    fields.update(
        home_approved_at=approved,
        host_decision_due_at=approved + dt.timedelta(days=settings.ENROLMENT_HOST_DECISION_DAYS),
    )
    moves.append(
        dict(
            from_status=Status.SUBMITTED,
            to_status=Status.HOME_APPROVED,
            at=approved,
            actor_role="home_approver",
            reason=ReasonCode.APPROVED,
        )
    )
    if outcome == Status.HOME_APPROVED:
        return EnrolmentRequest(**fields), moves
    if outcome == Status.CANCELLED and rng.random() < 0.5:
        moves.append(
            dict(
                from_status=Status.HOME_APPROVED,
                to_status=Status.CANCELLED,
                at=min(now, approved + _days(rng, 0.5, 3, 20)),
                actor_role="student",
                reason=ReasonCode.STUDENT_REQUEST,
            )
        )
        return EnrolmentRequest(**fields), moves
    decided = min(now, approved + _days(rng, 0.3, 5, 40))
    host_move = {Status.HOST_DENIED: Status.HOST_DENIED, Status.WAITLISTED: Status.WAITLISTED}.get(
        outcome, Status.ADMITTED
    )
    reason = {Status.HOST_DENIED: ReasonCode.CAPACITY, Status.WAITLISTED: ReasonCode.CAPACITY}.get(
        outcome, ReasonCode.FIRST_COME
    )
    moves.append(
        dict(
            from_status=Status.HOME_APPROVED,
            to_status=host_move,
            at=decided,
            actor_role="host_admissions",
            reason=reason,
        )
    )
    if host_move != Status.ADMITTED or outcome == Status.ADMITTED:
        return EnrolmentRequest(**fields), moves
    if outcome in (Status.CANCELLED, Status.WITHDRAWN):
        moves.append(
            dict(
                from_status=Status.ADMITTED,
                to_status=outcome,
                at=min(now, decided + _days(rng, 0.5, 4, 20)),
                actor_role="student",
                reason=ReasonCode.STUDENT_REQUEST,
            )
        )
        return EnrolmentRequest(**fields), moves
    registered = min(now, decided + _days(rng, 0.05, 0.8, 6))
    fields.update(home_registered_at=registered, host_registered_at=registered)
    moves.append(
        dict(
            from_status=Status.ADMITTED,
            to_status=Status.REGISTERED,
            at=registered,
            actor_role="system",
            reason=ReasonCode.REGISTERED_IN_PORTAL,
        )
    )
    if outcome == Status.COMPLETED:
        moves.append(
            dict(
                from_status=Status.REGISTERED,
                to_status=Status.COMPLETED,
                at=min(now, registered + dt.timedelta(days=rng.uniform(50, 90))),
                actor_role="host_admissions",
                reason=ReasonCode.RESULT_RECORDED,
            )
        )
    return EnrolmentRequest(**fields), moves


def _credentials(requests: list[EnrolmentRequest]) -> int:
    """Microcredentials for the first finished VU courses of the history: a passing result, the home board's
    credit entry (history, as fixtures), then the credentials service issues and signs each."""
    finished = [
        r
        for r in EnrolmentRequest.objects.filter(
            pk__in=[r.pk for r in requests], status=Status.COMPLETED, host_institution__code=AWARDING
        )
        .select_related("offering__course", "host_institution")
        .order_by("pk")
        if r.offering.course is not None
    ][:CREDENTIALS]
    issued = 0
    for request in finished:
        course = request.offering.course
        if not MicrocredentialDefinition.objects.filter(course=course).exists():
            definition = MicrocredentialDefinition(
                course=course,
                awarding_institution=request.host_institution,
                title=course.title_en,
                description=f"{course.title_en}, a course of the {request.host_institution.name_en}.",
                learning_outcomes="Applies the course's core methods\nReports findings in writing",
                ec=Decimal(course.ec),
                eqf_level=6,
                assessment_type="Written exam, graded",
                participation_form="Onsite",
                quality_assurance="Accredited programme (NVAO)",
            )
            try:
                definition.full_clean()
            except ValidationError:  # outside the pilot's size rule: this course earns none
                continue
            definition.save()
        result = Result.objects.create(
            request=request,
            scale="1-10",
            score="7.5",
            passed=True,
            ec=Decimal(course.ec),
            assessed_on=request.offering.end_date,
            examiner="Dr. L. Kok",
        )
        Recognition.objects.create(
            request=request,
            kind=Recognition.Kind.CREDIT,
            status=Recognition.Status.RECOGNISED,
            scope=Recognition.Scope.INSTITUTION,
            result=result,
            counts_as="elective space",
            decided_at=timezone.now(),
        )
        issued += credential_issue(result=result) is not None
    return issued
