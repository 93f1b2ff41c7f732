"""The what-if and the audit on a hand-computed fixture.

The student (home programme P, rules: 10-30 EC, bachelor ≥ 10 EC, core course CORE) completed
  - DONE-A, 5 EC at X, passed; a valid precedent of P says it counts as "elective space";
  - DONE-B, 5 EC at Y, passed; no precedent, no recognition: counts nowhere;
  - FAIL-C, 5 EC at X, failed: not completed, not listed.
The composed programme (under a separate programme M, whose rules make CORE a core course too) plans
  - CORE, 5 EC at home (core course of both P and M);
  - PLAN-D, 10 EC at X, master level: counts toward M as a composed item; toward P only by a precedent
    "minor" which exists;
  - PLAN-E, 5 EC at Y: toward M as a composed item; toward P nothing.
By hand:
  toward M: DONE-A no (no precedent for M), DONE-B no, CORE core, PLAN-D item, PLAN-E item → 5+10+5 = 20 EC;
  toward P: DONE-A elective space, DONE-B no, CORE core, PLAN-D minor, PLAN-E no → 5+5+10 = 20 EC, of which
  5 completed.
Audit of M (rules 10-30 EC, bachelor ≥ 10, core CORE): counted completed 0 EC (DONE-A, DONE-B neither
planned, core nor precedent for M) → total in progress (0 done + 20 planned ≥ 10); bachelor: planned
CORE 5 + PLAN-E 5 = 10 → in progress; CORE planned → in progress.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from enrolment.models import EnrolmentRequest, Status
from institutions.models import Programme
from results.models import RecognitionPrecedent, Result
from routes.mijndiploma.models import ComposedProgramme, ProgrammeRules
from routes.mijndiploma.selectors import audit, what_if
from tests.factories import CourseFactory, ProgrammeFactory


def _completed(zone, offering, *, passed=True):
    request = EnrolmentRequest.objects.create(
        student=zone.student,
        offering=offering,
        home_institution=zone.home,
        host_institution=offering.institution,
        status=Status.COMPLETED,
        submitted_at=timezone.now(),
    )
    Result.objects.create(
        request=request,
        scale="1-10",
        score="7.0" if passed else "4.0",
        passed=passed,
        ec=offering.course.ec if passed else 0,
        assessed_on=dt.date(2026, 12, 1),
    )


@pytest.fixture
def fixture(zone):
    current: Programme = zone.student.programme
    composed_programme = ProgrammeFactory(institution=zone.home, name_en="MijnDiploma Liberal Arts")
    done_a = zone.offer(zone.x, code="DONE-A")
    done_b = zone.offer(zone.y, code="DONE-B")
    fail_c = zone.offer(zone.x, code="FAIL-C")
    for offering in (done_a, done_b):
        _completed(zone, offering)
    _completed(zone, fail_c, passed=False)
    core = zone.offer(code="CORE", quarter=2)
    plan_d = zone.offer(zone.x, code="PLAN-D", ec=10, level="master", quarter=2)
    plan_e = zone.offer(zone.y, code="PLAN-E", quarter=1)
    zone.rules.core_courses.add(core.course)
    composed_rules = ProgrammeRules.objects.create(
        programme=composed_programme, ec_min=10, ec_max=30, outside_home_max=30, level_minimums={"bachelor": 10}
    )
    composed_rules.core_courses.add(core.course)
    RecognitionPrecedent.objects.create(programme=current, course=done_a.course, counts_as="elective space")
    RecognitionPrecedent.objects.create(programme=current, course=plan_d.course, counts_as="minor")
    # An expired precedent for PLAN-E counts for nothing.
    RecognitionPrecedent.objects.create(
        programme=current, course=plan_e.course, counts_as="old", valid_until=dt.date(2020, 1, 1)
    )
    # An unrelated precedent of another programme for DONE-B counts for neither.
    RecognitionPrecedent.objects.create(programme=ProgrammeFactory(institution=zone.home), course=done_b.course)
    ComposedProgramme.objects.create(student=zone.student, programme=composed_programme).versions.create(number=1)
    return zone.compose(core, plan_d, plan_e)


def test_what_if_counts_each_course_where_it_belongs(fixture):
    result = what_if(fixture)
    table = {row.code: (row.state, row.composed, row.current) for row in result.rows}
    assert table == {
        "DONE-A": ("completed", "", "elective space"),
        "DONE-B": ("completed", "", ""),
        "CORE": ("planned", "core course", "core course"),
        "PLAN-D": ("planned", "composed item (Master)", "minor"),
        "PLAN-E": ("planned", "composed item (Bachelor)", ""),
    }
    assert result.composed_total == Decimal("20")
    assert result.current_total == Decimal("20")
    assert result.current_completed == Decimal("5")
    assert result.composed_completed == Decimal("0")
    assert result.composed_name.endswith("MijnDiploma Liberal Arts")


def test_the_audit_shows_each_requirement_met_in_progress_or_open(fixture):
    rows = [(row.label, row.status, row.detail) for row in audit(fixture)]
    assert rows == [
        ("At least 10 EC in total", "in_progress", "0 EC completed, 20 EC planned"),
        ("At least 10 EC at level Bachelor", "in_progress", "0 EC completed, 10 EC planned"),
        (f"Core course CORE {CourseFactory._meta.model.objects.get(code='CORE').title}", "in_progress", "In progress"),
    ]


def test_a_completed_course_with_a_precedent_of_the_composed_programme_counts_as_met(fixture, zone):
    done_a = CourseFactory._meta.model.objects.get(code="DONE-A")
    RecognitionPrecedent.objects.create(programme=fixture.composed.programme, course=done_a, counts_as="elective")
    zone_rules = ProgrammeRules.objects.get(programme=fixture.composed.programme)
    zone_rules.ec_min = 5
    zone_rules.save()
    first = audit(fixture)[0]
    assert (first.label, first.status, first.detail) == (
        "At least 5 EC in total",
        "met",
        "5 EC completed, 20 EC planned",
    )
