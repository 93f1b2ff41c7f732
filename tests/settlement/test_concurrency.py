"""Two coordinators add overlapping tariffs for one pair at the same moment: the lock on both institutions
lets one through and refuses the other. The control takes the lock away and shows the race is real: both
pass the overlap check and two overlapping tariffs are written."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading

import pytest
from django.db import connection

from billing.errors import TariffOverlapError
from billing.models_settlement import Tariff, TariffBasis
from billing.services import settlement
from institutions.models import Institution
from tests.settlement.world import build_zone

pytestmark = pytest.mark.django_db(transaction=True)


def _race(zone, monkeypatch) -> list:
    """Both threads check for an overlap, then wait (up to 1.5 s) for the other to have checked too, before
    writing: without a lock both get past the check; with it the second waits at the lock instead."""
    barrier = threading.Barrier(2, timeout=1.5)
    checked = settlement._overlapping

    def check_then_wait(*args):
        found = checked(*args)
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        return found

    monkeypatch.setattr(settlement, "_overlapping", check_then_wait)
    outcomes: list = []

    def add(start: dt.date):
        try:
            settlement.tariff_create(
                user=zone.users["coordinator"],
                payer_id=zone.cc.pk,
                payee_id=zone.bb.pk,
                basis=TariffBasis.PER_EC,
                rate="20.00",
                valid_from=start,
            )
            outcomes.append("created")
        except TariffOverlapError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=add, args=(day,)) for day in (dt.date(2027, 1, 1), dt.date(2027, 3, 1))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    return sorted(outcomes)


def test_the_lock_lets_one_through(monkeypatch):
    zone = build_zone()
    assert _race(zone, monkeypatch) == ["created", "refused"]
    assert Tariff.objects.filter(payer=zone.cc, payee=zone.bb).count() == 1


def test_control_without_the_lock_both_overlapping_tariffs_are_written(monkeypatch):
    zone = build_zone()
    monkeypatch.setattr(
        settlement,
        "_lock_pair",
        lambda payer_id, payee_id: list(Institution.objects.filter(pk__in=[payer_id, payee_id]).order_by("pk")),
    )
    assert _race(zone, monkeypatch) == ["created", "created"]
    assert Tariff.objects.filter(payer=zone.cc, payee=zone.bb).count() == 2
