"""Tuition per EC: the one rounding rule at its boundary, the zone's cap on the surcharge, and a year with a
resit under both policies."""

from decimal import Decimal

import pytest
from django.test import override_settings

from billing.admin import TuitionPolicyForm
from billing.ledger import ledger_balance
from billing.models_tuition import LedgerEntry, StatutoryFee, TuitionPolicy
from billing.money import to_cents
from billing.services.tuition import tuition_policy_set
from billing.tuition import amount_for, tuition_quote
from billing.tuition_errors import TuitionError
from routes.own_pace import services
from routes.own_pace.selectors import contracts_of
from tests.own_pace.conftest import passed_result

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("amount", "cents"),
    [
        ("0.004999", "0.00"),
        ("0.005", "0.01"),
        ("1.004", "1.00"),
        ("1.005", "1.01"),
        ("2.675", "2.68"),  # a float would make this 2.67 (2.67499999...)
        ("-0.005", "-0.01"),
        ("-1.004", "-1.00"),
    ],
)
def test_half_a_cent_goes_up(amount, cents):
    assert to_cents(Decimal(amount)) == Decimal(cents)


def test_money_is_never_float():
    with pytest.raises(TypeError):
        to_cents(2.675)


def test_the_amount_is_rounded_once_not_per_ec():
    # 1000 / 60 = 16.6666...; per EC rounded first would give 16.67 × 3 = 50.01, rounded once it is 50.00.
    assert amount_for(Decimal("1000"), Decimal("0"), Decimal("3")) == Decimal("50.00")
    # The boundary through the whole formula: 1500 / 60 × 1 × 1.0002 = 25.005 → 25.01 (half up).
    assert amount_for(Decimal("1500"), Decimal("0.02"), Decimal("1")) == Decimal("25.01")
    assert amount_for(Decimal("1500"), Decimal("0.01"), Decimal("1")) == Decimal("25.00")  # 25.0025


def test_a_surcharge_over_the_cap_is_refused_and_nothing_written(zone):
    with pytest.raises(TuitionError) as refused:
        tuition_policy_set(institution=zone.home, surcharge_percent=Decimal("15.01"), resit_charged=False)
    assert str(refused.value.message) == "A surcharge of 15.01% is over the zone's cap of 15%."
    zone.policy.refresh_from_db()
    assert zone.policy.surcharge_percent == Decimal("10.00") and zone.policy.resit_charged is True
    tuition_policy_set(institution=zone.home, surcharge_percent=Decimal("15"), resit_charged=False)
    zone.policy.refresh_from_db()
    assert zone.policy.surcharge_percent == Decimal("15.00")


def test_a_negative_surcharge_is_refused(zone):
    with pytest.raises(TuitionError, match="cannot be negative"):
        tuition_policy_set(institution=zone.home, surcharge_percent=Decimal("-1"), resit_charged=True)


@override_settings(BILLING_SURCHARGE_CAP_PERCENT="5")
def test_the_cap_is_the_zones_setting(zone):
    with pytest.raises(TuitionError, match="cap of 5%"):
        tuition_policy_set(institution=zone.home, surcharge_percent=Decimal("6"), resit_charged=True)


def test_the_admin_form_refuses_a_surcharge_over_the_cap(zone):
    form = TuitionPolicyForm(
        data={"institution": zone.home.pk, "surcharge_percent": "16", "resit_charged": "on"}, instance=zone.policy
    )
    assert not form.is_valid()
    assert form.errors["surcharge_percent"] == ["A surcharge of 16% is over the zone's cap of 15%."]


def test_no_statutory_fee_no_quote(zone):
    StatutoryFee.objects.all().delete()
    with pytest.raises(TuitionError, match="No statutory annual fee is set"):
        tuition_quote(institution=zone.home, academic_year=zone.year.name, ec=30)


@pytest.mark.parametrize(
    ("charged", "resit_amount", "balance"), [(True, "238.43", "1668.98"), (False, "0.00", "1430.55")]
)
def test_a_year_with_a_resit_under_both_policies(
    zone, django_capture_on_commit_callbacks, charged, resit_amount, balance
):
    TuitionPolicy.objects.filter(pk=zone.policy.pk).update(resit_charged=charged)
    contract = services.contract_propose(user=zone.student.user, academic_year_id=zone.year.pk, ec=30)
    services.contract_agree(user=zone.approver, contract_id=contract.pk)
    passed_result(zone.student, zone.basics, passed=False, attempt=1)
    with django_capture_on_commit_callbacks(execute=True):
        passed_result(zone.student, zone.basics, attempt=2)  # the resit of 5 EC
    # The year's tuition: 30 EC = 1430.55, a resit of 5 EC = 2601 / 60 × 5 × 1.1 = 238.425 → 238.43.
    (view,) = contracts_of(zone.student.user)
    assert view.quote.resit_ec == Decimal("5")
    assert view.quote.resit_amount == Decimal(resit_amount)
    assert view.quote.total == Decimal("1430.55") + Decimal(resit_amount)
    # The ledger agrees with the quote: the resit is charged once, or not at all.
    assert ledger_balance(zone.student) == Decimal(balance)
    assert LedgerEntry.objects.filter(reference__startswith="resit:").count() == (1 if charged else 0)


def test_a_resit_is_charged_once_however_often_it_is_announced(zone, django_capture_on_commit_callbacks):
    from billing.services.tuition import resit_charge

    with django_capture_on_commit_callbacks(execute=True):
        result = passed_result(zone.student, zone.basics, attempt=2)
    resit_charge(result_id=result.pk)
    assert LedgerEntry.objects.filter(reference=f"resit:{result.pk}").count() == 1


def test_a_first_attempt_is_no_resit(zone, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        passed_result(zone.student, zone.basics, attempt=1)
    assert LedgerEntry.objects.count() == 0
