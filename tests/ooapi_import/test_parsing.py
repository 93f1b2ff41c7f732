"""The tolerant parser on the official spec's own examples and on sloppy real-world variants.

No database, no network: each document is parsed on its own; bad ones are skipped with a reason naming the
field, usable-but-odd ones are imported with a warning."""

from __future__ import annotations

import copy
import datetime as dt
import json
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from catalogue.models import Level, Mode
from catalogue.services import SharedIn
from institutions.models import AcademicPeriod, OrganisationalUnit, Programme
from ooapi.conformance import response_violations
from ooapi.consumer import parsing
from ooapi.consumer.parsing import SessionInfo
from tests.ooapi_import.spec_examples import EXAMPLE_ID, SpecExamples

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
SPEC = SpecExamples()
PERIOD = SessionInfo("period", dt.date(2026, 9, 1), dt.date(2026, 11, 10), pk=7)
SESSIONS = {"period-1": PERIOD, "year-1": SessionInfo("year", dt.date(2026, 9, 1), dt.date(2027, 8, 31), pk=3)}


def spec_valid(example: dict, path: str) -> None:
    violations = response_violations(
        method="GET", path=path, status_code=200, content_type="application/json", body=json.dumps(example).encode()
    )
    assert violations == [], [f"{v.location}: {v.message}" for v in violations]


def problems(parsed) -> list[tuple[str, str, bool]]:
    return [(problem.field, problem.reason, problem.fatal) for problem in parsed.problems]


# The spec's own examples ------------------------------------------------------------------------------


def test_the_spec_course_example_is_valid_and_parses_completely():
    example = SPEC.of("Course")
    spec_valid(example, f"/courses/{EXAMPLE_ID}")
    parsed = parsing.parse_course(example)
    assert parsed.problems == []
    assert parsed.ooapi_id == EXAMPLE_ID
    assert parsed.code == example["primaryCode"]["code"]
    assert parsed.values["title_en"] == parsed.values["title_nl"] == "Academic and Professional Writing"
    assert parsed.values["description_en"].startswith("As with all empirical sciences")
    assert parsed.values["learning_outcomes_en"].startswith("Executable knowledge of research methods")
    assert parsed.values["ec"] == Decimal("3")
    assert (parsed.values["level"], parsed.values["eqf_level"]) == (Level.MASTER, 7)
    assert parsed.values["language"] == "nl"
    assert parsed.refs["organization"] == EXAMPLE_ID
    assert parsed.extra["themes"] is None  # no eduXchange block: the portal's themes are left alone


def test_the_spec_course_offering_example_is_valid_and_parses_completely():
    example = SPEC.of("CourseOffering")
    # The spec's example of offeringType is "component"; a course offering (what /courses/{id}/offerings
    # lists) says "course".
    example["offeringType"] = "course"
    spec_valid(example, f"/offerings/{EXAMPLE_ID}")
    parsed = parsing.parse_offering(example, sessions={})
    assert parsed.problems == []
    assert parsed.code == "INFOMQNM-20FS"
    assert parsed.refs == {"course": EXAMPLE_ID, "academicSession": EXAMPLE_ID}
    values = parsed.values
    assert (values["start_date"], values["end_date"]) == (dt.date(2019, 8, 21), dt.date(2019, 10, 23))
    # enrollEndDate is the last day open: enrolment closes when the next day begins.
    assert values["enrol_opens_at"] == dt.datetime(2019, 5, 1, tzinfo=AMSTERDAM)
    assert values["enrol_closes_at"] == dt.datetime(2019, 8, 2, tzinfo=AMSTERDAM)
    assert values["capacity"] == 200
    assert values["mode"] == Mode.ON_CAMPUS  # "situated"
    assert (values["city"], values["location"]) == ("Utrecht", "On the other side of the road")


def test_the_spec_component_offering_example_is_skipped_as_not_a_course_offering():
    parsed = parsing.parse_offering(SPEC.of("CourseOffering"), sessions={})
    assert problems(parsed) == [("offeringType", "not_course_offering", True)]
    assert parsed.problems[0].message() == (
        "a 'component' offering is not a course offering; only course offerings are imported"
    )


def test_the_spec_academic_session_example_is_valid_and_parses_as_a_period():
    example = SPEC.of("AcademicSession")
    spec_valid(example, f"/academic-sessions/{EXAMPLE_ID}")
    parsed = parsing.parse_session(example)
    assert parsed.problems == []
    assert parsed.extra["is_year"] is False
    assert parsed.values == {
        "name_nl": "Fall semester 2020",
        "name_en": "Fall semester 2020",
        "start_date": dt.date(2020, 8, 17),
        "end_date": dt.date(2020, 12, 18),
        "kind": AcademicPeriod.Kind.SEMESTER,
    }
    assert parsed.refs == {"parent": EXAMPLE_ID, "year": EXAMPLE_ID}


def test_the_spec_program_example_is_valid_and_parses_on_its_croho_code():
    example = SPEC.of("Program")
    spec_valid(example, f"/programs/{EXAMPLE_ID}")
    parsed = parsing.parse_program(example)
    assert parsed.problems == []
    assert parsed.code == parsing.other_code(example, "crohoCreboCode")
    assert parsed.values == {
        "name_nl": "Biology",
        "name_en": "Biology",
        "level": Programme.Level.MASTER,
        "language": "nl",
    }


def test_the_spec_organization_example_is_the_root_with_its_brin():
    example = SPEC.of("Organization")
    spec_valid(example, f"/organizations/{EXAMPLE_ID}")
    parsed = parsing.parse_organization(example)
    assert parsed.problems == []
    assert parsed.extra == {"root": True, "brin": "00AA"}
    faculty = {**example, "organizationType": "faculty", "parent": parsed.ooapi_id}
    unit = parsing.parse_organization(faculty)
    assert unit.problems == []
    assert unit.values["kind"] == OrganisationalUnit.Kind.FACULTY
    assert unit.refs["parent"] == parsed.ooapi_id


# Sloppy real-world variants ----------------------------------------------------------------------------


def offering(**changes) -> dict:
    doc = copy.deepcopy(SPEC.of("CourseOffering"))
    doc.update(offeringType="course", academicSession="period-1")
    for key, value in changes.items():
        if value is ...:
            doc.pop(key, None)
        else:
            doc[key] = value
    return doc


def course(**changes) -> dict:
    doc = copy.deepcopy(SPEC.of("Course"))
    for key, value in changes.items():
        if value is ...:
            doc.pop(key, None)
        else:
            doc[key] = value
    return doc


def test_empty_string_dates_fall_back_to_the_academic_session_with_a_warning():
    parsed = parsing.parse_offering(offering(startDate="", endDate=""), sessions=SESSIONS)
    assert not parsed.skipped
    assert problems(parsed) == [("startDate", "empty", False), ("endDate", "empty", False)]
    assert parsed.problems[0].message() == "startDate is empty; the academic session's dates were used"
    assert (parsed.values["start_date"], parsed.values["end_date"]) == (PERIOD.start, PERIOD.end)


def test_empty_dates_without_a_period_to_fall_back_on_skip_the_offering():
    parsed = parsing.parse_offering(offering(startDate="", academicSession="year-1"), sessions=SESSIONS)
    assert parsed.skipped
    assert problems(parsed) == [("startDate", "empty", True)]


@pytest.mark.parametrize(
    ("value", "reason"),
    [("21-08-2019", "not_a_date"), (20190821, "not_a_date"), ("2019-02-30", "not_a_date"), (None, "missing")],
)
def test_unreadable_dates_are_named_in_the_problem(value, reason):
    doc = (
        offering(startDate=value, academicSession=...)
        if value is not None
        else offering(startDate=..., academicSession=...)
    )
    parsed = parsing.parse_offering(doc, sessions=SESSIONS)
    assert problems(parsed) == [("startDate", reason, True)]


def test_a_date_time_where_a_date_belongs_is_read_as_its_date():
    parsed = parsing.parse_offering(offering(startDate="2019-08-21T09:00:00+02:00"), sessions={})
    assert parsed.problems == []
    assert parsed.values["start_date"] == dt.date(2019, 8, 21)


def test_missing_optional_blocks_get_defaults_without_complaint():
    doc = offering(
        addresses=...,
        maxNumberStudents=...,
        modeOfDelivery=...,
        enrollStartDate=...,
        enrollEndDate=...,
        consumers=...,
        primaryCode=...,
    )
    parsed = parsing.parse_offering(doc, sessions={})
    assert problems(parsed) == [("primaryCode", "missing", False)]  # matched on its id only
    assert parsed.values["city"] == parsed.values["location"] == ""
    assert "capacity" not in parsed.values and parsed.defaults["capacity"] == parsing.UNLIMITED_CAPACITY
    assert "mode" not in parsed.values and parsed.defaults["mode"] == Mode.ON_CAMPUS
    # No window: it opens ten weeks before the start and closes when the offering starts.
    assert parsed.values["enrol_closes_at"] == dt.datetime(2019, 8, 21, tzinfo=AMSTERDAM)
    assert parsed.values["enrol_opens_at"] == dt.datetime(2019, 6, 12, tzinfo=AMSTERDAM)


def test_wrong_types_of_optional_fields_are_warnings_and_the_current_value_is_kept():
    doc = offering(maxNumberStudents="many", modeOfDelivery={"mode": "online"}, addresses="Utrecht")
    parsed = parsing.parse_offering(doc, sessions={})
    assert not parsed.skipped
    assert problems(parsed) == [
        ("maxNumberStudents", "wrong_type", False),
        ("modeOfDelivery", "wrong_type", False),
        ("addresses", "wrong_type", False),
    ]
    assert parsed.problems[0].message() == (
        "maxNumberStudents should be a number, not a string; an existing item keeps its value; a new one gets 9999"
    )
    assert "capacity" not in parsed.values and "mode" not in parsed.values


def test_numbers_sent_as_strings_are_read_with_a_warning():
    parsed = parsing.parse_offering(offering(maxNumberStudents="120"), sessions={})
    assert problems(parsed) == [("maxNumberStudents", "wrong_type", False)]
    assert parsed.values["capacity"] == 120
    study_load = parsing.parse_course(course(studyLoad={"studyLoadUnit": "ects", "value": "7,5"}))
    assert study_load.problems == [] and study_load.values["ec"] == Decimal("7.5")


@pytest.mark.parametrize(("value", "expected"), [(-3, "out_of_range"), (2.5, "out_of_range"), (True, "wrong_type")])
def test_impossible_capacities_are_not_used(value, expected):
    parsed = parsing.parse_offering(offering(maxNumberStudents=value), sessions={})
    assert problems(parsed) == [("maxNumberStudents", expected, False)]
    assert "capacity" not in parsed.values


def test_unknown_enum_values_are_warnings_with_what_was_used():
    parsed = parsing.parse_offering(offering(modeOfDelivery=["online", "telepathy"]), sessions={})
    assert problems(parsed) == [("modeOfDelivery", "unknown_value", False)]
    assert parsed.values["mode"] == Mode.ONLINE
    doc = course(level="nt2-1", teachingLanguage="English", studyLoad={"studyLoadUnit": "sbu", "value": 140})
    parsed_course = parsing.parse_course(doc)
    assert problems(parsed_course) == [("teachingLanguage", "unknown_value", False), ("level", "unknown_value", False)]
    assert parsed_course.values["language"] == "en"
    assert parsed_course.values["ec"] == Decimal("5.0")  # 140 study hours at 28 hours an EC
    assert "level" not in parsed_course.values and parsed_course.defaults["level"] == Level.BACHELOR
    assert (
        parsing.parse_session({**SPEC.of("AcademicSession"), "academicSessionType": "block 7"}).values["kind"]
        == AcademicPeriod.Kind.BLOCK
    )
    unit = parsing.parse_organization({**SPEC.of("Organization"), "organizationType": "guild"})
    assert problems(unit) == [("organizationType", "unknown_value", False)]


@pytest.mark.parametrize(
    ("parse", "document", "field", "reason"),
    [
        (parsing.parse_course, course(courseId=...), "courseId", "missing"),
        (parsing.parse_course, course(name=...), "name", "missing"),
        (parsing.parse_course, course(name=[]), "name", "empty"),
        (parsing.parse_course, course(name=[{"language": "en-GB", "value": "  "}]), "name", "empty"),
        (parsing.parse_course, course(name=42), "name", "wrong_type"),
        (parsing.parse_course, course(primaryCode=..., abbreviation=...), "primaryCode", "missing"),
        (parsing.parse_course, course(courseId=["x"]), "courseId", "wrong_type"),
        (parsing.parse_offering, offering(offeringId=""), "offeringId", "empty"),
        (parsing.parse_offering, offering(name=...), "name", "missing"),
        (parsing.parse_offering, offering(course=...), "course", "missing"),
        (parsing.parse_session, {**SPEC.of("AcademicSession"), "endDate": "2020-01-01"}, "endDate", "dates_reversed"),
        (
            parsing.parse_program,
            {**SPEC.of("Program"), "otherCodes": [], "primaryCode": {"codeType": "programCode", "code": "BIO"}},
            "primaryCode",
            "no_croho",
        ),
        (parsing.parse_program, {**SPEC.of("Program"), "programType": "minor"}, "programType", "not_degree_programme"),
        (
            parsing.parse_organization,
            {**SPEC.of("Organization"), "organizationType": "faculty", "primaryCode": None},
            "primaryCode",
            "missing",
        ),
    ],
)
def test_missing_required_fields_and_wrong_types_skip_the_item_with_the_field_named(parse, document, field, reason):
    parsed = parse(document, sessions={}) if parse is parsing.parse_offering else parse(document)
    assert parsed.skipped
    fatal = [(problem.field, problem.reason) for problem in parsed.problems if problem.fatal]
    assert fatal[0] == (field, reason)


def test_an_item_that_is_not_an_object_is_skipped():
    for parse in (parsing.parse_course, parsing.parse_session, parsing.parse_program, parsing.parse_organization):
        assert problems(parse("not an object")) == [("item", "not_an_object", True)]
    assert problems(parsing.parse_offering([1, 2], sessions={})) == [("item", "not_an_object", True)]


def test_huge_texts_are_shortened_but_huge_identifiers_are_refused():
    huge = "x" * 1_000_000
    parsed = parsing.parse_course(
        course(name=[{"language": "en-GB", "value": huge}], description=[{"language": "nl-NL", "value": huge}])
    )
    assert not parsed.skipped
    assert len(parsed.values["title_en"]) == parsing.MAX_TITLE
    assert parsed.values["title_en"].endswith("…")
    assert len(parsed.values["description_nl"]) == parsing.MAX_TEXT
    assert problems(parsed) == [("name", "too_long", False), ("description", "too_long", False)]
    assert parsed.problems[0].message() == (
        "name is longer than the 255 characters the catalogue stores; the text was shortened"
    )
    for document, field in (
        (course(primaryCode={"codeType": "identifier", "code": huge}), "primaryCode.code"),
        (course(courseId=huge), "courseId"),
    ):
        skipped = parsing.parse_course(document)
        assert [(p.field, p.reason) for p in skipped.problems if p.fatal] == [(field, "too_long")]
        assert len(skipped.problems[0].message()) < 200  # the report never holds the megabyte


def test_a_reversed_enrolment_window_skips_the_offering():
    parsed = parsing.parse_offering(offering(enrollStartDate="2019-08-01", enrollEndDate="2019-05-01"), sessions={})
    assert problems(parsed) == [("enrollEndDate", "dates_reversed", True)]


def test_eduxchange_times_make_the_window_exact_and_themes_are_read():
    consumers = [
        {
            "consumerKey": "eduxchange",
            "alliances": [{"name": "x", "enrollStartTime": "09:00", "enrollEndTime": "16:59", "theme": "Energy"}],
        }
    ]
    parsed = parsing.parse_offering(offering(consumers=consumers), sessions={})
    assert parsed.values["enrol_opens_at"] == dt.datetime(2019, 5, 1, 9, 0, tzinfo=AMSTERDAM)
    assert parsed.values["enrol_closes_at"] == dt.datetime(2019, 8, 1, 17, 0, tzinfo=AMSTERDAM)
    assert parsing.parse_course(course(consumers=consumers)).extra["themes"] == ["Energy"]


def test_languages_borrow_from_each_other_and_other_languages_are_used_when_alone():
    parsed = parsing.parse_course(course(name=[{"language": "de-DE", "value": "Schreiben"}]))
    assert (parsed.values["title_nl"], parsed.values["title_en"]) == ("Schreiben", "Schreiben")
    both = parsing.parse_course(
        course(name=[{"language": "en-GB", "value": "Writing"}, {"language": "nl-NL", "value": "Schrijven"}])
    )
    assert (both.values["title_nl"], both.values["title_en"]) == ("Schrijven", "Writing")
    bare = parsing.parse_course(course(name="Writing"))
    assert bare.values["title_nl"] == "Writing"
    assert problems(bare) == [("name", "wrong_type", False)]


def test_eduxchange_alliances_are_read_with_their_theme_and_settings():
    consumers = [
        {"consumerKey": "rio", "alliances": [{"name": "elsewhere"}]},
        {
            "consumerKey": "eduxchange",
            "alliances": [
                {
                    "name": "LDE",
                    "theme": "12",
                    "selection": True,
                    "type": "deepening",
                    "visibleForGuests": True,
                    "enrollmentForGuests": "broker",
                },
                {"name": "kom", "theme": None, "themes": ["", "Gezondheid"], "visibleForOwnStudents": False},
            ],
        },
    ]
    parsed = parsing.parse_course(course(consumers=consumers))
    assert parsed.problems == []
    assert parsed.extra["alliances"] == [
        SharedIn("lde", "12", True, "deepening", True, "url", True, "broker"),
        SharedIn("kom", "Gezondheid", visible_for_own_students=False),
    ]


def test_no_eduxchange_block_leaves_publications_alone_and_an_empty_one_withdraws_them():
    assert parsing.parse_course(course()).extra["alliances"] is None
    assert parsing.parse_course(course(consumers=[{"consumerKey": "eduxchange"}])).extra["alliances"] == []
    empty = parsing.parse_course(course(consumers=[{"consumerKey": "eduxchange", "alliances": []}]))
    assert empty.extra["alliances"] == []


def test_sloppy_alliance_entries_are_warnings_with_what_was_used():
    alliances = [
        "lde",
        {"theme": "10"},
        {"name": "lde", "theme": 12, "selection": "yes", "type": "sideways", "enrollmentForGuests": "email"},
        {"name": " lde ", "theme": "13"},
        {"name": "ewuu", "theme": "x" * 300},
    ]
    parsed = parsing.parse_course(course(consumers=[{"consumerKey": "eduxchange", "alliances": alliances}]))
    assert problems(parsed) == [
        ("consumers.alliances[0].name", "missing", False),
        ("consumers.alliances[1].name", "missing", False),
        ("consumers.alliances[2].theme", "wrong_type", False),
        ("consumers.alliances[2].selection", "wrong_type", False),
        ("consumers.alliances[2].type", "unknown_value", False),
        ("consumers.alliances[2].enrollmentForGuests", "unknown_value", False),
        ("consumers.alliances[3]", "duplicate_alliance", False),
    ]
    lde, ewuu = parsed.extra["alliances"]
    assert lde == SharedIn("lde")  # every bad setting at its default
    assert len(ewuu.theme) == 100
    assert (
        parsed.problems[3].message()
        == "consumers.alliances[2].selection should be true or false, not a string; read as False"
    )
    bad_list = parsing.parse_course(course(consumers=[{"consumerKey": "eduxchange", "alliances": {"name": "lde"}}]))
    assert problems(bad_list) == [("consumers.alliances", "wrong_type", False)]
    assert bad_list.extra["alliances"] == []
