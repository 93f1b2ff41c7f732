"""Catalogue endpoints: service root, organizations, academic sessions, programs, courses and offerings,
with pagination, sort, q, expand and consumer as the spec defines them, and what each client may see."""

import datetime as dt
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from ooapi.provider import mappers
from ooapi.provider.ids import Kind, derived_id
from ooapi.provider.scopes import READ
from tests.factories import CourseFactory, OfferingFactory
from tests.ooapi_provider.contract import PREFIX

pytestmark = pytest.mark.django_db


def names(response, language="en-GB"):
    return [next(n["value"] for n in item["name"] if n["language"] == language) for item in response.json()["items"]]


def codes(response):
    return [item["primaryCode"]["code"] for item in response.json()["items"]]


@pytest.fixture
def alpha(zone, make_token):
    return make_token(zone["alpha"], (READ,))


@pytest.fixture
def beta(zone, make_token):
    return make_token(zone["beta"], (READ,))


def test_service_root_needs_no_token(api, settings):
    settings.DEFAULT_FROM_EMAIL = "Flexportal <ooapi@flexportal.example>"
    response = api.get("/")
    assert response.status_code == 200
    assert response.json()["contactEmail"] == "ooapi@flexportal.example"
    assert response.json()["consumers"] == [{"consumerKey": "eduxchange"}]


# Organizations


def test_organizations_are_institutions_and_their_units_sorted_by_name(api, zone, alpha):
    response = api.get("/organizations", alpha)
    assert response.status_code == 200
    assert names(response, "nl-NL") == [
        "Faculteit Sociale Wetenschappen",
        "Hogeschool Beta",
        "Hogeschool Gamma",
        "Psychologie",
        "Universiteit Alfa",
    ]
    alfa = next(item for item in response.json()["items"] if item["shortName"] == "ALPHA")
    assert alfa["organizationType"] == "root"
    assert alfa["primaryCode"] == {"codeType": "brin", "code": "21AA"}
    assert alfa["otherCodes"] == [{"codeType": "schacHome", "code": "alpha.example.nl"}]


def test_organizations_filter_by_type_q_and_primary_code_and_sort(api, zone, alpha):
    assert codes(api.get("/organizations", alpha, organizationType="faculty")) == ["FSW"]
    assert codes(api.get("/organizations", alpha, q="psycho")) == ["PSY"]
    assert codes(api.get("/organizations", alpha, primaryCode="22BB")) == ["22BB"]
    by_id = api.get("/organizations", alpha, sort="-organizationId").json()["items"]
    assert [i["organizationId"] for i in by_id] == sorted((i["organizationId"] for i in by_id), reverse=True)


def test_organization_with_children_and_parent_expanded(api, zone, alpha):
    alfa_id = mappers.institution_id(zone["alpha"].pk)
    response = api.get(f"/organizations/{alfa_id}", alpha)
    assert response.json()["children"] == [mappers.unit_id(zone["faculty"].pk)]
    expanded = api.get(f"/organizations/{alfa_id}", alpha, expand="children").json()
    assert expanded["children"][0]["shortName"] == "FSW"
    psy = api.get(f"/organizations/{mappers.unit_id(zone['department'].pk)}", alpha, expand="parent,children").json()
    assert psy["organizationType"] == "department"
    assert psy["parent"]["shortName"] == "FSW"
    assert psy["children"] == []


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/organizations/7d3f7f0e-0000-4000-8000-000000000002", 404),
        (f"/organizations/{derived_id(Kind.COURSE, 1)}", 404),
        ("/organizations/not-a-uuid", 400),
    ],
)
def test_organization_not_found_or_malformed(api, zone, alpha, path, status):
    response = api.get(path, alpha)
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"


def test_invalid_expand_is_a_bad_request(api, zone, alpha):
    response = api.get(f"/organizations/{mappers.institution_id(zone['alpha'].pk)}", alpha, expand="children,nonsense")
    assert response.status_code == 400
    assert "expand" in response.json()["detail"]


# Academic sessions


def test_academic_sessions_years_and_periods_by_start_date(api, zone, alpha):
    response = api.get("/academic-sessions", alpha)
    items = response.json()["items"]
    assert [i["startDate"] for i in items] == sorted(i["startDate"] for i in items)
    assert {i["academicSessionType"] for i in items} == {"academic year", "semester", "quarter"}
    year_id = derived_id(Kind.ACADEMIC_YEAR, zone["year"].pk)
    in_year = api.get("/academic-sessions", alpha, year=year_id).json()["items"]
    assert [i["name"][0]["value"] for i in in_year] == ["Semester 1", "Semester 2"]
    assert len(api.get("/academic-sessions", alpha, academicSessionType="academic year").json()["items"]) == 2


def test_academic_session_year_with_children_and_period_with_year(api, zone, alpha):
    year_id = derived_id(Kind.ACADEMIC_YEAR, zone["year"].pk)
    year = api.get(f"/academic-sessions/{year_id}", alpha, expand="children").json()
    assert [child["name"][0]["value"] for child in year["children"]] == ["Semester 1", "Semester 2"]
    period = api.get(
        f"/academic-sessions/{derived_id(Kind.PERIOD, zone['future'].pk)}", alpha, expand="year,parent"
    ).json()
    assert period["year"]["academicSessionId"] == year_id
    assert period["parent"]["academicSessionType"] == "academic year"


# Programs


def test_programs_filter_and_expand(api, zone, alpha):
    response = api.get("/programs", alpha)  # Gamma's student brought Gamma's Informatica along
    assert names(response, "nl-NL") == ["Informatica", "Psychologie", "Verpleegkunde"]
    assert names(api.get("/programs", alpha, sort="-name"), "nl-NL") == ["Verpleegkunde", "Psychologie", "Informatica"]
    assert names(api.get("/programs", alpha, levelOfQualification="5")) == ["Nursing"]
    assert names(api.get("/programs", alpha, sector="university education")) == ["Psychology"]
    assert names(api.get("/programs", alpha, q="verpleeg")) == ["Nursing"]
    assert names(api.get("/programs", alpha, qualificationAwarded="BSc")) == []
    program_id = derived_id(Kind.PROGRAMME, zone["programmes"]["psychology"].pk)
    detail = api.get(f"/programs/{program_id}", alpha, expand="organization").json()
    assert detail["organization"]["shortName"] == "PSY"
    assert detail["primaryCode"]["codeType"] == "crohoCreboCode"


def test_program_filter_value_outside_the_spec_is_a_bad_request(api, zone, alpha):
    assert api.get("/programs", alpha, levelOfQualification="9").status_code == 400
    assert api.get("/programs", alpha, teachingLanguage="dutch").status_code == 400


# Courses: what each client may see


def test_courses_a_client_sees(api, zone, alpha, beta):
    # Public courses of every institution, plus everything of one's own.
    assert codes(api.get("/courses", alpha, sort="name")) == ["ALG101", "OWN201", "ENE101"]
    assert sorted(codes(api.get("/courses", beta))) == ["ALG101", "ENE101", "SEC301"]


def test_course_of_another_institution_that_is_not_shared_is_not_found(api, zone, alpha):
    secret = mappers.course_id(zone["courses"]["secret"])
    response = api.get(f"/courses/{secret}", alpha)
    assert response.status_code == 404
    assert response.json()["detail"] == "There is no such course, or your institution may not see it."


def test_course_maps_portal_fields(api, zone, alpha):
    course_id = mappers.course_id(zone["courses"]["algorithms"])
    course = api.get(f"/courses/{course_id}", alpha, expand="organization,programs").json()
    assert course["courseId"] == course_id
    assert course["name"] == [
        {"language": "nl-NL", "value": "Algoritmen"},
        {"language": "en-GB", "value": "Algorithms"},
    ]
    assert course["teachingLanguage"] == "eng"
    assert course["studyLoad"] == {"studyLoadUnit": "ects", "value": 5.0}
    assert course["level"] == "bachelor"
    assert course["learningOutcomes"] == [[{"language": "en-GB", "value": "You can sort."}]]
    assert course["organization"]["organizationType"] == "department"
    assert course["programs"] == []


def test_courses_q_level_language_and_mode(api, zone, alpha):
    assert codes(api.get("/courses", alpha, q="SEARCHING")) == ["ALG101"]
    assert codes(api.get("/courses", alpha, teachingLanguage="eng")) == ["ALG101"]
    assert codes(api.get("/courses", alpha, modeOfDelivery="online")) == ["ENE101"]
    assert codes(api.get("/courses", alpha, level="master")) == []


def test_courses_sort(api, zone, alpha):
    assert codes(api.get("/courses", alpha, sort="-name")) == ["ENE101", "OWN201", "ALG101"]
    by_id = [item["courseId"] for item in api.get("/courses", alpha, sort="courseId").json()["items"]]
    assert by_id == sorted(by_id)
    by_name_then_id = api.get("/courses", alpha, sort="name,-courseId")
    assert by_name_then_id.status_code == 200
    assert api.get("/courses", alpha, sort="title").status_code == 400


ALGORITHMS_ALLIANCES = [
    {
        "name": "euroteq",
        "theme": "Computer Science and ICT, Data, AI",
        "selection": False,
        "visibleForOwnStudents": True,
        "enrollmentForOwnStudents": "url",
        "visibleForGuests": False,
        "enrollmentForGuests": "url",
    },
    {
        "name": "lde",
        "theme": "12",
        "selection": True,
        "type": "broadening",
        "visibleForOwnStudents": True,
        "enrollmentForOwnStudents": "url",
        "visibleForGuests": True,
        "enrollmentForGuests": "url",
    },
]


def test_consumer_eduxchange_shares_what_is_published_to_an_alliance_for_partners(api, zone, alpha):
    response = api.get("/courses", alpha, consumer="eduxchange")
    # Not OWN201 nor SEC301: published, but their only offerings are for their own students.
    assert sorted(codes(response)) == ["ALG101", "ENE101"]
    by_code = {item["abbreviation"]: item for item in response.json()["items"]}
    assert by_code["ALG101"]["consumers"] == [{"consumerKey": "eduxchange", "alliances": ALGORITHMS_ALLIANCES}]
    assert by_code["ENE101"]["consumers"][0]["alliances"][0] | {"visibleForOwnStudents": None} == {
        "name": "kom",
        "theme": "Energie en duurzaamheid",
        "type": "deepening",
        "selection": False,
        "visibleForOwnStudents": None,
        "enrollmentForOwnStudents": "url",
        "visibleForGuests": False,
        "enrollmentForGuests": "url",
    }


def test_a_course_not_published_to_an_alliance_is_not_listed_for_eduxchange(api, zone, alpha):
    zone["courses"]["energy"].publications.all().delete()
    assert codes(api.get("/courses", alpha, consumer="eduxchange")) == ["ALG101"]
    energy = mappers.course_id(zone["courses"]["energy"])
    assert api.get(f"/courses/{energy}", alpha, consumer="eduxchange").status_code == 404
    assert api.get(f"/courses/{energy}/offerings", alpha, consumer="eduxchange").status_code == 404
    assert api.get(f"/courses/{energy}", alpha).status_code == 200  # still shared outside eduXchange


def test_a_single_course_for_eduxchange_has_its_consumer_block(api, zone, alpha):
    course_id = mappers.course_id(zone["courses"]["algorithms"])
    course = api.get(f"/courses/{course_id}", alpha, consumer="eduxchange", expand="coordinators").json()
    assert course["consumers"] == [{"consumerKey": "eduxchange", "alliances": ALGORITHMS_ALLIANCES}]
    assert "consumers" not in api.get(f"/courses/{course_id}", alpha).json()
    own = mappers.course_id(zone["courses"]["private"])  # published to EWUU, but for Alpha's students only
    assert api.get(f"/courses/{own}", alpha).status_code == 200
    assert api.get(f"/courses/{own}", alpha, consumer="eduxchange").status_code == 404


def test_offerings_for_eduxchange_carry_each_alliance_with_its_enrolment(api, zone, alpha):
    offering = zone["offerings"]["algorithms"]
    link = f"http://testserver/catalogue/offerings/{offering.pk}/"
    listed = api.get(f"/courses/{mappers.course_id(offering.course)}/offerings", alpha, consumer="eduxchange")
    single = api.get(
        f"/offerings/{mappers.offering_id(offering)}", alpha, consumer="eduxchange", expand="academicSession"
    )
    for body in (listed.json()["items"][0], single.json()):
        alliances = body["consumers"][0]["alliances"]
        assert [(a["name"], a["enrollmentUrl"], a.get("enrollmentUrlForGuests")) for a in alliances] == [
            ("euroteq", link, None),
            ("lde", link, link),  # LDE shows it to guests too
        ]
    private = mappers.offering_id(zone["offerings"]["private"])
    assert api.get(f"/offerings/{private}", alpha, consumer="eduxchange").status_code == 404
    assert "consumers" not in api.get(f"/offerings/{private}", alpha).json()


def test_programs_for_eduxchange_are_the_published_ones_with_their_study_load(api, zone, alpha):
    response = api.get("/programs", alpha, consumer="eduxchange")
    assert names(response) == ["Psychology", "Nursing"]
    psychology, nursing = response.json()["items"]
    assert psychology["studyLoad"] == {"studyLoadUnit": "ects", "value": 180.0}
    assert psychology["consumers"][0]["alliances"][0]["theme"] == "Digital Society"
    assert nursing["consumers"][0]["alliances"][0]["enrollmentForGuests"] == "broker"
    program_id = psychology["programId"]
    single = api.get(f"/programs/{program_id}", alpha, consumer="eduxchange", expand="coordinators,organization")
    assert single.json()["consumers"] == psychology["consumers"]
    zone["programmes"]["nursing"].publications.all().delete()
    nursing_id = derived_id(Kind.PROGRAMME, zone["programmes"]["nursing"].pk)
    assert api.get(f"/programs/{nursing_id}", alpha, consumer="eduxchange").status_code == 404
    assert api.get(f"/programs/{nursing_id}", alpha).status_code == 200


def test_program_offerings_are_an_empty_list(api, zone, alpha):
    program_id = derived_id(Kind.PROGRAMME, zone["programmes"]["psychology"].pk)
    page = api.get(f"/programs/{program_id}/offerings", alpha, consumer="eduxchange").json()
    assert (page["items"], page["hasNextPage"]) == ([], False)
    assert api.get(f"/programs/{uuid.uuid4()}/offerings", alpha).status_code == 404
    assert api.get(f"/programs/{program_id}/offerings", alpha, pageSize=3).status_code == 400


def test_unknown_consumer_is_ignored(api, zone, alpha):
    response = api.get("/courses", alpha, consumer="someone-else")
    assert sorted(codes(response)) == ["ALG101", "ENE101", "OWN201"]
    assert all("consumers" not in item for item in response.json()["items"])


# Pagination


@pytest.fixture
def many_courses(zone):
    for number in range(23):
        course = CourseFactory(institution=zone["beta"], code=f"BULK{number:02d}", title_nl=f"Bulk {number:02d}")
        OfferingFactory(course=course, period=zone["beta_period"])


def test_pagination(api, zone, alpha, many_courses):
    first = api.get("/courses", alpha).json()  # 26 courses, 10 a page by default
    assert (first["pageSize"], first["pageNumber"], first["totalPages"]) == (10, 1, 3)
    assert (first["hasPreviousPage"], first["hasNextPage"]) == (False, True)
    assert len(first["items"]) == 10
    last = api.get("/courses", alpha, pageNumber=3).json()
    assert (last["hasPreviousPage"], last["hasNextPage"], len(last["items"])) == (True, False, 6)
    seen = [c["courseId"] for n in (1, 2, 3) for c in api.get("/courses", alpha, pageNumber=n).json()["items"]]
    assert len(set(seen)) == 26
    beyond = api.get("/courses", alpha, pageNumber=4).json()
    assert beyond["items"] == [] and beyond["hasNextPage"] is False
    assert len(api.get("/courses", alpha, pageSize=50).json()["items"]) == 26


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ({"pageSize": 15}, "pageSize is not valid: it must be one of 10, 20, 50, 100, 250"),
        ({"pageSize": 1000}, "pageSize is not valid: it must be one of 10, 20, 50, 100, 250"),
        ({"pageNumber": 0}, "pageNumber is not valid: it must be at least 1"),
        ({"pageNumber": "two"}, "pageNumber is not valid: it must be a whole number"),
        ({"pageNumber": 2**31}, "pageNumber is not valid: it must be at most 2147483647"),
        ({"sort": "name,nonsense"}, "sort is not valid: it must be one of courseId, name, -courseId, -name"),
    ],
)
def test_invalid_paging_and_sort_are_bad_requests(api, zone, alpha, query, detail):
    response = api.get("/courses", alpha, **query)
    assert response.status_code == 400
    assert response.json() == {"status": "400", "title": "Bad Request", "detail": f"Query parameter {detail}"}


def test_an_empty_list_parameter_is_the_empty_list(api, zone, alpha):
    """The OpenAPI style table: form style without explode writes the empty array as "sort=". So
    "sort=" is no sort value (the default applies) and "expand=" expands nothing. (A plain client here:
    openapi-core, under the contract check, reads "sort=" as [""] instead.)"""
    plain = Client(HTTP_AUTHORIZATION=f"Bearer {alpha}")
    by_default = plain.get(f"{PREFIX}/courses").json()["items"]
    assert plain.get(f"{PREFIX}/courses", {"sort": ""}).json()["items"] == by_default
    course_id = mappers.course_id(zone["courses"]["algorithms"])
    course = plain.get(f"{PREFIX}/courses/{course_id}", {"expand": ""})
    assert course.status_code == 200
    assert isinstance(course.json()["organization"], str)


# Offerings


def test_course_offerings_default_to_those_from_today(api, zone, alpha):
    course_id = mappers.course_id(zone["courses"]["algorithms"])
    assert codes(api.get(f"/courses/{course_id}/offerings", alpha)) == ["ALG101-S2"]
    earlier = (timezone.localdate() - dt.timedelta(days=365)).isoformat()
    everything = api.get(f"/courses/{course_id}/offerings", alpha, since=earlier)
    assert codes(everything) == ["ALG101-S1", "ALG101-S2"]
    assert codes(api.get(f"/courses/{course_id}/offerings", alpha, since=earlier, sort="-startDate")) == [
        "ALG101-S2",
        "ALG101-S1",
    ]
    until = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    assert codes(api.get(f"/courses/{course_id}/offerings", alpha, since=earlier, until=until)) == ["ALG101-S1"]
    assert api.get(f"/courses/{course_id}/offerings", alpha, since="2026-13-01").status_code == 400


def test_course_offerings_q_language_mode_and_result_expected(api, zone, alpha):
    path = f"/courses/{mappers.course_id(zone['courses']['algorithms'])}/offerings"
    assert codes(api.get(path, alpha, q="sorting")) == ["ALG101-S2"]
    assert codes(api.get(path, alpha, q="energie")) == []
    assert codes(api.get(path, alpha, teachingLanguage="nld")) == []
    assert codes(api.get(path, alpha, modeOfDelivery="on campus")) == ["ALG101-S2"]
    assert codes(api.get(path, alpha, modeOfDelivery="online")) == []
    assert codes(api.get(path, alpha, resultExpected="false")) == []
    assert api.get(path, alpha, resultExpected="maybe").status_code == 400


def test_course_offering_maps_portal_fields(api, zone, alpha):
    offering = zone["offerings"]["algorithms"]
    response = api.get(f"/courses/{mappers.course_id(offering.course)}/offerings", alpha, consumer="eduxchange")
    item = response.json()["items"][0]
    assert item["offeringType"] == "course"
    assert item["academicSession"] == derived_id(Kind.PERIOD, zone["future"].pk)
    assert item["startDate"] == offering.start_date.isoformat()
    assert item["enrollStartDate"] == timezone.localtime(offering.enrol_opens_at).date().isoformat()
    assert (item["maxNumberStudents"], item["enrolledNumberStudents"]) == (30, 0)
    assert item["modeOfDelivery"] == ["on campus"]
    assert item["addresses"][0]["additional"] == [{"language": "nl-NL", "value": "Gebouw A"}]
    alliance = item["consumers"][0]["alliances"][0]
    assert alliance["enrollEndTime"] == timezone.localtime(offering.enrol_closes_at).strftime("%H:%M")
    assert alliance["enrollmentUrl"].endswith(f"/catalogue/offerings/{offering.pk}/")


def test_offering_detail_with_expand(api, zone, alpha):
    offering_id = mappers.offering_id(zone["offerings"]["algorithms"])
    plain = api.get(f"/offerings/{offering_id}", alpha).json()
    assert plain["course"] == mappers.course_id(zone["courses"]["algorithms"])
    expanded = api.get(f"/offerings/{offering_id}", alpha, expand="course,organization,academicSession").json()
    assert expanded["course"]["abbreviation"] == "ALG101"
    assert expanded["organization"]["shortName"] == "PSY"
    assert expanded["academicSession"]["name"][0]["value"] == "Semester 2"


def test_own_private_offering_is_visible_to_own_client_only(api, zone, alpha, beta):
    offering_id = mappers.offering_id(zone["offerings"]["private"])
    assert api.get(f"/offerings/{offering_id}", alpha).status_code == 200
    assert api.get(f"/offerings/{offering_id}", beta).status_code == 404


def test_module_offerings_are_not_course_offerings(api, zone, alpha):
    from tests.factories import ModuleFactory

    module_offering = OfferingFactory(
        course=None, module=ModuleFactory(institution=zone["alpha"]), period=zone["future"]
    )
    assert api.get(f"/offerings/{mappers.offering_id(module_offering)}", alpha).status_code == 404


def test_imported_objects_keep_their_source_id(api, zone, alpha):
    offering = zone["offerings"]["energy"]
    source_id = str(uuid.uuid4())
    offering.ooapi_id = source_id.upper()
    offering.save(update_fields=["ooapi_id"])
    response = api.get(f"/offerings/{source_id}", alpha)
    assert response.json()["offeringId"] == source_id
    assert api.get(f"/offerings/{derived_id(Kind.OFFERING, offering.pk)}", alpha).status_code == 404
    course = offering.course
    course.ooapi_id = "00000000-0000-4000-8000-000000000001"  # sorts before every derived id
    course.save(update_fields=["ooapi_id"])
    by_id = [item["courseId"] for item in api.get("/courses", alpha, sort="courseId").json()["items"]]
    assert by_id[0] == course.ooapi_id
    assert by_id == sorted(by_id)
    assert [i["courseId"] for i in api.get("/courses", alpha, sort="-courseId").json()["items"]] == by_id[::-1]


def test_unknown_path_and_method(api, zone, alpha):
    missing = api.get("/rooms", alpha)
    assert missing.status_code == 404
    assert missing.json()["detail"] == "This path is not part of the OOAPI v5 provider."
    wrong_method = api.request("POST", "/courses", alpha)
    assert wrong_method.status_code == 405
    assert wrong_method["Allow"] == "GET"
    assert wrong_method["Content-Type"] == "application/problem+json"
