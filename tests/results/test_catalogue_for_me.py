"""The catalogue for a signed-in student: "counts for my programme" (from precedents) as a badge and a
filter, and "eligible for me" as a filter, on both search paths."""

import datetime as dt

import pytest
from django.utils import timezone

from catalogue.search import CatalogueQuery, catalogue_search
from catalogue.services import search_index_refresh
from enrolment.models import EnrolmentRequest, Status
from results.models import RecognitionPrecedent
from tests.factories import CourseFactory, OfferingFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf(zone):
    """Three open runs at the host: one a precedent counts for Ruth's programme, one she already asked
    for, one closed; and the one of the zone that ended."""
    now = timezone.now()
    zone.student.programme = ProgrammeFactory(institution=zone.home)
    zone.student.save(update_fields=["programme"])
    window = {"enrol_opens_at": now - dt.timedelta(days=1), "enrol_closes_at": now + dt.timedelta(days=9)}

    def run(code, **extra):
        return OfferingFactory(
            course=CourseFactory(institution=zone.host, code=code, ec=5),
            institution=zone.host,
            period=zone.offering.period,
            **(window | extra),
        )

    zone.counts, zone.asked = run("FM-COUNTS"), run("FM-ASKED")
    zone.closed = run(
        "FM-CLOSED", enrol_opens_at=now - dt.timedelta(days=9), enrol_closes_at=now - dt.timedelta(days=1)
    )
    RecognitionPrecedent.objects.create(programme=zone.student.programme, course=zone.counts.course, counts_as="minor")
    zone.registered(offering=zone.asked, status=Status.SUBMITTED)
    search_index_refresh()
    return zone


@pytest.mark.parametrize("portable", [False, True])
def test_a_search_limited_to_some_offerings(shelf, portable):
    result = catalogue_search(CatalogueQuery(only=(shelf.counts.pk, shelf.closed.pk)), portable=portable)
    assert sorted(row["offering_id"] for row in result.rows) == sorted([shelf.counts.pk, shelf.closed.pk])
    assert catalogue_search(CatalogueQuery(only=()), portable=portable).total == 0


def test_counts_for_my_programme_is_a_badge_and_a_filter(client, shelf):
    client.force_login(shelf.student.user)
    page = client.get("/catalogue/").content.decode()
    assert 'id="facet-for-me"' in page and "Counts for my programme" in page and "Eligible for me" in page
    mine = client.get("/catalogue/", {"for_me": "counts"}).content.decode()
    assert mine.count('class="card"') == 1 and "Counts for your programme" in mine
    detail = client.get(f"/catalogue/offerings/{shelf.counts.pk}/").content.decode()
    assert 'id="badge-mine"' in detail
    other = client.get(f"/catalogue/offerings/{shelf.asked.pk}/").content.decode()
    assert 'id="badge-mine"' not in other


def test_eligible_for_me_keeps_open_runs_not_taken(client, shelf):
    client.force_login(shelf.student.user)
    page = client.get("/catalogue/", {"for_me": "eligible"})
    ids = {row["offering_id"] for row in page.context["result"].rows}
    assert shelf.counts.pk in ids
    assert shelf.asked.pk not in ids and shelf.closed.pk not in ids and shelf.offering.pk not in ids
    assert EnrolmentRequest.objects.filter(offering=shelf.asked).exists()


def test_anonymous_visitors_get_no_personal_filters(client, shelf):
    page = client.get("/catalogue/", {"for_me": "counts"})
    assert 'id="facet-for-me"' not in page.content.decode()
    assert page.context["result"].total >= 3  # ignored, not an error
