"""The settlement statement against the hand-computed fixture in ``world.py``."""

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.selectors_settlement import settlement_matrix, statement_build
from tests.settlement.world import YEAR


def test_statement_matches_the_hand_computed_fixture(zone):
    statement = statement_build(year=YEAR)
    rows = {(r.payer.code, r.payee.code): r for r in statement.rows}
    assert set(rows) == {("aa", "bb"), ("aa", "cc"), ("bb", "aa")}

    # AA → BB: requests 1, 2 and 3. 7.5 × 33.33 + 7.5 × 33.33 + 4.5 × 33.33 = 249.975 + 249.975 + 149.985
    # = 649.935, rounded once, half up: 649.94 (rounding each line first would give 649.95).
    assert rows["aa", "bb"].amount == Decimal("649.94")
    assert rows["aa", "bb"].enrolments == 3
    assert rows["aa", "bb"].ec == Decimal("19.5")  # 7.5 + 7.5 + 4.5
    assert rows["aa", "bb"].untariffed == 0
    # BB → AA: request 7, one course at 400.00 per course.
    assert rows["bb", "aa"].amount == Decimal("400.00")
    assert rows["bb", "aa"].enrolments == 1
    # AA → CC: request 8, no tariff: nothing owed, and counted as without tariff.
    assert rows["aa", "cc"].amount == Decimal("0.00")
    assert rows["aa", "cc"].untariffed == 1
    assert rows["aa", "cc"].all_untariffed

    nets = {(n.debtor.code, n.creditor.code): n.amount for n in statement.nets}
    # AA and BB: 649.94 − 400.00 = 249.94 from AA to BB. AA and CC: 0.00.
    assert nets == {("aa", "bb"): Decimal("249.94"), ("aa", "cc"): Decimal("0.00")}
    assert statement.total == Decimal("1049.94")  # 649.94 + 400.00 + 0.00
    assert statement.owed_by(zone.aa) == Decimal("649.94")
    assert statement.owed_to(zone.aa) == Decimal("400.00")


def test_another_year_has_its_own_statement(zone):
    # Request 9 only: BB has no AA tariff in 2025-2026 (AA→BB's starts 2026-08-31), so 0.00 without tariff.
    (row,) = settlement_matrix(year="2025-2026")
    assert (row.payer.code, row.payee.code, row.amount, row.untariffed) == ("aa", "bb", Decimal("0.00"), 1)


def test_an_institution_statement_holds_only_its_own_pairs(zone):
    statement = statement_build(year=YEAR, institution=zone.cc)
    assert [(r.payer.code, r.payee.code) for r in statement.rows] == [("aa", "cc")]
    statement = statement_build(year=YEAR, institution=zone.bb)
    assert {(r.payer.code, r.payee.code) for r in statement.rows} == {("aa", "bb"), ("bb", "aa")}


def test_the_matrix_is_aggregated_in_the_database(zone):
    # One query for the totals and one for the institutions' names, however many requests there are.
    with CaptureQueriesContext(connection) as queries:
        settlement_matrix(year=YEAR)
    assert len(queries) == 2
    assert "SUM(" in queries[0]["sql"].upper() and "GROUP BY" in queries[0]["sql"].upper()


def test_amounts_are_decimals(zone):
    for row in settlement_matrix(year=YEAR):
        assert isinstance(row.amount, Decimal)
        assert row.amount == row.amount.quantize(Decimal("0.01"))
