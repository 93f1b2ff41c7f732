"""The study plan: courses per period of the home calendar, here or elsewhere; prerequisite order and circles
refused, overload and missing prerequisites warned, completed courses refused; the projected completion date
follows the results."""

import datetime as dt
import math
from decimal import Decimal

import pytest

from routes.own_pace import selectors, services
from routes.own_pace.errors import NotFound, OwnPaceError
from routes.own_pace.models import PlannedCourse, StudyPlan
from routes.own_pace.rules import projected_completion
from tests.factories import CourseFactory, StudentProfileFactory
from tests.own_pace.conftest import make_zone, passed_result

pytestmark = pytest.mark.django_db


def add(zone, course, period, offering=None, user=None):
    return services.plan_course_add(
        user=user or zone.student.user,
        course_id=course.pk,
        period_id=zone.periods[period].pk,
        offering_id=offering.pk if offering else None,
    )


def test_a_plan_over_periods_with_a_course_elsewhere(zone):
    add(zone, zone.basics, 0)
    add(zone, zone.advanced, 2)
    add(zone, zone.elsewhere, 1, offering=zone.run)
    overview = selectors.plan_overview(zone.student.user)
    assert [(row.period.sequence, [c.course.code for c in row.courses]) for row in overview.periods] == [
        (1, ["OP-101"]),
        (2, ["HOST-300"]),
        (3, ["OP-201"]),
    ]
    assert overview.planned_ec == Decimal("16") and overview.warnings == []


def test_a_prerequisite_in_a_later_period_is_refused(zone):
    add(zone, zone.basics, 2)
    with pytest.raises(OwnPaceError) as refused:
        add(zone, zone.advanced, 1)
    assert str(refused.value.message) == (
        "Periods out of order: OP-101 is a prerequisite of OP-201 and must be planned in an earlier period."
    )
    assert refused.value.code == "periods_out_of_order"
    with pytest.raises(OwnPaceError, match="Periods out of order"):
        add(zone, zone.advanced, 2)  # the same period is not earlier
    assert PlannedCourse.objects.count() == 1


def test_a_prerequisite_planned_after_what_needs_it_is_refused(zone):
    add(zone, zone.advanced, 1)
    with pytest.raises(OwnPaceError) as refused:
        add(zone, zone.basics, 3)
    assert str(refused.value.message) == (
        "Periods out of order: OP-101 is a prerequisite of OP-201, which is planned in the same or an earlier period."
    )
    assert PlannedCourse.objects.count() == 1


def test_circular_prerequisites_are_refused(zone):
    third = CourseFactory(institution=zone.home, code="OP-301")
    third.prerequisites.add(zone.advanced)
    zone.basics.prerequisites.add(third)  # OP-101 → OP-301 → OP-201 → OP-101
    messages = []
    for course in (zone.basics, zone.advanced, third):
        with pytest.raises(OwnPaceError) as refused:
            add(zone, course, 0)
        assert refused.value.code == "circular_prerequisites"
        messages.append(str(refused.value.message))
    assert messages[0] == (
        "The prerequisites of OP-101 go round in a circle (OP-101 → OP-301 → OP-201 → OP-101), "
        "so no order can satisfy them."
    )
    assert PlannedCourse.objects.count() == 0


def test_a_course_that_is_its_own_prerequisite_is_a_circle(zone):
    zone.basics.prerequisites.add(zone.basics)
    with pytest.raises(OwnPaceError, match=r"OP-101 → OP-101"):
        add(zone, zone.basics, 0)


def test_a_completed_course_is_refused(zone):
    passed_result(zone.student, zone.basics)
    with pytest.raises(OwnPaceError, match="already completed"):
        add(zone, zone.basics, 1)
    assert PlannedCourse.objects.count() == 0
    # A failed attempt is not a completion.
    passed_result(zone.student, zone.advanced, passed=False)
    add(zone, zone.advanced, 1)


def test_overload_above_the_institutions_maximum_is_a_warning(zone):
    for n in range(4):
        add(zone, CourseFactory(institution=zone.home, code=f"OP-L{n}", ec=Decimal("4")), 1)
    overview = selectors.plan_overview(zone.student.user)
    (row,) = overview.periods
    assert row.ec == Decimal("16") and row.overloaded
    assert overview.warnings == ["Overload: 16 EC planned in Quarter 2, above your institution's maximum of 15."]


def test_a_prerequisite_neither_completed_nor_planned_is_a_warning(zone):
    add(zone, zone.advanced, 1)
    assert selectors.plan_overview(zone.student.user).warnings == [
        "OP-201 needs OP-101 first: you have neither completed nor planned it."
    ]
    passed_result(zone.student, zone.basics)
    assert selectors.plan_overview(zone.student.user).warnings == []


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [("course_id", 10**9, NotFound), ("period_id", "x", NotFound), ("offering_id", 10**9, NotFound)],
)
def test_unknown_ids_are_not_found(zone, field, value, error):
    kwargs = {"course_id": zone.elsewhere.pk, "period_id": zone.periods[1].pk, "offering_id": None, field: value}
    with pytest.raises(error):
        services.plan_course_add(user=zone.student.user, **kwargs)
    assert PlannedCourse.objects.count() == 0


def test_a_period_of_another_institutions_calendar_is_not_found(zone):
    other = make_zone(code="op-cal")
    with pytest.raises(NotFound, match="No such period in your institution's calendar"):
        services.plan_course_add(user=zone.student.user, course_id=zone.basics.pk, period_id=other.periods[1].pk)


def test_a_run_outside_the_period_and_a_period_that_ended_are_refused(zone):
    with pytest.raises(OwnPaceError, match="does not fall in that period"):
        add(zone, zone.elsewhere, 3, offering=zone.run)
    ended = make_zone(code="op-ended", year_started_days_ago=100)  # its first quarter ended 20 days ago
    with pytest.raises(OwnPaceError, match="already ended"):
        add(ended, ended.basics, 0)
    assert PlannedCourse.objects.count() == 0


def test_another_students_planned_course_cannot_be_removed(zone):
    planned = add(zone, zone.basics, 0)
    other = StudentProfileFactory(home_institution=zone.home)
    with pytest.raises(NotFound):
        services.plan_course_remove(user=other.user, planned_id=planned.pk)
    services.plan_course_remove(user=zone.student.user, planned_id=planned.pk)
    assert PlannedCourse.objects.count() == 0 and StudyPlan.objects.count() == 1


def test_projected_completion_follows_the_plan_and_the_pace():
    today = dt.date(2026, 9, 1)
    q1, q2 = dt.date(2026, 11, 1), dt.date(2027, 2, 1)
    # Everything left is planned: done at the end of the period that completes it.
    assert (
        projected_completion(
            total=Decimal(20),
            completed=Decimal(10),
            planned=[(q2, Decimal(5)), (q1, Decimal(5))],
            pace=Decimal(0),
            today=today,
        )
        == q2
    )
    # 30 EC left beyond the plan at 60 EC a year: half a year after the last planned period.
    assert projected_completion(
        total=Decimal(40), completed=Decimal(5), planned=[(q1, Decimal(5))], pace=Decimal(60), today=today
    ) == q1 + dt.timedelta(days=183)
    assert (
        projected_completion(total=Decimal(40), completed=Decimal(0), planned=[], pace=Decimal(0), today=today) is None
    )
    assert (
        projected_completion(total=Decimal(40), completed=Decimal(40), planned=[], pace=Decimal(0), today=today)
        == today
    )


def test_projected_completion_moves_when_a_result_arrives(zone):
    contract = services.contract_propose(user=zone.student.user, academic_year_id=zone.year.pk, ec=30)
    assert contract.ec == 30
    before = selectors.plan_overview(zone.student.user)
    assert before.completed_ec == 0 and before.pace == 30
    # 180 EC at 30 a year: six years from today.
    assert before.projected_completion == zone.today + dt.timedelta(days=math.ceil(6 * 365.25))
    passed_result(zone.student, CourseFactory(institution=zone.home, code="OP-X", ec=Decimal("15")))
    after = selectors.plan_overview(zone.student.user)
    assert after.completed_ec == 15
    assert after.projected_completion == zone.today + dt.timedelta(days=math.ceil(5.5 * 365.25))
