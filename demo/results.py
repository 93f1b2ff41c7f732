"""Demo results and recognition: courses Sanne (student@) finished last block at the UvA, each at a
different point of the road; conversion tables; precedents; a result left for admissions.uva@ to record.

The finished enrolments are history, so they are written as fixtures (with their timeline); everything
after the course goes through the results services, as the host and the board would.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import StudentProfile, User
from catalogue.models import Course, Offering
from enrolment.models import EnrolmentRequest, ReasonCode, RequestEvent, Status
from institutions.models import AcademicPeriod, AcademicYear, Institution
from results.models import ConversionRow, ConversionTable, RecognitionPrecedent, Result
from results.services.recognition import recognition_decide
from results.services.results import ResultInput, result_record

TABLES = [
    # (name, from, to, rows, threshold, rounding, rule)
    (
        "0-100 → 1-10 (zone)",
        "0-100",
        "1-10",
        [("0", "1.0"), ("55", "5.5"), ("100", "10.0")],
        "5.5",
        "tenth",
        "Linear between the points; half up to one decimal. A pass stays a pass.",
    ),
    (
        "US letter → 1-10 (zone)",
        "US letter",
        "1-10",
        [("A+", "10.0"), ("A", "9.0"), ("A-", "8.5"), ("B+", "8.0"), ("B", "7.5"), ("B-", "7.0"), ("C+", "6.5")]
        + [("C", "6.0"), ("C-", "5.8"), ("D+", "5.7"), ("D", "5.6"), ("D-", "5.5"), ("F", "3.0")],
        "5.5",
        "tenth",
        "Each letter has its own value.",
    ),
]


def seed_results(*, email, today: dt.date, say=print) -> int:
    """Idempotent: does nothing when Sanne already has results. Returns the number of results written."""
    sanne = StudentProfile.objects.filter(user__email=email("student")).select_related("programme").first()
    host_staff = User.objects.filter(email=email("admissions.uva")).first()
    board = User.objects.filter(email=email("examboard.uu")).first()
    if sanne is None or host_staff is None or board is None or Result.objects.filter(request__student=sanne).exists():
        return 0
    with transaction.atomic():
        _tables()
        ended = _last_years_runs(today)
        if len(ended) < 4:
            say("Demo results: not enough UvA courses; skipped.")
            return 0
        requests = [_finished(sanne, offering, host_staff) for offering in ended]
        # 1. Counted at once by a precedent of Sanne's programme.
        RecognitionPrecedent.objects.get_or_create(
            programme=sanne.programme,
            course=ended[0].course,
            defaults={"counts_as": "elective space", "decided_by": board, "valid_from": today - dt.timedelta(days=400)},
        )
        _record(requests[0], host_staff, "1-10", "7.8", ended[0])
        # 2. A 0-100 grade, converted, recognised by the board with a reason.
        _record(requests[1], host_staff, "0-100", "72", ended[1])
        recognition = requests[1].recognitions.get()
        recognition_decide(
            user=board,
            recognition_id=recognition.pk,
            recognised=True,
            reason="Fits the minor Sustainability.",
            counts_as="minor",
        )
        # 3. Waiting in the board's queue (examboard.uu@).
        _record(requests[2], host_staff, "1-10", "6.4", ended[2])
        # 4. No result yet: admissions.uva@ records it (Results to record).
        say("Demo results: 3 results (one recognised by precedent, one by the board, one waiting), one to record.")
        # An expired precedent, for the library's browse page.
        RecognitionPrecedent.objects.get_or_create(
            programme=sanne.programme,
            course=ended[3].course,
            defaults={
                "counts_as": "elective space",
                "decided_by": board,
                "valid_from": today - dt.timedelta(days=800),
                "valid_until": today - dt.timedelta(days=400),
            },
        )
        return 3


def _last_years_runs(today: dt.date) -> list[Offering]:
    """Four UvA courses as they ran in last year's second semester (the UvA's calendar of this year has
    not finished a course yet on most demo days)."""
    uva = Institution.objects.get(code="uva")
    year = today.year - 1 if today.month >= 8 else today.year - 2
    first = _first_monday(year)
    academic_year, _ = AcademicYear.objects.get_or_create(
        institution=uva,
        name=f"{year}-{year + 1}",
        defaults={"start_date": first, "end_date": _first_monday(year + 1) - dt.timedelta(days=1)},
    )
    start = first + dt.timedelta(weeks=22)
    period, _ = AcademicPeriod.objects.get_or_create(
        academic_year=academic_year,
        kind="semester",
        sequence=2,
        defaults={
            "institution": uva,
            "name_nl": "Semester 2",
            "name_en": "Semester 2",
            "start_date": start,
            "end_date": start + dt.timedelta(weeks=21, days=-3),
        },
    )
    runs = []
    for course in Course.objects.filter(institution=uva, offerings__isnull=False).distinct().order_by("code")[:4]:
        source = course.offerings.order_by("code").first()
        run, _ = Offering.objects.get_or_create(
            institution=uva,
            code=f"{source.course.code}-LASTYEAR",
            defaults={
                "course": source.course,
                "period": period,
                "start_date": period.start_date,
                "end_date": period.end_date,
                "enrol_opens_at": timezone.make_aware(dt.datetime.combine(start - dt.timedelta(weeks=10), dt.time(9))),
                "enrol_closes_at": timezone.make_aware(dt.datetime.combine(start - dt.timedelta(weeks=2), dt.time(9))),
                "capacity": source.capacity,
                "mode": source.mode,
                "city": source.city,
                "location": source.location,
            },
        )
        runs.append(run)
    return runs


def _first_monday(year: int) -> dt.date:
    day = dt.date(year, 9, 1)
    return day + dt.timedelta(days=(7 - day.weekday()) % 7)


def _tables() -> None:
    for name, source, target, rows, threshold, rounding, rule in TABLES:
        table, created = ConversionTable.objects.get_or_create(
            from_scale=source,
            to_scale=target,
            from_institution=None,
            to_institution=None,
            defaults={
                "name": name,
                "pass_threshold": Decimal(threshold),
                "rounding": rounding,
                "rounding_rule": rule,
            },
        )
        if created:
            ConversionRow.objects.bulk_create(
                ConversionRow(table=table, from_score=score, to_score=Decimal(value)) for score, value in rows
            )


def _finished(student: StudentProfile, offering: Offering, host_staff) -> EnrolmentRequest:
    """A request that went the whole way to registered, with its timeline (history, written as such)."""
    request = EnrolmentRequest.objects.create(
        student=student,
        offering=offering,
        home_institution=student.home_institution,
        host_institution=offering.institution,
        submitted_at=timezone.now(),
    )
    EnrolmentRequest.objects.filter(pk=request.pk).update(status=Status.REGISTERED, home_approved_at=timezone.now())
    moves = [
        (Status.DRAFT, Status.SUBMITTED, "student", ReasonCode.STUDENT_REQUEST),
        (Status.SUBMITTED, Status.HOME_APPROVED, "system", ReasonCode.POLICY_AUTO_APPROVAL),
        (Status.HOME_APPROVED, Status.ADMITTED, "system", ReasonCode.FIRST_COME),
        (Status.ADMITTED, Status.REGISTERED, "system", ReasonCode.REGISTERED_IN_PORTAL),
    ]
    RequestEvent.objects.bulk_create(
        RequestEvent(request=request, from_status=a, to_status=b, actor_role=role, reason=reason)
        for a, b, role, reason in moves
    )
    request.refresh_from_db()
    return request


def _record(request, host_staff, scale, score, offering) -> Result:
    passed_ec = str((offering.course or offering.module).ec)
    return result_record(
        user=host_staff,
        request_id=request.pk,
        data=ResultInput(scale=scale, score=score, ec=passed_ec, assessed_on=offering.end_date, examiner="Dr. L. Kok"),
    )
