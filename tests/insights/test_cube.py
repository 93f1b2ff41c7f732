"""The request cube behind the dashboards' counts (``insights.models.RequestCube``, a materialised view):
when a read refreshes it, when it leaves it as it was, and that Celery beat's task brings it up to date."""

from __future__ import annotations

import pytest
from django.db.models import Sum
from django.utils import timezone
from django.utils.formats import date_format

from billing.models_settlement import SettlementMark
from enrolment.models import EnrolmentRequest
from insights import selectors, tasks
from insights.models import CubeMark, RequestCube
from insights.panels import ZONE
from insights.services import cube_refresh
from tests.factories import UserFactory
from tests.insights.world import World

pytestmark = pytest.mark.django_db


def _submitted_in_cube() -> int:
    return RequestCube.objects.aggregate(n=Sum("submitted"))["n"] or 0


def _submitted() -> int:
    return EnrolmentRequest.objects.filter(submitted_at__isnull=False).count()


def _funnel_total(user) -> int:
    """The funnel's "submitted" total as the zone dashboard shows it (threshold 1: nothing hidden)."""
    _filters, panels = selectors.dashboard(user, scope=ZONE, params={})
    table = next(panel.table for panel in panels if panel.key == "funnel")
    return table.totals[0]


def test_a_read_recounts_once_the_audit_trail_has_moved(settings):
    settings.INSIGHTS_SUPPRESSION_THRESHOLD = 1
    coordinator = UserFactory(is_zone_coordinator=True)
    World("a").build()
    first = _funnel_total(coordinator)
    assert first == _submitted() == _submitted_in_cube()

    World("b").build()  # its requests' moves write audit events
    assert _funnel_total(coordinator) == _submitted() == 2 * first


def test_a_young_cube_is_read_as_it_is_until_beat_refreshes_it(settings):
    settings.INSIGHTS_SUPPRESSION_THRESHOLD = 1
    settings.INSIGHTS_CUBE_MAX_AGE = 60  # production's
    coordinator = UserFactory(is_zone_coordinator=True)
    World("a").build()
    first = _funnel_total(coordinator)  # never refreshed: the read refreshes it
    assert first == _submitted()

    World("b").build()
    # Refreshed a moment ago: the read shows the cube as it was (the page says when it was counted) ...
    assert _funnel_total(coordinator) == first < _submitted()
    # ... until beat's task, which refreshes whenever the audit trail has moved, whatever the cube's age.
    assert tasks.refresh_cube() is True
    assert _funnel_total(coordinator) == _submitted() == 2 * first
    # Nothing moved since: the next run leaves it.
    assert tasks.refresh_cube() is False


def test_a_refresh_leaves_a_cube_that_has_seen_the_newest_event():
    World("a").build()
    assert cube_refresh() is True
    assert cube_refresh() is False
    assert cube_refresh(max_age=0) is False
    assert _submitted_in_cube() == _submitted()


def test_the_page_says_when_the_requests_were_counted(client):
    coordinator = UserFactory(is_zone_coordinator=True)
    World("a").build()
    client.force_login(coordinator)
    page = client.get("/insights/", headers={"accept-language": "en"}).content.decode()
    # The older of the two kept counts' moments: the cube's and billing's settlement cells'.
    counted = min(CubeMark.objects.get(pk=1).refreshed_at, SettlementMark.objects.get(pk=1).refreshed_at)
    assert 'id="counted-at"' in page
    moment = date_format(timezone.localtime(counted), "j F Y, H:i")
    assert f"Requests and amounts owed counted at {moment}" in page
