"""The settlement cells the dashboards sum (``billing.models.SettlementCell``): the same figures as the live
statement of the hand-computed zone (``world.py``), and recomputed when what is owed can have changed: the
requests' audit trail, the tariffs or the catalogue."""

from __future__ import annotations

import pytest

from billing import tasks
from billing.models_settlement import SettlementCell, TariffBasis
from billing.selectors_settlement import settlement_matrix
from billing.services.settlement import tariff_create
from billing.services.settlement_cells import settlement_cells_refresh, settlement_cells_refresh_for_read
from catalogue.services import catalogue_stamp_touch
from tests.settlement.world import YEAR

pytestmark = pytest.mark.django_db


def _figures(rows) -> list[tuple]:
    return [(r.payer.code, r.payee.code, r.amount, r.enrolments, r.ec, r.untariffed) for r in rows]


def _kept(**filters) -> list[tuple]:
    settlement_cells_refresh_for_read()
    return _figures(settlement_matrix(kept=True, **filters))


def _tariff_aa_cc(zone) -> None:
    """AA starts paying CC, which it owed nothing before (no tariff)."""
    tariff_create(
        user=zone.users["coordinator"],
        payer_id=zone.aa.pk,
        payee_id=zone.cc.pk,
        basis=TariffBasis.PER_MODULE,
        rate="100.00",
        academic_year=YEAR,
    )


@pytest.mark.parametrize("year", [YEAR, None], ids=["the-year", "every-year"])
def test_the_kept_cells_give_the_live_statement(zone, year):
    live = _figures(settlement_matrix(year=year))
    assert live  # the zone owes something
    assert _kept(year=year) == live
    for institution in (zone.aa, zone.bb, zone.cc):
        assert _kept(year=year, institution=institution) == _figures(
            settlement_matrix(year=year, institution=institution)
        )
    # One cell per pair and host period: fewer rows than billable lines (two periods, four pairs at most).
    assert 0 < SettlementCell.objects.count() <= 8


def test_a_new_tariff_is_counted_by_the_next_read(zone):
    before = _kept(year=YEAR)
    assert ("aa", "cc") in {(payer, payee) for payer, payee, *_rest in before}
    _tariff_aa_cc(zone)
    after = _kept(year=YEAR)
    assert after != before
    assert after == _figures(settlement_matrix(year=YEAR))


def test_young_cells_are_read_as_they_are_until_beat_refreshes_them(zone, settings):
    settings.SETTLEMENT_CELLS_MAX_AGE = 60  # production's
    before = _kept(year=YEAR)
    _tariff_aa_cc(zone)
    assert _kept(year=YEAR) == before != _figures(settlement_matrix(year=YEAR))
    assert tasks.refresh_settlement_cells() is True
    assert _kept(year=YEAR) == _figures(settlement_matrix(year=YEAR))
    assert tasks.refresh_settlement_cells() is False  # nothing changed since


def test_a_catalogue_change_recomputes_the_cells(zone):
    assert settlement_cells_refresh() is True
    assert settlement_cells_refresh() is False
    catalogue_stamp_touch()  # a run's EC, start or withdrawal deadline may have changed
    assert settlement_cells_refresh() is True
