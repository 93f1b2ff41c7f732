"""Tariffs: who may set them, and bad input refused with a clear message and nothing written."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from billing.errors import NotTariffManagerError, TariffError, TariffOverlapError
from billing.models_settlement import Tariff, TariffBasis
from billing.services.settlement import tariff_create, tariff_delete


def _create(zone, user=None, **changes):
    values = {
        "user": user or zone.users["coordinator"],
        "payer_id": zone.aa.pk,
        "payee_id": zone.cc.pk,
        "basis": TariffBasis.PER_EC,
        "rate": "45.50",
        "academic_year": "2026-2027",
    }
    return tariff_create(**{**values, **changes})


def test_a_coordinator_sets_a_tariff_for_the_hosts_academic_year(zone):
    tariff = _create(zone)
    # The host's (CC's) academic year 2026-2027 from the factory: 31 Aug 2026 – 29 Aug 2027.
    assert (tariff.valid_from, tariff.valid_until, tariff.rate) == (
        dt.date(2026, 8, 31),
        dt.date(2027, 8, 29),
        Decimal("45.50"),
    )
    assert tariff.created_by == zone.users["coordinator"]


def test_an_administrator_sets_one_by_dates(zone):
    tariff = _create(
        zone, user=zone.users["admin"], academic_year="", valid_from=dt.date(2027, 1, 1), basis=TariffBasis.PER_MODULE
    )
    assert tariff.valid_until is None


@pytest.mark.parametrize("who", ["staff_aa", "staff_cc", "student"])
def test_institution_staff_and_students_may_not(zone, who):
    before = Tariff.objects.count()
    with pytest.raises(NotTariffManagerError):
        _create(zone, user=zone.users[who])
    assert Tariff.objects.count() == before


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"rate": "-0.01"}, "A tariff cannot be negative."),
        ({"rate": "12.345"}, "A tariff is an amount in euros with at most two decimals, e.g. 45.50."),
        ({"rate": "twelve"}, "A tariff is an amount in euros with at most two decimals, e.g. 45.50."),
        ({"rate": "NaN"}, "A tariff is an amount in euros with at most two decimals, e.g. 45.50."),
        ({"payee_id": "same"}, "An institution does not pay itself: choose two different institutions."),
        ({"academic_year": "2031-2032"}, "cc University of Applied Sciences has no academic year 2031-2032."),
        ({"academic_year": "", "valid_from": None}, "Give the academic year or the first date the tariff applies."),
        (
            {"valid_from": dt.date(2027, 1, 1)},
            "Give either an academic year or a date range, not both.",
        ),
        (
            {"academic_year": "", "valid_from": dt.date(2027, 1, 2), "valid_until": dt.date(2027, 1, 1)},
            "The end date must not be before the start date.",
        ),
        ({"basis": "per_hour"}, "Choose per EC or per course or module."),
    ],
)
def test_bad_input_is_refused_and_nothing_written(zone, changes, message):
    if changes.get("payee_id") == "same":
        changes["payee_id"] = zone.aa.pk
    before = Tariff.objects.count()
    with pytest.raises(TariffError) as refused:
        _create(zone, **changes)
    assert str(refused.value.message) == message
    assert Tariff.objects.count() == before


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (dt.date(2027, 3, 1), dt.date(2027, 3, 31)),  # inside AA→BB's year
        (dt.date(2026, 1, 1), dt.date(2026, 8, 31)),  # touches its first day
        (dt.date(2027, 8, 29), None),  # open-ended from its last day
    ],
)
def test_an_overlapping_validity_for_the_same_pair_is_refused(zone, start, end):
    before = Tariff.objects.count()
    with pytest.raises(TariffOverlapError) as refused:
        _create(zone, payee_id=zone.bb.pk, academic_year="", valid_from=start, valid_until=end)
    assert str(refused.value.message) == (
        "aa University of Applied Sciences already has a tariff with bb University of Applied Sciences from "
        "2026-08-31 until 2027-08-29: periods of one pair may not overlap. End or remove that one first."
    )
    assert Tariff.objects.count() == before


def test_adjacent_periods_and_the_other_direction_are_fine(zone):
    # AA→BB ends 2027-08-29; the next may start the day after. BB→AA is another ordered pair, but it has
    # an open-ended tariff already; CC→BB has none.
    _create(zone, payee_id=zone.bb.pk, academic_year="", valid_from=dt.date(2027, 8, 30))
    _create(zone, payer_id=zone.cc.pk, payee_id=zone.bb.pk)
    assert Tariff.objects.count() == 4


def test_the_database_refuses_what_the_service_would(zone):
    for bad in (
        {"payer": zone.aa, "payee": zone.aa, "rate": Decimal("1")},
        {"payer": zone.aa, "payee": zone.cc, "rate": Decimal("-1")},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Tariff.objects.create(basis=TariffBasis.PER_EC, valid_from=dt.date(2027, 1, 1), **bad)


def test_delete_only_for_coordinators(zone):
    tariff = Tariff.objects.get(payer=zone.aa, payee=zone.bb)
    with pytest.raises(NotTariffManagerError):
        tariff_delete(user=zone.users["staff_bb"], tariff_id=tariff.pk)
    tariff_delete(user=zone.users["coordinator"], tariff_id=tariff.pk)
    assert not Tariff.objects.filter(pk=tariff.pk).exists()
