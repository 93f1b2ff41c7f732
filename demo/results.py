"""Demo results and recognition: courses Sanne (student@) finished in the first period at the VU, each at a
different point of the road; conversion tables; precedents; a result left for admissions.vu@ to record.

The finished enrolments are history, so they are written as fixtures (with their timeline); everything
after the course goes through the results services, as the host and the board would.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from accounts.models import StudentProfile, User
from catalogue.models import Offering
from enrolment.models import EnrolmentRequest, ReasonCode, RequestEvent, Status
from results.models import ConversionRow, ConversionTable, RecognitionPrecedent, Result
from results.services.recognition import recognition_decide
from results.services.results import ResultInput, result_record

HOST = "vu"  # the host whose admissions record results in the demo (admissions.vu@)

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
    host_staff = User.objects.filter(email=email(f"admissions.{HOST}")).first()
    board = User.objects.filter(email=email("examboard.uu")).first()
    if sanne is None or host_staff is None or board is None or Result.objects.filter(request__student=sanne).exists():
        return 0
    # The demo's mail stays in the notification centre (as the scenarios' does): no email on the console.
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"), transaction.atomic():
        _tables()
        ended = _finished_runs(today)
        if len(ended) < 4:
            say("Demo results: the VU has not finished four courses yet this year; no results seeded.")
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


def _finished_runs(today: dt.date) -> list[Offering]:
    """Four VU courses of this year's first period, which has ended (none before the first period ends in
    late October: then the demo has no results, and says so)."""
    courses = []
    runs = []
    for run in (
        Offering.objects.filter(institution__code=HOST, course__isnull=False, end_date__lt=today - dt.timedelta(days=3))
        .select_related("course")
        .order_by("-end_date", "code")
    ):
        if run.course_id not in courses:
            courses.append(run.course_id)
            runs.append(run)
        if len(runs) == 4:
            break
    return runs


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
