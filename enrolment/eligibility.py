"""Eligibility, evaluated live: every rule gives a translatable reason the student sees before submitting.

``eligibility_check`` reads only. Submitting calls it again inside the submit transaction, so what the
student was shown and what the portal enforces are the same rules.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from catalogue.models import Offering
from enrolment.errors import NOT_ELIGIBLE_MESSAGE, NotEligibleError
from enrolment.models import EnrolmentRequest, HomeApprovalPolicy, Status
from institutions.models import AcademicPeriod
from portal.i18n import lazy_format

PENDING_OR_HELD = (
    Status.SUBMITTED,
    Status.HOME_APPROVED,
    Status.WAITLISTED,
    Status.SEAT_OFFERED,
    Status.ADMITTED,
    Status.REGISTERED,
)


def _local(moment: dt.datetime) -> str:
    return formats.date_format(timezone.localtime(moment, ZoneInfo(settings.TIME_ZONE)), "j F Y, H:i")


@dataclass(frozen=True)
class Check:
    code: str
    ok: bool
    message: str
    blocking: bool = True


@dataclass
class Eligibility:
    checks: list[Check] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return all(c.ok for c in self.checks if c.blocking)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.ok and c.blocking]

    @property
    def warnings(self) -> list[Check]:
        return [c for c in self.checks if not c.ok and not c.blocking]

    def error(self, *, prefix: str = "") -> NotEligibleError:
        """The refusal a submission gets when a rule failed: every failed rule's reason, and their codes."""
        reasons = "; ".join(str(c.message) for c in self.failures)
        return NotEligibleError(
            lazy_format(NOT_ELIGIBLE_MESSAGE, reasons=f"{prefix}{reasons}"),
            extra={"reasons": [c.code for c in self.failures]},
        )


def _slots_overlap(a: list[dict], b: list[dict]) -> bool:
    for x in a:
        for y in b:
            if (
                x.get("weekday") == y.get("weekday")
                and str(x.get("start")) < str(y.get("end"))
                and str(y.get("start")) < str(x.get("end"))
            ):
                return True
    return False


def _dates_overlap(a: Offering, b: Offering) -> bool:
    return a.start_date <= b.end_date and b.start_date <= a.end_date


# ``policy`` not given: eligibility_check reads it.
_READ = object()


def eligibility_check(
    *,
    student,
    offering: Offering,
    now: dt.datetime | None = None,
    ignore_request_id: int | None = None,
    policy=_READ,
    student_requests: list[EnrolmentRequest] | None = None,
) -> Eligibility:
    """All rules for ``student`` (a StudentProfile) and ``offering``. Reads only; about four queries.

    A caller that has already read them may pass the home institution's ``HomeApprovalPolicy`` (or None)
    and the student's requests (at least those pending, held or completed, with ``offering__course`` and
    ``offering__module`` loaded); the rules are the same, with fewer queries.
    """
    now = now or timezone.now()
    result = Eligibility()
    add = result.checks.append

    # 1. Active enrolment at home.
    add(
        Check(
            "active_enrolment",
            student.is_actively_enrolled,
            _("You are enrolled at your home institution.")
            if student.is_actively_enrolled
            else _("Your home institution does not list you as actively enrolled this year."),
        )
    )
    # 2. The window, to the minute in Amsterdam time.
    if now < offering.enrol_opens_at:
        add(
            Check(
                "window",
                False,
                lazy_format(
                    _("Enrolment opens on %(moment)s (Amsterdam time)."), moment=_local(offering.enrol_opens_at)
                ),
            )
        )
    elif now >= offering.enrol_closes_at:
        add(
            Check(
                "window",
                False,
                lazy_format(
                    _("Enrolment closed on %(moment)s (Amsterdam time)."), moment=_local(offering.enrol_closes_at)
                ),
            )
        )
    else:
        add(
            Check(
                "window",
                True,
                lazy_format(
                    _("Enrolment is open until %(moment)s (Amsterdam time)."), moment=_local(offering.enrol_closes_at)
                ),
            )
        )
    # 3. Visible to the student's target group.
    own = student.home_institution_id == offering.institution_id
    visible = (offering.visible_own_students if own else offering.visible_partners) and not offering.is_archived
    add(
        Check(
            "visibility",
            visible,
            _("This offering is open to students like you.")
            if visible
            else _("This offering is not open to students of your institution."),
        )
    )

    if student_requests is None:
        mine = list(
            EnrolmentRequest.objects.filter(student=student, status__in=[*PENDING_OR_HELD, Status.COMPLETED])
            .exclude(pk=ignore_request_id)
            .select_related("offering__course", "offering__module")
        )
    else:
        counted = {*PENDING_OR_HELD, Status.COMPLETED}
        mine = [r for r in student_requests if r.status in counted and r.pk != ignore_request_id]

    # 4. Prerequisites: completed courses.
    if offering.course_id:
        required = set(offering.course.prerequisites.values_list("pk", flat=True))
        completed = {r.offering.course_id for r in mine if r.status == Status.COMPLETED and r.offering.course_id}
        missing = required - completed
        add(
            Check(
                "prerequisites",
                not missing,
                _("You meet the prerequisites.")
                if not missing
                else lazy_format(
                    _("You have not completed the prerequisites yet (%(count)s missing)."), count=len(missing)
                ),
            )
        )
    # 5. Duplicate or overlap with completed or active enrolments.
    same = [
        r
        for r in mine
        if r.offering.id == offering.id
        or (offering.course_id and r.offering.course_id == offering.course_id)
        or (offering.module_id and r.offering.module_id == offering.module_id)
    ]
    if any(r.status == Status.COMPLETED for r in same):
        add(Check("overlap", False, _("You have already completed this course.")))
    elif same:
        add(Check("overlap", False, _("You already have an active request for this course.")))
    else:
        add(Check("overlap", True, _("No overlap with your other enrolments.")))
    # 6. Timetable clash with the student's other active enrolments.
    active = [r for r in mine if r.status in PENDING_OR_HELD and r.offering.id != offering.id]
    clash = [
        r
        for r in active
        if _dates_overlap(r.offering, offering)
        and r.offering.timeslots
        and offering.timeslots
        and _slots_overlap(r.offering.timeslots, offering.timeslots)
    ]
    unknown = [
        r for r in active if _dates_overlap(r.offering, offering) and not (r.offering.timeslots and offering.timeslots)
    ]
    add(
        Check(
            "timetable",
            not clash,
            _("No timetable clash with your other enrolments.")
            if not clash
            else _("This clashes with the timetable of another course you enrolled in."),
        )
    )
    if unknown and not clash:
        add(
            Check(
                "timetable_unknown",
                False,
                _("Runs at the same time as another of your enrolments; the timetables are not known yet."),
                blocking=False,
            )
        )
    # 7. The home institution's caps on EC or courses per period.
    if policy is _READ:
        policy = HomeApprovalPolicy.objects.filter(institution_id=student.home_institution_id).first()
    if policy and (policy.max_ec_per_period or policy.max_courses_per_period):
        home_periods = list(
            AcademicPeriod.objects.filter(
                institution_id=student.home_institution_id,
                start_date__lte=offering.end_date,
                end_date__gte=offering.start_date,
            )
        )
        teachable = offering.teachable
        over = False
        for period in home_periods:
            in_period = [
                r
                for r in active
                if r.offering.start_date <= period.end_date and period.start_date <= r.offering.end_date
            ]
            ec = sum((_ec_of(r.offering) for r in in_period), Decimal("0")) + teachable.ec
            if policy.max_ec_per_period and ec > policy.max_ec_per_period:
                over = True
            if policy.max_courses_per_period and len(in_period) + 1 > policy.max_courses_per_period:
                over = True
        add(
            Check(
                "caps",
                not over,
                _("Within your home institution's limits per period.")
                if not over
                else lazy_format(
                    _("Your home institution allows at most %(ec)s EC or %(courses)s courses elsewhere per period."),
                    ec=policy.max_ec_per_period or "-",
                    courses=policy.max_courses_per_period or "-",
                ),
            )
        )
    return result


def _ec_of(offering: Offering) -> Decimal:
    teachable = offering.course if offering.course_id else offering.module
    return teachable.ec if teachable else Decimal("0")
