"""EC contracts: limits, whole positive EC, agreement with its tuition charge, and changes mid-year before
and after the deadline, each with its history row and ledger correction."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils.formats import date_format

from billing.ledger import ledger_balance
from billing.models_tuition import LedgerEntry
from billing.tuition_errors import TuitionError
from core.errors import WrongStateError
from routes.own_pace import services
from routes.own_pace.errors import DeadlinePassedError, NotFound, NotPilotedError, OwnPaceError
from routes.own_pace.models import ContractEvent, EcContract
from tests.factories import InstitutionFactory, StaffRoleFactory, StudentProfileFactory
from tests.own_pace.conftest import make_zone

pytestmark = pytest.mark.django_db


def _nothing_written():
    return EcContract.objects.count(), ContractEvent.objects.count(), LedgerEntry.objects.count()


@pytest.mark.parametrize(
    ("ec", "message"),
    [
        (11, "A contract needs at least 12 EC a year at your institution."),
        (61, "A contract can have at most 60 EC a year at your institution."),
        (Decimal("30.5"), "Contract EC must be a whole number."),
        (-30, "Contract EC must be more than zero."),
        (0, "Contract EC must be more than zero."),
    ],
)
def test_a_proposal_outside_the_limits_is_refused_and_nothing_written(zone, ec, message):
    with pytest.raises((OwnPaceError, TuitionError)) as refused:
        services.contract_propose(user=zone.student.user, academic_year_id=zone.year.pk, ec=ec)
    assert str(refused.value.message) == message
    assert _nothing_written() == (0, 0, 0)


@pytest.mark.parametrize("ec", [12, 60, Decimal("30.00")])
def test_the_limits_themselves_are_allowed(zone, ec):
    contract = services.contract_propose(user=zone.student.user, academic_year_id=zone.year.pk, ec=ec)
    assert contract.ec == int(ec) and contract.status == "proposed"
    assert list(contract.events.values_list("kind", "to_ec")) == [("proposed", int(ec))]


def test_one_contract_per_year(zone):
    services.contract_propose(user=zone.student.user, academic_year_id=zone.year.pk, ec=30)
    with pytest.raises(OwnPaceError, match="already have a contract"):
        services.contract_propose(user=zone.student.user, academic_year_id=zone.year.pk, ec=40)
    assert EcContract.objects.get().ec == 30


def test_a_year_of_another_institution_is_not_found(zone):
    other = make_zone(code="op-other")
    with pytest.raises(NotFound):
        services.contract_propose(user=zone.student.user, academic_year_id=other.year.pk, ec=30)
    assert _nothing_written() == (0, 0, 0)


def test_a_student_whose_institution_does_not_pilot_own_pace_is_refused(db):
    student = StudentProfileFactory(home_institution=InstitutionFactory(code="op-nopilot", piloted_routes=["modular"]))
    with pytest.raises(NotPilotedError):
        services.contract_propose(user=student.user, academic_year_id=1, ec=30)


def test_agreeing_charges_the_tuition_once(zone):
    contract = services.contract_propose(user=zone.student.user, academic_year_id=zone.year.pk, ec=30)
    services.contract_agree(user=zone.approver, contract_id=contract.pk)
    contract.refresh_from_db()
    assert contract.status == "agreed" and contract.agreed_by == zone.approver
    # 2601.00 / 60 × 30 × 1.10 = 1430.55
    charge = LedgerEntry.objects.get()
    assert (charge.kind, charge.amount, charge.reference) == ("charge", Decimal("1430.55"), f"contract:{contract.pk}")
    with pytest.raises(WrongStateError):
        services.contract_agree(user=zone.approver, contract_id=contract.pk)
    assert LedgerEntry.objects.count() == 1


def test_staff_of_another_institution_cannot_agree(zone):
    contract = services.contract_propose(user=zone.student.user, academic_year_id=zone.year.pk, ec=30)
    outsider = StaffRoleFactory(institution=InstitutionFactory(code="op-elsewhere"), role="home_approver").user
    board = StaffRoleFactory(institution=zone.home, role="exam_board").user
    for user in (outsider, board, zone.student.user):
        with pytest.raises(NotFound):
            services.contract_agree(user=user, contract_id=contract.pk)
    contract.refresh_from_db()
    assert contract.status == "proposed" and LedgerEntry.objects.count() == 0


def _agreed(zone, ec=30):
    contract = services.contract_propose(user=zone.student.user, academic_year_id=zone.year.pk, ec=ec)
    return services.contract_agree(user=zone.approver, contract_id=contract.pk)


def test_a_change_before_the_deadline_keeps_history_and_corrects_the_tuition(zone):
    contract = _agreed(zone)
    services.contract_change(user=zone.student.user, contract_id=contract.pk, ec=45, reason="Finishing early")
    contract.refresh_from_db()
    assert contract.ec == 45
    assert list(contract.events.values_list("kind", "from_ec", "to_ec", "reason")) == [
        ("proposed", None, 30, ""),
        ("agreed", 30, 30, ""),
        ("changed", 30, 45, "Finishing early"),
    ]
    charge, correction = LedgerEntry.objects.order_by("pk")
    assert correction.kind == "correction" and correction.corrects == charge
    # 45 EC cost 2145.83 (2601 / 60 × 45 × 1.1 = 2145.825, half up); the correction is the difference.
    assert correction.amount == Decimal("2145.83") - Decimal("1430.55")
    assert ledger_balance(zone.student) == Decimal("2145.83")
    # And back down: the net charge of the contract always equals the tuition of its EC.
    services.contract_change(user=zone.student.user, contract_id=contract.pk, ec=20, reason="Part-time job")
    assert ledger_balance(zone.student) == Decimal("953.70")  # 2601 / 60 × 20 × 1.1


def test_a_change_after_the_deadline_is_refused_and_nothing_written(db):
    late = make_zone(year_started_days_ago=151)  # the deadline (150 days after the start) was yesterday
    contract = services.contract_propose(user=late.student.user, academic_year_id=late.year.pk, ec=30)
    services.contract_agree(user=late.approver, contract_id=contract.pk)
    before = _nothing_written()
    with pytest.raises(DeadlinePassedError) as refused:
        services.contract_change(user=late.student.user, contract_id=contract.pk, ec=40, reason="Too late")
    deadline = late.year.start_date + dt.timedelta(days=150)
    assert refused.value.status_code == 409
    assert str(refused.value.message) == (
        f"Contracts for {late.year.name} could be changed until {date_format(deadline)}; that date has passed."
    )
    contract.refresh_from_db()
    assert contract.ec == 30 and _nothing_written() == before


def test_a_change_on_the_deadline_itself_is_allowed(db):
    edge = make_zone(year_started_days_ago=150)
    contract = services.contract_propose(user=edge.student.user, academic_year_id=edge.year.pk, ec=30)
    services.contract_change(user=edge.student.user, contract_id=contract.pk, ec=36, reason="Last day")
    contract.refresh_from_db()
    assert contract.ec == 36


@pytest.mark.parametrize(
    ("ec", "reason", "message"),
    [
        (Decimal("40.5"), "x", "Contract EC must be a whole number."),
        (-5, "x", "Contract EC must be more than zero."),
        (70, "x", "A contract can have at most 60 EC a year at your institution."),
        (30, "x", "The contract already has 30 EC."),
        (40, "  ", "Say why you change the contract."),
    ],
)
def test_a_bad_change_is_refused_and_nothing_written(zone, ec, reason, message):
    contract = _agreed(zone)
    before = _nothing_written()
    with pytest.raises((OwnPaceError, TuitionError)) as refused:
        services.contract_change(user=zone.student.user, contract_id=contract.pk, ec=ec, reason=reason)
    assert str(refused.value.message) == message
    contract.refresh_from_db()
    assert contract.ec == 30 and _nothing_written() == before


def test_another_students_contract_cannot_be_changed(zone):
    contract = _agreed(zone)
    other = StudentProfileFactory(home_institution=zone.home)
    with pytest.raises(NotFound):
        services.contract_change(user=other.user, contract_id=contract.pk, ec=40, reason="Tampered")
    contract.refresh_from_db()
    assert contract.ec == 30


def test_the_database_refuses_a_change_without_a_reason(zone):
    contract = _agreed(zone)
    event = ContractEvent(contract=contract, kind="changed", from_ec=30, to_ec=40, reason="")
    with pytest.raises(ValidationError):
        event.full_clean()
