"""A page costs the same number of queries whatever its size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalogue.services import course_publish
from enrolment.models import Status
from institutions.models import OrganisationalUnit
from institutions.services import Sharing, programme_publish
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
    kom = Sharing(theme=zone["alliance_themes"]["kom"])
    for number in range(ROWS):
        course = CourseFactory(institution=beta, code=f"BIG{number:03d}")
        course.themes.add(theme)
        course_publish(course=course, alliance=zone["alliances"]["kom"], sharing=kom)
        OfferingFactory(course=course, period=period)
        OfferingFactory(course=zone["courses"]["algorithms"], period=zone["future"])
        OrganisationalUnit.objects.create(
            institution=beta, code=f"U{number:03d}", name_nl=f"Eenheid {number}", name_en=f"Unit {number}"
        )
        programme_publish(
            programme=ProgrammeFactory(institution=beta, ec=240), alliance=zone["alliances"]["kom"], sharing=kom
        )
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
        "programs-eduxchange": ("/programs", {"consumer": "eduxchange"}),
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
        "programs-eduxchange",
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
