"""The zone dashboard's settlement chart against the same hand-computed fixture (``world.py``): per pair the
billable enrolments and the amount owed, hidden together under the suppression threshold."""

import pytest
from django.urls import reverse

from enrolment.models import EnrolmentRequest
from insights.filters import Filters
from insights.models import RequestCube
from insights.panels import PANELS, ZONE, Context, settlement
from tests.settlement.world import YEAR


def _table(zone, **filters):
    context = Context(
        filters=Filters(year=YEAR, **filters), requests=EnrolmentRequest.objects.all(), cells=RequestCube.objects.all()
    )
    table = settlement(context)
    return {row.key: row.values for row in table.rows}, table


def test_the_chart_shows_the_statement_per_pair(zone, settings):
    settings.INSIGHTS_SUPPRESSION_THRESHOLD = 1
    rows, table = _table(zone)
    # AA → BB: 649.935 rounded once = 649.94 for 3 enrolments; BB → AA: 400.00 for 1; AA → CC: no tariff, 0.
    assert rows == {"aa-bb": [649.94, 3], "aa-cc": [0.0, 1], "bb-aa": [400.0, 1]}
    assert table.totals == [1049.94, 5]
    assert table.suppressed == 0


def test_small_pairs_hide_their_count_and_their_amount(zone, settings):
    settings.INSIGHTS_SUPPRESSION_THRESHOLD = 2
    rows, table = _table(zone)
    assert rows["aa-bb"] == [649.94, 3]
    # One enrolment each: the count is hidden, and so is the amount, which with the tariff would give it away.
    assert rows["aa-cc"] == [None, None] and rows["bb-aa"] == [None, None]
    assert table.totals[0] is None  # the zone's total would give the hidden amounts away by subtraction
    settings.INSIGHTS_SUPPRESSION_THRESHOLD = 5
    rows, _table_ = _table(zone)
    assert all(values == [None, None] for values in rows.values())


def test_an_institution_filter_keeps_its_own_pairs(zone, settings):
    settings.INSIGHTS_SUPPRESSION_THRESHOLD = 1
    rows, _table_ = _table(zone, institution=zone.cc)
    assert set(rows) == {"aa-cc"}


def test_the_chart_is_on_the_zone_dashboard_before_sync_health(zone, client, settings):
    keys = [spec.key for spec in PANELS[ZONE]]
    assert keys.index("settlement") == keys.index("sync-health") - 1
    settings.INSIGHTS_SUPPRESSION_THRESHOLD = 1
    from tests.factories import UserFactory

    client.force_login(UserFactory(is_zone_coordinator=True))
    response = client.get(reverse("insights:zone"), {"year": YEAR}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert 'id="settlement-data"' in response.content.decode()


pytestmark = pytest.mark.django_db
