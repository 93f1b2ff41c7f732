"""Each composition rule, failing for its own reason with a link to the fix, and passing when it holds."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from enrolment.models import EnrolmentRequest, Status
from results.models import Result
from routes.mijndiploma.selectors import compliance_of
from tests.factories import CourseFactory


def verdict_of(version):
    verdict = compliance_of(version)
    return verdict, {c.code: c for c in verdict.checks}


def test_a_programme_within_every_rule_passes(zone):
    version = zone.compose(zone.offer(ec=5), zone.offer(zone.x, ec=5, quarter=2))
    verdict, checks = verdict_of(version)
    assert verdict.passed, [str(c.message) for c in verdict.failures]
    assert str(checks["ec_total"].message) == "Total: 10 EC, within the limits."


def test_over_the_ec_limit(zone):
    version = zone.compose(*(zone.offer(ec=10, quarter=q) for q in (1, 1, 2, 2)))
    verdict, checks = verdict_of(version)
    assert not verdict.passed
    check = checks["ec_over"]
    assert not check.ok
    assert str(check.message) == "The programme has 40 EC, more than the maximum of 30 EC: remove an item."
    assert check.link == "/mijndiploma/"


def test_under_the_total_minimum(zone):
    version = zone.compose(zone.offer(ec=5))
    _verdict, checks = verdict_of(version)
    assert str(checks["ec_under"].message) == "The programme has 5 EC, fewer than the minimum of 10 EC: add courses."
    assert checks["ec_under"].link == "/catalogue/"


def test_under_a_level_minimum(zone):
    version = zone.compose(zone.offer(ec=5), zone.offer(ec=10, level="master", quarter=2))
    verdict, checks = verdict_of(version)
    assert [c.code for c in verdict.failures] == ["level_minimum"]
    assert str(checks["level_minimum"].message) == (
        "Too few EC at a level (Bachelor: 5 of at least 10 EC): add courses at that level."
    )


def test_too_much_outside_the_home_institution(zone):
    version = zone.compose(zone.offer(zone.x, ec=10), zone.offer(zone.y, ec=10, quarter=2))
    verdict, checks = verdict_of(version)
    assert [c.code for c in verdict.failures] == ["outside_home"]
    assert str(checks["outside_home"].message) == (
        "20 EC are at other institutions, more than the maximum of 15 EC: replace an item by one of your own "
        "institution."
    )


def test_a_missing_core_course(zone):
    core = CourseFactory(institution=zone.home, code="CORE1")
    zone.rules.core_courses.add(core)
    version = zone.compose(zone.offer(ec=5), zone.offer(ec=5, quarter=2))
    verdict, checks = verdict_of(version)
    assert [c.code for c in verdict.failures] == ["core_missing"]
    assert str(checks["core_missing"].message) == "Required core courses are missing: CORE1. Add an offering of each."
    assert checks["core_missing"].link == "/catalogue/?q=CORE1"


def test_an_overlap(zone):
    monday = [{"weekday": 0, "start": "09:00", "end": "11:00"}]
    a = zone.offer(ec=5, code="OVL1", slots=monday)
    b = zone.offer(zone.x, ec=5, code="OVL2", slots=[{"weekday": 0, "start": "10:00", "end": "12:00"}])
    verdict, checks = verdict_of(zone.compose(a, b))
    assert [c.code for c in verdict.failures] == ["overlap"]
    assert str(checks["overlap"].message) == "OVL1 and OVL2 are taught at the same time: move one to another period."
    assert checks["overlap"].link == f"/mijndiploma/#offering-{b.pk}"


def test_a_duplicate(zone):
    first = zone.offer(ec=5, code="DUP1")
    again = zone.offer(ec=5, quarter=2)
    again.course = first.course
    again.save()
    verdict, checks = verdict_of(zone.compose(first, again))
    assert [c.code for c in verdict.failures] == ["duplicate"]
    assert str(checks["duplicate"].message) == (
        "DUP1 is in the programme twice (on its own or inside a module): remove one."
    )


def test_a_course_inside_a_planned_module_is_a_duplicate(zone):
    course = zone.offer(ec=5, code="INMOD")
    module = zone.offer(ec=5, module=True, quarter=2)
    module.module.courses.add(course.course)
    verdict, _checks = verdict_of(zone.compose(course, module))
    assert [c.code for c in verdict.failures] == ["duplicate"]


def test_a_completed_course(zone):
    done = zone.offer(zone.x, ec=5, code="DONE1")
    request = EnrolmentRequest.objects.create(
        student=zone.student,
        offering=done,
        home_institution=zone.home,
        host_institution=zone.x,
        status=Status.COMPLETED,
        submitted_at=timezone.now(),
    )
    Result.objects.create(
        request=request, scale="1-10", score="7.5", passed=True, ec=5, assessed_on=dt.date(2027, 4, 16)
    )
    version = zone.compose(done, zone.offer(ec=10, quarter=2))
    verdict, checks = verdict_of(version)
    assert [c.code for c in verdict.failures] == ["completed"]
    assert str(checks["completed"].message) == "You have already completed DONE1: remove it from the programme."


def test_a_failed_result_is_not_a_completed_course(zone):
    tried = zone.offer(zone.x, ec=5)
    request = EnrolmentRequest.objects.create(
        student=zone.student, offering=tried, home_institution=zone.home, host_institution=zone.x,
        status=Status.COMPLETED, submitted_at=timezone.now(),
    )  # fmt: skip
    Result.objects.create(
        request=request, scale="1-10", score="4.0", passed=False, ec=0, assessed_on=dt.date(2027, 4, 16)
    )
    verdict, _checks = verdict_of(zone.compose(tried, zone.offer(ec=5, quarter=2)))
    assert verdict.passed


def test_prerequisites_out_of_order(zone):
    basics = zone.offer(ec=5, code="BAS1", quarter=2)
    advanced = zone.offer(zone.x, ec=5, code="ADV1", quarter=1)
    advanced.course.prerequisites.add(basics.course)
    verdict, checks = verdict_of(zone.compose(basics, advanced))
    assert [c.code for c in verdict.failures] == ["prerequisites"]
    assert str(checks["prerequisites"].message) == (
        "Prerequisites are out of order (ADV1 starts before its prerequisite BAS1 ends): place each prerequisite "
        "in an earlier period."
    )
    assert checks["prerequisites"].link == f"/mijndiploma/#offering-{advanced.pk}"


def test_prerequisites_in_order_pass(zone):
    basics = zone.offer(ec=5, code="BAS2", quarter=1)
    advanced = zone.offer(zone.x, ec=5, code="ADV2", quarter=2)
    advanced.course.prerequisites.add(basics.course)
    verdict, checks = verdict_of(zone.compose(basics, advanced))
    assert verdict.passed
    assert checks["prerequisites"].ok


def test_a_prerequisite_neither_planned_nor_completed(zone):
    advanced = zone.offer(ec=10, code="ADV3")
    advanced.course.prerequisites.add(CourseFactory(institution=zone.y, code="MISS1"))
    _verdict, checks = verdict_of(zone.compose(advanced))
    assert "ADV3 needs MISS1 first, which is neither planned nor completed" in str(checks["prerequisites"].message)


@pytest.mark.parametrize("field,value", [("ec_max", Decimal("10")), ("ec_min", Decimal("10"))])
def test_limits_are_inclusive(zone, field, value):
    setattr(zone.rules, field, value)
    zone.rules.save()
    verdict, _checks = verdict_of(zone.compose(zone.offer(ec=5), zone.offer(ec=5, quarter=2)))
    assert verdict.passed
