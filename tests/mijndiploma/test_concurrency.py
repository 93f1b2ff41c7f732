"""Two saves of one version at the same moment, each from the row version both read: the database lock
serialises them and the row-version guard tells the second it is stale. The control removes the guard and
shows the race it prevents: both saves "succeed" and the first one's work is silently lost."""

import threading

import pytest
from django.db import connection

from routes.mijndiploma.errors import StaleVersionError
from routes.mijndiploma.models import VersionItem
from routes.mijndiploma.services import composing


def _race(zone, version, offerings):
    barrier = threading.Barrier(len(offerings))
    outcomes = {}

    def save(offering):
        try:
            barrier.wait(timeout=10)
            # Each tab read row version 2 and adds its own course to the one already there.
            composing.version_save(
                user=zone.student.user,
                version_id=version.pk,
                row_version=2,
                items=[{"offering": zone.first.pk}, {"offering": offering.pk}],
            )
            outcomes[offering.pk] = "saved"
        except StaleVersionError:
            outcomes[offering.pk] = "stale"
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(o,)) for o in offerings]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.fixture
def contested(zone):
    zone.first = zone.offer(code="BASE1")
    version = zone.compose(zone.first)
    assert version.row_version == 2
    return version, [zone.offer(zone.x, code="TABA"), zone.offer(zone.y, code="TABB")]


@pytest.mark.django_db(transaction=True)
def test_the_second_of_two_concurrent_saves_is_told_it_is_stale(zone, contested):
    version, offerings = contested
    outcomes = _race(zone, version, offerings)
    assert sorted(outcomes.values()) == ["saved", "stale"]
    version.refresh_from_db()
    assert version.row_version == 3
    winner = next(pk for pk, outcome in outcomes.items() if outcome == "saved")
    assert sorted(VersionItem.objects.filter(version=version).values_list("offering_id", flat=True)) == sorted(
        [zone.first.pk, winner]
    )


@pytest.mark.django_db(transaction=True)
def test_control_without_the_guard_one_save_silently_overwrites_the_other(zone, contested, monkeypatch):
    monkeypatch.setattr(composing, "stale_check", lambda version, row_version: None)
    version, offerings = contested
    outcomes = _race(zone, version, offerings)
    assert sorted(outcomes.values()) == ["saved", "saved"]  # both tabs were told their change was saved
    kept = set(VersionItem.objects.filter(version=version).values_list("offering_id", flat=True))
    lost = [o.pk for o in offerings if o.pk not in kept]
    assert len(lost) == 1  # ... yet one tab's course is gone: the lost update the guard prevents
