"""The database itself guards the catalogue's invariants, whatever path a write takes."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from catalogue.models import Course, Offering
from institutions.models import AcademicPeriod
from tests.factories import AcademicPeriodFactory, CourseFactory, ModuleFactory, OfferingFactory

pytestmark = pytest.mark.django_db


def refused(write) -> bool:
    try:
        with transaction.atomic():
            write()
    except IntegrityError:
        return True
    return False


def test_ec_must_be_positive():
    course = CourseFactory()
    assert refused(lambda: Course.objects.filter(pk=course.pk).update(ec=Decimal("0")))
    assert refused(lambda: Course.objects.filter(pk=course.pk).update(ec=Decimal("-5")))
    assert not refused(lambda: Course.objects.filter(pk=course.pk).update(ec=Decimal("0.5")))


def test_dates_must_be_ordered():
    offering = OfferingFactory()
    assert refused(
        lambda: Offering.objects.filter(pk=offering.pk).update(end_date=offering.start_date - dt.timedelta(days=1))
    )
    assert refused(lambda: Offering.objects.filter(pk=offering.pk).update(enrol_closes_at=offering.enrol_opens_at))
    period = AcademicPeriodFactory()
    assert refused(lambda: AcademicPeriod.objects.filter(pk=period.pk).update(end_date=period.start_date))


def test_capacity_is_never_negative_and_never_overbooked():
    offering = OfferingFactory(capacity=2)
    assert refused(lambda: Offering.objects.filter(pk=offering.pk).update(capacity=-1))
    assert refused(lambda: Offering.objects.filter(pk=offering.pk).update(seats_taken=3))
    assert not refused(lambda: Offering.objects.filter(pk=offering.pk).update(seats_taken=2))


def test_an_offering_runs_exactly_one_course_or_module():
    offering = OfferingFactory()
    module = ModuleFactory(institution=offering.institution)
    assert refused(lambda: Offering.objects.filter(pk=offering.pk).update(module=module))
    assert refused(lambda: Offering.objects.filter(pk=offering.pk).update(course=None))


def test_codes_are_unique_per_institution():
    course = CourseFactory(code="X1")
    assert refused(lambda: CourseFactory(institution=course.institution, code="X1"))
    assert not refused(lambda: CourseFactory(code="X1"))
