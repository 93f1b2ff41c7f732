"""Recognition: conversion at its edges, precedents (matching, expired, another programme), the board's
decision on the three axes (who, which institution, which state), pre-approval as the home approval,
and a cross-faculty enrolment inside the student's own institution."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.utils import timezone

from accounts.models import StaffRole
from core.errors import ConflictError
from enrolment.models import RequestEvent, Status
from enrolment.services.requests import request_submit
from institutions.models import OrganisationalUnit
from results.conversion import Table, convert, round_half_up
from results.errors import ResultError
from results.models import ConversionRow, ConversionTable, Recognition, RecognitionPrecedent
from results.scales import Scale, parse
from results.services.recognition import (
    RecognitionNotFoundError,
    recognition_decide,
    recognition_preapproval_ask,
)
from results.services.results import ResultInput, result_record
from tests.factories import (
    AcademicPeriodFactory,
    CourseFactory,
    OfferingFactory,
    ProgrammeFactory,
    StaffRoleFactory,
)

PERCENT_TO_NL = Table(((("0"), D("1.0")), ("55", D("5.5")), ("100", D("10.0"))), D("5.5"), "tenth")
LETTER_TO_NL = Table((("A", D("9.0")), ("B+", D("8.0")), ("C", D("6.5")), ("D-", D("5.5")), ("F", D("3.0"))), D("5.5"))


def test_rounding_at_the_boundary_is_half_up():
    assert round_half_up(D("5.45"), "tenth") == D("5.5")
    assert round_half_up(D("5.449"), "tenth") == D("5.4")
    assert round_half_up(D("6.25"), "half") == D("6.5")
    assert round_half_up(D("6.24"), "half") == D("6.0")


def test_a_percentage_is_interpolated_between_points():
    assert convert(parse(Scale.PERCENT, "72"), PERCENT_TO_NL) == D("7.2")  # 5.5 + 17/45 × 4.5 = 7.2
    assert convert(parse(Scale.PERCENT, "100"), PERCENT_TO_NL) == D("10.0")


def test_the_pass_threshold_keeps_the_verdict():
    harsh = Table((("0", D("1.0")), ("100", D("8.0"))), D("5.5"))  # 55 % would convert to 4.9
    assert convert(parse(Scale.PERCENT, "55"), harsh) == D("5.5")  # a pass stays a pass
    lenient = Table((("0", D("4.0")), ("100", D("10.0"))), D("5.5"))  # 54 % would convert to 7.2
    assert convert(parse(Scale.PERCENT, "54"), lenient) == D("5.4")  # a fail stays a fail


def test_a_letter_scale_maps_to_one_to_ten():
    assert convert(parse(Scale.LETTER, "b+"), LETTER_TO_NL) == D("8.0")
    assert convert(parse(Scale.LETTER, "D-"), LETTER_TO_NL) == D("5.5")
    assert convert(parse(Scale.LETTER, "F"), LETTER_TO_NL) == D("3.0")


pytestmark = pytest.mark.django_db


@pytest.fixture
def board(zone):
    """The student follows a programme at home; the home's examination board; a general 0-100 table."""
    zone.programme = ProgrammeFactory(institution=zone.home)
    zone.student.programme = zone.programme
    zone.student.save(update_fields=["programme"])
    zone.board = StaffRoleFactory(institution=zone.home, role=StaffRole.Role.EXAMINATION_BOARD).user
    zone.other_board = StaffRoleFactory(institution=zone.other, role=StaffRole.Role.EXAMINATION_BOARD).user
    table = ConversionTable.objects.create(
        name="0-100 → 1-10", from_scale="0-100", to_scale="1-10", pass_threshold=D("5.5"), rounding_rule="Half up."
    )
    for source, target in (("0", "1.0"), ("55", "5.5"), ("100", "10.0")):
        ConversionRow.objects.create(table=table, from_score=source, to_score=D(target))
    return zone


def record(zone, request, **overrides):
    values = {"scale": "0-100", "score": "72", "ec": "5", "assessed_on": zone.offering.end_date} | overrides
    return result_record(user=zone.host_admissions, request_id=request.pk, data=ResultInput(**values))


def precedent(zone, **overrides):
    values = {"programme": zone.programme, "course": zone.offering.course, "counts_as": "elective space"}
    return RecognitionPrecedent.objects.create(**(values | overrides))


def test_a_pass_goes_to_the_boards_queue_converted(board):
    request = board.registered()
    record(board, request)
    recognition = Recognition.objects.get(request=request)
    assert (recognition.kind, recognition.status, recognition.converted_score) == ("credit", "waiting", "7.2")
    assert recognition.scope == Recognition.Scope.INSTITUTION and recognition.programme == board.programme


def test_a_fail_asks_no_recognition(board):
    request = board.registered()
    record(board, request, score="40", ec="0")
    assert not Recognition.objects.exists()


def test_a_matching_valid_precedent_decides_and_is_named(board):
    kept = precedent(board, valid_until=board.today + dt.timedelta(days=30))
    request = board.registered()
    record(board, request)
    recognition = Recognition.objects.get(request=request)
    assert (recognition.status, recognition.precedent, recognition.counts_as) == ("recognised", kept, "elective space")
    assert f"precedent {kept.pk}" in recognition.reason


def test_an_expired_precedent_decides_nothing(board):
    precedent(board, valid_until=board.offering.end_date - dt.timedelta(days=1))
    request = board.registered()
    record(board, request)
    assert Recognition.objects.get(request=request).status == "waiting"


def test_a_precedent_for_another_programme_decides_nothing(board):
    precedent(board, programme=ProgrammeFactory(institution=board.home))
    request = board.registered()
    record(board, request)
    assert Recognition.objects.get(request=request).status == "waiting"


def waiting(board):
    request = board.registered()
    record(board, request)
    return Recognition.objects.get(request=request)


def test_the_board_decides_with_reason_conversion_and_a_precedent(board):
    item = waiting(board)
    decided = recognition_decide(
        user=board.board,
        recognition_id=item.pk,
        recognised=True,
        reason="Fits the minor",
        counts_as="minor",
        make_precedent=True,
    )
    assert (decided.status, decided.converted_score, decided.counts_as, decided.decided_by) == (
        "recognised",
        "7.2",
        "minor",
        board.board,
    )
    kept = RecognitionPrecedent.objects.get()
    assert (kept.programme, kept.course, kept.from_recognition) == (board.programme, board.offering.course, decided)
    with pytest.raises(ConflictError):  # from which state: decided once
        recognition_decide(user=board.board, recognition_id=item.pk, recognised=False, reason="changed my mind")


@pytest.mark.parametrize("who", ["other_board", "home_approver", "host_admissions", "student"])
def test_only_the_students_home_board_decides(board, who):
    item = waiting(board)
    user = board.student.user if who == "student" else getattr(board, who)
    with pytest.raises(RecognitionNotFoundError):
        recognition_decide(user=user, recognition_id=item.pk, recognised=True, reason="x", counts_as="y")
    item.refresh_from_db()
    assert item.status == "waiting"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"reason": " "}, "reason"),
        ({"reason": "ok", "counts_as": ""}, "counts as"),
        ({"reason": "ok", "counts_as": "minor", "converted_score": "12"}, "not a score"),
    ],
)
def test_a_decision_without_what_it_needs_is_refused(board, arguments, message):
    item = waiting(board)
    with pytest.raises(ResultError, match=message):
        recognition_decide(user=board.board, recognition_id=item.pk, recognised=True, **arguments)
    item.refresh_from_db()
    assert item.status == "waiting"


def future_offering(board):
    start = board.today + dt.timedelta(days=40)
    period = AcademicPeriodFactory(
        academic_year=board.offering.period.academic_year, start_date=start, end_date=start + dt.timedelta(days=60)
    )
    return OfferingFactory(
        course=CourseFactory(institution=board.host, code="RS303", ec=5),
        institution=board.host,
        period=period,
        start_date=period.start_date,
        end_date=period.end_date,
        enrol_opens_at=timezone.now() - dt.timedelta(days=1),
        enrol_closes_at=timezone.now() + dt.timedelta(days=20),
    )


def test_a_granted_pre_approval_is_the_home_approval(board):
    offering = future_offering(board)
    request = request_submit(user=board.student.user, offering_id=offering.pk)
    assert request.status == Status.SUBMITTED
    with pytest.raises(RecognitionNotFoundError):  # only the student asks
        recognition_preapproval_ask(user=board.board, request_id=request.pk)
    asked = recognition_preapproval_ask(user=board.student.user, request_id=request.pk)
    with pytest.raises(ConflictError):
        recognition_preapproval_ask(user=board.student.user, request_id=request.pk)
    recognition_decide(user=board.board, recognition_id=asked.pk, recognised=True, reason="fits", counts_as="minor")
    request.refresh_from_db()
    assert request.status not in (Status.SUBMITTED, Status.HOME_DENIED)
    approval = RequestEvent.objects.get(request=request, to_status=Status.HOME_APPROVED)
    assert (approval.actor_role, approval.reason) == ("exam_board", "recognition_precedent")


def test_pre_approval_is_asked_before_the_course_starts(board):
    request = board.registered()
    with pytest.raises(ConflictError):
        recognition_preapproval_ask(user=board.student.user, request_id=request.pk)


def test_a_cross_faculty_course_at_the_own_institution(board):
    """The student's own institution, another faculty: the enrolment works and recognition says where."""
    law = OrganisationalUnit.objects.create(institution=board.home, code="LAW", name_nl="Rechten", name_en="Law")
    science = OrganisationalUnit.objects.create(
        institution=board.home, code="SCI", name_nl="Bètawetenschappen", name_en="Science"
    )
    board.programme.unit = law
    board.programme.save(update_fields=["unit"])
    start = board.today + dt.timedelta(days=40)
    offering = OfferingFactory(
        course=CourseFactory(institution=board.home, code="SCI101", ec=5, unit=science),
        institution=board.home,
        period=AcademicPeriodFactory(
            academic_year__institution=board.home, start_date=start, end_date=start + dt.timedelta(days=60)
        ),
        start_date=start,
        end_date=start + dt.timedelta(days=60),
        enrol_opens_at=timezone.now() - dt.timedelta(days=1),
        enrol_closes_at=timezone.now() + dt.timedelta(days=20),
        visible_own_students=True,
    )
    request = request_submit(user=board.student.user, offering_id=offering.pk)
    assert request.host_institution_id == request.home_institution_id
    asked = recognition_preapproval_ask(user=board.student.user, request_id=request.pk)
    assert asked.scope == Recognition.Scope.FACULTY
