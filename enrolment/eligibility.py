"""Eligibility, evaluated live: every rule gives a translatable reason the student sees before submitting.

``eligibility_check`` reads only. Submitting calls it again inside the submit transaction, so what the
student was shown and what the portal enforces are the same rules.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from catalogue.models import Offering
from core.i18n import lazy_format
from core.rules import Check, Verdict, evaluate
from enrolment.errors import NOT_ELIGIBLE_MESSAGE, NotEligibleError
from enrolment.models import EnrolmentRequest, HomeApprovalPolicy, Status
from institutions.models import AcademicPeriod
from institutions.routes import routes_open

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


class Eligibility(Verdict):
    """The eligibility rules' verdict for one student and one offering; a failed one refuses a submission
    with every failed rule's reason (``NotEligibleError``, 400)."""

    error_class = NotEligibleError
    error_message = NOT_ELIGIBLE_MESSAGE

    @property
    def eligible(self) -> bool:
        return self.passed


def slots_overlap(a: list[dict], b: list[dict]) -> bool:
    """Whether two weekly timetables share a moment: the same weekday and overlapping hours ("HH:MM")."""
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


@dataclass
class Context:
    """What the rules look at: the student, the offering, the moment, the student's requests that count
    (pending, held or completed, this one excluded) and the home institution's policy (or None)."""

    student: object
    offering: Offering
    now: dt.datetime
    mine: list[EnrolmentRequest]
    policy: HomeApprovalPolicy | None

    @property
    def active(self) -> list[EnrolmentRequest]:
        return [r for r in self.mine if r.status in PENDING_OR_HELD and r.offering.id != self.offering.id]


def active_enrolment(c: Context) -> Check:
    """1. Active enrolment at home."""
    ok = c.student.is_actively_enrolled
    return Check(
        "active_enrolment",
        ok,
        _("You are enrolled at your home institution.")
        if ok
        else _("Your home institution does not list you as actively enrolled this year."),
    )


def window(c: Context) -> Check:
    """2. The enrolment window, to the minute in Amsterdam time."""
    offering = c.offering
    if c.now < offering.enrol_opens_at:
        moment = _local(offering.enrol_opens_at)
        return Check("window", False, lazy_format(_("Enrolment opens on %(moment)s (Amsterdam time)."), moment=moment))
    if c.now >= offering.enrol_closes_at:
        moment = _local(offering.enrol_closes_at)
        return Check("window", False, lazy_format(_("Enrolment closed on %(moment)s (Amsterdam time)."), moment=moment))
    moment = _local(offering.enrol_closes_at)
    return Check("window", True, lazy_format(_("Enrolment is open until %(moment)s (Amsterdam time)."), moment=moment))


def visibility(c: Context) -> Check:
    """3. Open to the student's target group."""
    offering = c.offering
    own = c.student.home_institution_id == offering.institution_id
    ok = (offering.visible_own_students if own else offering.visible_partners) and not offering.is_archived
    return Check(
        "visibility",
        ok,
        _("This offering is open to students like you.")
        if ok
        else _("This offering is not open to students of your institution."),
    )


def prerequisites(c: Context) -> Check | None:
    """4. Prerequisites: completed courses."""
    if not c.offering.course_id:
        return None
    # Through ``all()``: a caller deciding many students at once (an admission batch) prefetches them once.
    required = {course.pk for course in c.offering.course.prerequisites.all()}
    completed = {r.offering.course_id for r in c.mine if r.status == Status.COMPLETED and r.offering.course_id}
    missing = required - completed
    return Check(
        "prerequisites",
        not missing,
        _("You meet the prerequisites.")
        if not missing
        else lazy_format(_("You have not completed the prerequisites yet (%(count)s missing)."), count=len(missing)),
    )


def overlap(c: Context) -> Check:
    """5. No overlap with the student's other enrolments, in one verdict: not a course they completed or
    already asked for (blocks), and no clash with the weekly timetable of another active enrolment that runs
    in the same weeks (blocks where the home policy says so, else warns). Runs in the same weeks whose
    timetables are not both known only warn."""
    offering = c.offering
    same = [
        r
        for r in c.mine
        if r.offering.id == offering.id
        or (offering.course_id and r.offering.course_id == offering.course_id)
        or (offering.module_id and r.offering.module_id == offering.module_id)
    ]
    if any(r.status == Status.COMPLETED for r in same):
        return Check("overlap", False, _("You have already completed this course."))
    if same:
        return Check("overlap", False, _("You already have an active request for this course."))
    at_once = [r for r in c.active if _dates_overlap(r.offering, offering)]
    clash = next(
        (
            r
            for r in at_once
            if r.offering.timeslots and offering.timeslots and slots_overlap(r.offering.timeslots, offering.timeslots)
        ),
        None,
    )
    if clash is not None:
        blocks = bool(c.policy and c.policy.timetable_clash == HomeApprovalPolicy.Clash.BLOCK)
        other = clash.offering.teachable
        message = (
            _(
                "This clashes with the timetable of %(course)s, which you are enrolled in; your home institution does not allow that."
            )
            if blocks
            else _("This clashes with the timetable of %(course)s, which you are enrolled in.")
        )
        return Check("overlap", False, lazy_format(message, course=f"{other.code} {other.title}"), blocking=blocks)
    if any(not (r.offering.timeslots and offering.timeslots) for r in at_once):
        return Check(
            "overlap",
            False,
            _("Runs at the same time as another of your enrolments; the timetables are not known yet."),
            blocking=False,
        )
    return Check("overlap", True, _("No overlap with your other enrolments, and no timetable clash."))


def routes(c: Context) -> Check:
    """6. A route: the offering suits at least one route the home institution pilots."""
    open_routes = routes_open(c.offering.teachable.suitable_routes, c.student.home_institution.piloted_routes)
    if open_routes:
        return Check("routes", True, _("Your home institution pilots a route this offering suits."))
    return Check(
        "routes", False, _("Your home institution does not pilot any of the routes this offering is suitable for.")
    )


def caps(c: Context) -> Check | None:
    """7. The home institution's caps on EC or courses elsewhere per period."""
    policy = c.policy
    if not (policy and (policy.max_ec_per_period or policy.max_courses_per_period)):
        return None
    offering = c.offering
    home_periods = AcademicPeriod.objects.filter(
        institution_id=c.student.home_institution_id,
        start_date__lte=offering.end_date,
        end_date__gte=offering.start_date,
    )
    ec_here = offering.teachable.ec
    over = False
    for period in home_periods:
        in_period = [
            r for r in c.active if r.offering.start_date <= period.end_date and period.start_date <= r.offering.end_date
        ]
        ec = sum((_ec_of(r.offering) for r in in_period), Decimal("0")) + ec_here
        if policy.max_ec_per_period and ec > policy.max_ec_per_period:
            over = True
        if policy.max_courses_per_period and len(in_period) + 1 > policy.max_courses_per_period:
            over = True
    return Check(
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


RULES = (active_enrolment, window, visibility, prerequisites, overlap, routes, caps)


def module_only_visibility(c: Context) -> Check:
    """3 for a module-only learner: a module, open to their kind (professionals or guests)."""
    offering = c.offering
    open_to = {"professional": offering.visible_professionals, "guest": offering.visible_guests}
    ok = bool(offering.module_id) and open_to.get(c.student.kind, False) and not offering.is_archived
    return Check(
        "visibility",
        ok,
        _("This module is open to learners like you.")
        if ok
        else _("This offering is not open to professionals or guests like you: only modules marked for them are."),
    )


def module_price(c: Context) -> Check:
    """A module-only registration is invoiced: the offering has its module-only price."""
    ok = c.offering.price_module_only is not None
    return Check(
        "price",
        ok,
        lazy_format(_("Price: EUR %(price)s."), price=c.offering.price_module_only)
        if ok
        else _("The host institution has not set a price for module-only learners yet."),
    )


# A module-only learner (no home institution): no home enrolment, route, caps or home policy to meet.
MODULE_ONLY_RULES = (window, module_only_visibility, module_price, overlap)

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
    counted = {*PENDING_OR_HELD, Status.COMPLETED}
    if student_requests is None:
        mine = list(
            EnrolmentRequest.objects.filter(student=student, status__in=counted)
            .exclude(pk=ignore_request_id)
            .select_related("offering__course", "offering__module")
        )
    else:
        mine = [r for r in student_requests if r.status in counted and r.pk != ignore_request_id]
    if student.home_institution_id is None:
        context = Context(student=student, offering=offering, now=now or timezone.now(), mine=mine, policy=None)
        return evaluate(MODULE_ONLY_RULES, context, verdict=Eligibility)
    if policy is _READ:
        policy = HomeApprovalPolicy.objects.filter(institution_id=student.home_institution_id).first()
    context = Context(student=student, offering=offering, now=now or timezone.now(), mine=mine, policy=policy)
    return evaluate(RULES, context, verdict=Eligibility)


def _ec_of(offering: Offering) -> Decimal:
    teachable = offering.course if offering.course_id else offering.module
    return teachable.ec if teachable else Decimal("0")
