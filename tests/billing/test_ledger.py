"""The ledger always balances: under any sequence of charges, corrections and credits, the balance is the sum
of the signed amounts, each rounded once; every correction names an entry of the same ledger; the CSV's last
running balance is the balance. And what it refuses, it refuses without writing."""

import csv
import io
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.ledger import ledger_balance, ledger_csv, ledger_rows
from billing.models_tuition import LedgerEntry
from billing.money import to_cents
from billing.services.tuition import ledger_charge, ledger_correct, ledger_credit
from billing.tuition_errors import LedgerEntryNotFoundError, LedgerError
from tests.factories import InstitutionFactory, StudentProfileFactory

pytestmark = pytest.mark.django_db

# Amounts with up to four decimals, so the rounding rule is at work in most of them.
amounts = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("99999"), places=4)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("charge"), amounts),
        st.tuples(st.just("credit"), amounts),
        st.tuples(st.just("correct"), amounts, st.booleans(), st.integers(min_value=0, max_value=50)),
    ),
    max_size=25,
)


class Rollback(Exception):
    pass


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_the_ledger_balances_under_any_sequence(ops):
    try:
        with transaction.atomic():
            _run(ops)
            raise Rollback  # each example starts from an empty ledger
    except Rollback:
        pass


def _run(ops):
    institution = InstitutionFactory(code="ledger-h")
    student = StudentProfileFactory(home_institution=institution)
    expected = Decimal("0")
    posted: list[LedgerEntry] = []
    for op in ops:
        if op[0] in ("charge", "credit"):
            post = ledger_charge if op[0] == "charge" else ledger_credit
            if to_cents(op[1]) == 0:  # less than half a cent: refused, and nothing is written
                with pytest.raises(LedgerError):
                    post(student_id=student.pk, institution=institution, amount=op[1], description="0")
                continue
            entry = post(student_id=student.pk, institution=institution, amount=op[1], description=op[0])
            expected += to_cents(op[1]) if op[0] == "charge" else -to_cents(op[1])
        else:
            _kind, amount, negative, index = op
            signed = -amount if negative else amount
            if not posted:
                continue
            target = posted[index % len(posted)]
            if to_cents(signed) == 0:
                with pytest.raises(LedgerError):
                    ledger_correct(student_id=student.pk, corrects_id=target.pk, amount=signed, description="0")
                continue
            entry = ledger_correct(student_id=student.pk, corrects_id=target.pk, amount=signed, description="x")
            expected += to_cents(signed)
            assert entry.corrects_id == target.pk
        posted.append(entry)
    balance = ledger_balance(student)
    assert balance == expected
    assert balance == sum((e.amount for e in LedgerEntry.objects.filter(student=student)), Decimal("0"))
    assert all(e.amount == to_cents(e.amount) for e in posted)
    rows = ledger_rows(student)
    assert (rows[-1]["balance"] if rows else Decimal("0")) == balance
    exported = list(csv.DictReader(io.StringIO(ledger_csv(student))))
    assert len(exported) == len(posted)
    assert Decimal(exported[-1]["balance"] if exported else "0") == balance
    for entry in LedgerEntry.objects.filter(student=student, kind="correction").select_related("corrects"):
        assert entry.corrects.student_id == student.pk


def test_refusals_write_nothing():
    institution = InstitutionFactory(code="ledger-r")
    student, other = StudentProfileFactory(home_institution=institution), StudentProfileFactory()
    charge = ledger_charge(student_id=student.pk, institution=institution, amount=Decimal("10"), description="c")
    others = ledger_charge(student_id=other.pk, institution=institution, amount=Decimal("5"), description="c")
    refusals = [
        (
            lambda: ledger_charge(
                student_id=student.pk, institution=institution, amount=Decimal("0.004"), description="x"
            ),
            LedgerError,
        ),
        (
            lambda: ledger_charge(
                student_id=student.pk, institution=institution, amount=Decimal("-1"), description="x"
            ),
            LedgerError,
        ),
        (
            lambda: ledger_credit(
                student_id=student.pk, institution=institution, amount=Decimal("-1"), description="x"
            ),
            LedgerError,
        ),
        (
            lambda: ledger_correct(
                student_id=student.pk, corrects_id=charge.pk, amount=Decimal("0.001"), description="x"
            ),
            LedgerError,
        ),
        (
            lambda: ledger_correct(student_id=student.pk, corrects_id=others.pk, amount=Decimal("1"), description="x"),
            LedgerError,
        ),
        (
            lambda: ledger_correct(student_id=student.pk, corrects_id=999999, amount=Decimal("1"), description="x"),
            LedgerEntryNotFoundError,
        ),
    ]
    for call, error in refusals:
        with pytest.raises(error):
            call()
    assert LedgerEntry.objects.count() == 2
    assert ledger_balance(student) == Decimal("10.00")


def test_a_charge_with_a_reference_is_posted_once():
    institution = InstitutionFactory(code="ledger-o")
    student = StudentProfileFactory(home_institution=institution)
    first = ledger_charge(
        student_id=student.pk, institution=institution, amount=Decimal("10"), description="c", reference="contract:1"
    )
    again = ledger_charge(
        student_id=student.pk, institution=institution, amount=Decimal("99"), description="c", reference="contract:1"
    )
    assert first.pk == again.pk and ledger_balance(student) == Decimal("10.00")


def test_the_csv_cannot_carry_a_formula():
    institution = InstitutionFactory(code="ledger-f")
    student = StudentProfileFactory(home_institution=institution)
    ledger_charge(student_id=student.pk, institution=institution, amount=Decimal("1"), description="=HYPERLINK(1)")
    (row,) = csv.DictReader(io.StringIO(ledger_csv(student)))
    assert row["description"] == "'=HYPERLINK(1)"
    assert row["amount"] == "1.00" and row["balance"] == "1.00"
