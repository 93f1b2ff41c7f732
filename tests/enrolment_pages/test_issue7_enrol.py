"""The enrol form of issue #7: routes open to the student, the motivation where home asks for one (and its
edit until the home decision), the waiting-list place before submit, one verdict for overlap and timetable
clash (warn or block as the home policy says), alternatives found by title, a closed window, and the
confirmation before a request ends."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation
from rest_framework.test import APIClient

from enrolment.eligibility import eligibility_check
from enrolment.errors import (
    MOTIVATION_LOCKED_MESSAGE,
    MOTIVATION_REQUIRED_MESSAGE,
    NOT_ALLOWED_MESSAGE,
    MotivationRequiredError,
    NotAllowedError,
    NotEligibleError,
    RouteNotOpenError,
    WrongStateError,
)
from enrolment.models import EnrolmentRequest, HomeApprovalPolicy, Status
from enrolment.services import approval, requests
from institutions.routes import Route
from tests.enrolment_pages.conftest import login
from tests.factories import CourseFactory, OfferingFactory, StudentProfileFactory

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
MONDAY_9_11 = [{"weekday": 0, "start": "09:00", "end": "11:00"}]
MONDAY_10_12 = [{"weekday": 0, "start": "10:00", "end": "12:00"}]
TUESDAY_9_11 = [{"weekday": 1, "start": "09:00", "end": "11:00"}]


@pytest.fixture(autouse=True)
def _english():
    # The rules' reasons are asserted in the English source; the portal's default language is Dutch.
    with translation.override("en"):
        yield


def offering_url(offering):
    return f"/catalogue/offerings/{offering.pk}/"


def enrol_url(offering):
    return f"/enrolment/offerings/{offering.pk}/enrol/"


def policy(zone, **fields) -> HomeApprovalPolicy:
    found, _ = HomeApprovalPolicy.objects.update_or_create(institution=zone["home"], defaults=fields)
    return found


def with_slots(offering, slots):
    offering.timeslots = slots
    offering.save(update_fields=["timeslots"])
    return offering


def checks_of(zone, offering, code="overlap"):
    verdict = eligibility_check(student=zone["student"], offering=offering)
    return verdict, [c for c in verdict.checks if c.code == code]


# --- One verdict per rule; the timetable clash -------------------------------------------------------------


def test_no_overlap_is_one_verdict(zone):
    verdict, overlap = checks_of(zone, zone["offering"])
    assert len(overlap) == 1 and overlap[0].ok
    assert not [c for c in verdict.checks if c.code == "timetable"]  # merged into the overlap rule


def test_a_clash_with_another_enrolment_warns_by_default(zone):
    with_slots(zone["selection"], MONDAY_9_11)
    with_slots(zone["offering"], MONDAY_10_12)
    requests.request_submit(user=zone["student"].user, offering_id=zone["selection"].pk)
    verdict, [check] = checks_of(zone, zone["offering"])
    assert not check.ok and not check.blocking
    assert "HOST202 Wind Farms" in str(check.message)
    assert verdict.eligible
    requests.request_submit(user=zone["student"].user, offering_id=zone["offering"].pk)  # a warning: allowed


def test_a_clash_blocks_where_the_home_policy_says_so_and_nothing_is_written(zone):
    policy(zone, timetable_clash=HomeApprovalPolicy.Clash.BLOCK)
    with_slots(zone["selection"], MONDAY_9_11)
    with_slots(zone["offering"], MONDAY_10_12)
    requests.request_submit(user=zone["student"].user, offering_id=zone["selection"].pk)
    verdict, [check] = checks_of(zone, zone["offering"])
    assert not check.ok and check.blocking and not verdict.eligible
    with pytest.raises(NotEligibleError) as refused:
        requests.request_submit(user=zone["student"].user, offering_id=zone["offering"].pk)
    assert refused.value.extra["reasons"] == ["overlap"]
    assert not EnrolmentRequest.objects.filter(offering=zone["offering"]).exists()


def test_slots_on_other_days_do_not_clash_even_where_the_policy_blocks(zone):
    policy(zone, timetable_clash=HomeApprovalPolicy.Clash.BLOCK)
    with_slots(zone["selection"], MONDAY_9_11)
    with_slots(zone["offering"], TUESDAY_9_11)
    requests.request_submit(user=zone["student"].user, offering_id=zone["selection"].pk)
    _verdict, [check] = checks_of(zone, zone["offering"])
    assert check.ok


def test_an_ended_enrolment_does_not_clash(zone):
    policy(zone, timetable_clash=HomeApprovalPolicy.Clash.BLOCK)
    with_slots(zone["selection"], MONDAY_9_11)
    with_slots(zone["offering"], MONDAY_10_12)
    other = requests.request_submit(user=zone["student"].user, offering_id=zone["selection"].pk)
    requests.request_cancel(user=zone["student"].user, request_id=other.pk)
    _verdict, [check] = checks_of(zone, zone["offering"])
    assert check.ok


def test_unknown_timetables_only_warn_even_where_the_policy_blocks(zone):
    policy(zone, timetable_clash=HomeApprovalPolicy.Clash.BLOCK)
    requests.request_submit(user=zone["student"].user, offering_id=zone["selection"].pk)
    _verdict, [check] = checks_of(zone, zone["offering"])
    assert not check.ok and not check.blocking
    assert "not known yet" in str(check.message)


def test_the_offering_page_shows_its_timetable(client, zone):
    with_slots(zone["offering"], [*TUESDAY_9_11, *MONDAY_10_12])
    page = client.get(offering_url(zone["offering"]), **EN).content.decode()
    timetable = page.split('id="timetable"', 1)[1].split("</dd>", 1)[0]
    assert timetable.index("Monday 10:00–12:00") < timetable.index("Tuesday 09:00–11:00")
    page = client.get(offering_url(zone["selection"]), **EN).content.decode()
    assert "Not known yet." in page.split('id="timetable"', 1)[1].split("</dd>", 1)[0]


# --- Routes ------------------------------------------------------------------------------------------------


def test_the_route_choices_are_the_suitable_routes_home_pilots(client, zone):
    zone["home"].piloted_routes = [Route.OWN_PACE, Route.MY_DIPLOMA, Route.MODULAR]
    zone["home"].save()
    course = zone["offering"].course
    course.suitable_routes = [Route.OFF_THE_BEATEN_PATH, Route.MY_DIPLOMA, Route.MODULAR]
    course.save()
    page = client.get(offering_url(zone["offering"]), **EN) if login(client, zone["student"].user) else None
    form = page.content.decode().split('id="enrol-form"', 1)[1]
    assert 'value="my_diploma"' in form and 'value="modular"' in form
    assert 'value="off_the_beaten_path"' not in form and 'value="own_pace"' not in form


def test_a_forged_route_is_refused_with_a_clear_message_and_nothing_written(client, zone):
    zone["home"].piloted_routes = [Route.MY_DIPLOMA]
    zone["home"].save()
    login(client, zone["student"].user)
    response = client.post(enrol_url(zone["offering"]), {"route": Route.OFF_THE_BEATEN_PATH}, **EN)
    assert response.status_code == 400
    assert "You cannot take this offering by the route you chose" in response.content.decode()
    assert not EnrolmentRequest.objects.exists()
    # Not a route at all: the same refusal, not a server error.
    response = client.post(enrol_url(zone["offering"]), {"route": "teleport"}, **EN)
    assert response.status_code == 400 and not EnrolmentRequest.objects.exists()


def test_the_service_and_the_api_refuse_a_route_that_is_not_open(zone):
    zone["offering"].course.suitable_routes = [Route.MODULAR]
    zone["offering"].course.save()
    zone["home"].piloted_routes = [Route.MODULAR, Route.OWN_PACE]
    zone["home"].save()
    with pytest.raises(RouteNotOpenError) as refused:
        requests.request_submit(user=zone["student"].user, offering_id=zone["offering"].pk, route=Route.OWN_PACE)
    assert "Modular (Modulair studeren)" in str(refused.value.message)
    api = APIClient()
    api.force_authenticate(zone["student"].user)
    answer = api.post("/api/enrolments/", {"offering": zone["offering"].pk, "route": "own_pace"}, format="json")
    assert answer.status_code == 400 and answer.json()["code"] == "route_not_open"
    assert not EnrolmentRequest.objects.exists()
    # Left out, the route is the first open one.
    answer = api.post("/api/enrolments/", {"offering": zone["offering"].pk}, format="json")
    assert answer.status_code == 201 and answer.json()["route"] == "modular"


def test_no_route_open_is_a_failed_rule(zone):
    zone["home"].piloted_routes = []
    zone["home"].save()
    verdict, [check] = checks_of(zone, zone["offering"], code="routes")
    assert not check.ok and not verdict.eligible


# --- The motivation ----------------------------------------------------------------------------------------


def test_the_motivation_is_optional_unless_home_asks_for_one(client, zone):
    login(client, zone["student"].user)
    page = client.get(offering_url(zone["offering"]), **EN).content.decode()
    assert "Motivation (optional)" in page
    policy(zone, motivation_required=True)
    page = client.get(offering_url(zone["offering"]), **EN).content.decode()
    assert "Motivation (optional)" not in page
    assert "Your home institution asks for a motivation" in page
    assert '<textarea name="motivation"' in page and "required" in page.split('<textarea name="motivation"')[1][:200]


def test_home_asking_for_a_motivation_refuses_an_empty_one(client, zone):
    policy(zone, motivation_required=True)
    with pytest.raises(MotivationRequiredError):
        requests.request_submit(user=zone["student"].user, offering_id=zone["offering"].pk, motivation="  ")
    api = APIClient()
    api.force_authenticate(zone["student"].user)
    answer = api.post("/api/enrolments/", {"offering": zone["offering"].pk}, format="json")
    assert answer.status_code == 400 and answer.json()["detail"] == str(MOTIVATION_REQUIRED_MESSAGE)
    assert not EnrolmentRequest.objects.exists()


def test_the_student_edits_the_motivation_until_the_home_decision(client, zone, submitted):
    login(client, zone["student"].user)
    page = client.get(f"/enrolment/requests/{submitted.public_id}/", **EN).content.decode()
    assert 'id="motivation-form"' in page
    response = client.post(f"/enrolment/requests/{submitted.public_id}/motivation/", {"motivation": "Better"}, **EN)
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.motivation == "Better" and submitted.status == Status.SUBMITTED

    approval.home_approve(user=zone["staff"]["approver"], request_id=submitted.pk)
    with pytest.raises(WrongStateError) as locked:
        requests.request_motivation_edit(user=zone["student"].user, request_id=submitted.pk, motivation="Later")
    assert locked.value.message == MOTIVATION_LOCKED_MESSAGE
    response = client.post(f"/enrolment/requests/{submitted.public_id}/motivation/", {"motivation": "Later"}, **EN)
    assert response.status_code == 409
    page = client.get(f"/enrolment/requests/{submitted.public_id}/", **EN).content.decode()
    assert 'id="motivation-form"' not in page
    submitted.refresh_from_db()
    assert submitted.motivation == "Better"


@pytest.mark.parametrize("who", ["other_student", "approver", "other_approver", "admissions", "coordinator"])
def test_only_the_owner_edits_the_motivation(zone, submitted, who):
    user = {
        "other_student": zone["students"][1].user,
        "coordinator": zone["coordinator"],
        **zone["staff"],
    }[who]
    with pytest.raises(NotAllowedError):
        requests.request_motivation_edit(user=user, request_id=submitted.pk, motivation="Not mine")
    submitted.refresh_from_db()
    assert submitted.motivation == "Fits my minor"


def test_the_motivation_api(zone, submitted):
    owner, other = APIClient(), APIClient()
    owner.force_authenticate(zone["student"].user)
    other.force_authenticate(zone["staff"]["approver"])  # home staff see the request, but it is not theirs
    url = f"/api/enrolments/{submitted.public_id}/motivation/"
    answer = other.post(url, {"motivation": "Staff text"}, format="json")
    assert answer.status_code == 403 and answer.json()["detail"] == str(NOT_ALLOWED_MESSAGE)
    answer = owner.post(url, {"motivation": "My own words"}, format="json")
    assert answer.status_code == 200 and answer.json()["motivation"] == "My own words"
    policy(zone, motivation_required=True)
    answer = owner.post(url, {"motivation": ""}, format="json")
    assert answer.status_code == 400
    submitted.refresh_from_db()
    assert submitted.motivation == "My own words"


def test_the_motivation_of_the_ranked_alternatives_follows(zone):
    first = requests.request_submit(
        user=zone["student"].user,
        offering_id=zone["offering"].pk,
        alternatives=[zone["selection"].pk],
        motivation="Old",
    )
    requests.request_motivation_edit(user=zone["student"].user, request_id=first.pk, motivation="New")
    assert set(
        EnrolmentRequest.objects.filter(choice_group=first.choice_group).values_list("motivation", flat=True)
    ) == {"New"}


# --- Full offerings, closed windows ------------------------------------------------------------------------


def test_a_full_offering_tells_the_place_on_the_waiting_list_before_submit(client, zone):
    offering = zone["offering"]  # two seats
    for student in zone["students"][1:4]:
        requests.request_submit(user=student.user, offering_id=offering.pk)
    offering.seats_taken = offering.capacity
    offering.save(update_fields=["seats_taken"])
    login(client, zone["student"].user)
    page = client.get(offering_url(offering), **EN).content.decode()
    assert "This course is full: you will be placed on the waiting list, at about place 4." in page
    assert "Submit and join the waiting list" in page


def test_an_offering_with_seats_gives_no_waiting_list_warning(client, zone):
    login(client, zone["student"].user)
    page = client.get(offering_url(zone["offering"]), **EN).content.decode()
    assert 'id="waitlist-warning"' not in page


def test_a_closed_window_says_closed(client, zone):
    offering = zone["offering"]
    offering.enrol_opens_at = timezone.now() - dt.timedelta(days=10)
    offering.enrol_closes_at = timezone.now() - dt.timedelta(days=1)
    offering.save()
    login(client, zone["student"].user)
    page = client.get(offering_url(offering), **EN).content.decode()
    assert "Enrolment for this offering is closed." in page
    assert "cannot enrol in this offering yet" not in page


# --- Alternatives by title ---------------------------------------------------------------------------------


def test_alternatives_are_found_by_title(client, zone):
    login(client, zone["student"].user)
    url = f"/enrolment/offerings/{zone['offering'].pk}/enrol/alternatives/"
    fragment = client.get(url, {"slot": "1", "alternative_1_q": "wind"}, **EN).content.decode()
    assert f'name="alternative_1" value="{zone["selection"].pk}"' in fragment and "Wind Farms" in fragment
    # The offering itself is no alternative to itself; words that match nothing say so.
    fragment = client.get(url, {"slot": "2", "alternative_2_q": "energy"}, **EN).content.decode()
    assert f'value="{zone["offering"].pk}"' not in fragment and "No open offering matches" in fragment


def test_without_javascript_the_search_runs_on_the_enrol_page(client, zone):
    login(client, zone["student"].user)
    typed = {"alternative_1_q": "Wind", "motivation": "Half written", "route": "off_the_beaten_path"}
    page = client.get(enrol_url(zone["offering"]), typed, **EN).content.decode()
    assert f'id="alternative-1-{zone["selection"].pk}"' in page
    assert "Half written</textarea>" in page  # what was typed before searching is kept


def test_a_chosen_alternative_becomes_the_second_choice(client, zone):
    login(client, zone["student"].user)
    response = client.post(
        enrol_url(zone["offering"]), {"route": "off_the_beaten_path", "alternative_1": zone["selection"].pk}, **EN
    )
    assert response.status_code == 302
    draft = EnrolmentRequest.objects.get(offering=zone["selection"])
    assert draft.rank == 2 and draft.status == Status.DRAFT


# --- Confirmation before a request ends --------------------------------------------------------------------


def test_cancelling_asks_for_confirmation_first(client, zone, submitted):
    login(client, zone["student"].user)
    url = f"/enrolment/requests/{submitted.public_id}/act/"
    response = client.post(url, {"verb": "cancel"}, **EN)
    assert response.status_code == 200
    page = response.content.decode()
    assert "are you sure?" in page and 'name="confirmed"' in page
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED
    response = client.post(url, {"verb": "cancel", "confirmed": "on"}, **EN)
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Status.CANCELLED


def test_a_student_of_another_home_is_not_offered_a_confirmation(client, zone, submitted):
    stranger = StudentProfileFactory(home_institution=zone["other"])
    login(client, stranger.user)
    response = client.post(f"/enrolment/requests/{submitted.public_id}/act/", {"verb": "cancel"}, **EN)
    assert response.status_code == 404


def test_an_offering_for_modules_only_is_closed_to_a_course_route(zone):
    module_offering = OfferingFactory(
        course=CourseFactory(institution=zone["host"], suitable_routes=[Route.MODULAR]),
        period=zone["period"],
        **zone["window"],
    )
    with pytest.raises(RouteNotOpenError):
        requests.request_submit(
            user=zone["student"].user, offering_id=module_offering.pk, route=Route.OFF_THE_BEATEN_PATH
        )
