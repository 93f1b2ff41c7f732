"""A page costs the same number of queries whatever its size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from enrolment.models import Status
from institutions.models import OrganisationalUnit
from ooapi.models import AssociationResult
from ooapi.provider import mappers
from tests.factories import (
    AcademicPeriodFactory,
    CourseFactory,
    OfferingFactory,
    ProgrammeFactory,
    StudentProfileFactory,
    ThemeFactory,
)
from tests.ooapi_provider.conftest import request_in

pytestmark = pytest.mark.django_db

ROWS = 100  # enough to fill the larger page below


@pytest.fixture
def big_zone(zone):
    beta, period = zone["beta"], zone["beta_period"]
    theme = ThemeFactory()
    for number in range(ROWS):
        course = CourseFactory(institution=beta, code=f"BIG{number:03d}")
        course.themes.add(theme)
        OfferingFactory(course=course, period=period)
        OfferingFactory(course=zone["courses"]["algorithms"], period=zone["future"])
        OrganisationalUnit.objects.create(
            institution=beta, code=f"U{number:03d}", name_nl=f"Eenheid {number}", name_en=f"Unit {number}"
        )
        ProgrammeFactory(institution=beta)
        AcademicPeriodFactory(academic_year=period.academic_year, sequence=10 + number)
        request = request_in(
            [Status.HOME_APPROVED, Status.REGISTERED, Status.WAITLISTED][number % 3],
            student=StudentProfileFactory(home_institution=beta),
            offering=zone["offerings"]["algorithms"],
        )
        if number % 2:
            AssociationResult.objects.create(
                request=request,
                institution=zone["alpha"],
                result={
                    "state": "completed",
                    "resultDate": "2027-06-30",
                    "studyLoad": {"studyLoadUnit": "ects", "value": 5},
                },
            )
    return zone


def paths(zone):
    algorithms = zone["offerings"]["algorithms"]
    return {
        "courses": ("/courses", {}),
        "courses-eduxchange": ("/courses", {"consumer": "eduxchange"}),
        "course-offerings": (f"/courses/{mappers.course_id(algorithms.course)}/offerings", {"consumer": "eduxchange"}),
        "programs": ("/programs", {}),
        "organizations": ("/organizations", {}),
        "academic-sessions": ("/academic-sessions", {}),
        "associations": (f"/offerings/{mappers.offering_id(algorithms)}/associations", {}),
    }


@pytest.mark.parametrize(
    "name",
    [
        "courses",
        "courses-eduxchange",
        "course-offerings",
        "programs",
        "organizations",
        "academic-sessions",
        "associations",
    ],
)
def test_query_count_does_not_grow_with_page_size(api, big_zone, make_token, django_assert_max_num_queries, name):
    token = make_token(big_zone["alpha"])
    path, query = paths(big_zone)[name]
    counts = {}
    for size in (10, 100):
        with CaptureQueriesContext(connection) as queries:
            response = api.get(path, token, pageSize=size, **query)
        assert response.status_code == 200
        assert len(response.json()["items"]) == size
        counts[size] = len(queries)
    assert counts[10] == counts[100]
    with django_assert_max_num_queries(6):
        api.get(path, token, pageSize=250, **query)
