"""The dashboards' pages, CSV files and API: who gets in, bad filters, the files' content, the schema."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from tests.factories import StaffRoleFactory, UserFactory
from tests.insights.world import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return World().build()


def _client(user=None, language="en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def coordinator():
    return _client(UserFactory(is_zone_coordinator=True))


def test_the_coordinator_sees_every_chart_with_its_table_and_no_personal_record(world, coordinator):
    response = coordinator.get("/insights/")
    assert response.status_code == 200
    html = response.content.decode()
    for key in (
        "participation-institution",
        "funnel",
        "lead-times",
        "flows",
        "flows-registered",
        "route-pilots",
        "trends",
        "microcredentials",
        "sync-health",
    ):
        assert f'id="{key}-data"' in html and f'data-insights-chart="{key}-data"' in html
        assert f'id="{key}-table"' in html
        assert f"/insights/{key}.csv" in html
    assert "vendor/echarts/echarts.min.js" in html and "insights/charts.js" in html
    assert "<script>" not in html  # only script files and json_script data blocks
    from enrolment.models import EnrolmentRequest

    for request in EnrolmentRequest.objects.select_related("student__user"):
        assert str(request.public_id) not in html
        assert request.student.user.email not in html
        assert request.student.student_number not in html


def test_labels_are_dutch_by_default(world):
    html = _client(UserFactory(is_zone_coordinator=True), language="nl").get("/insights/").content.decode()
    assert "Stromen tussen instellingen" in html and "Doorlooptijden" in html and "Uitgaande aanvragen" in html


@pytest.mark.parametrize(
    ("query", "phrase"),
    [
        ("?colour=red", "Unknown filter: colour"),
        ("?from=2026-10-01&to=2026-09-01", "The date range is impossible"),
        ("?from=yesterday", "a date is written as YYYY-MM-DD"),
        ("?year=2026-2028", "two consecutive years"),
        ("?period=term-1", "a period is its kind and number"),
        ("?route=fast", "the routes are"),
        ("?institution=nowhere", "no institution of the zone has this code"),
    ],
)
def test_bad_filters_are_a_400_with_a_clear_message(world, coordinator, query, phrase):
    page = coordinator.get("/insights/" + query)
    assert page.status_code == 400 and phrase in page.content.decode()
    api = coordinator.get("/api/insights/zone/" + query)
    assert api.status_code == 400 and phrase in api.json()["detail"] and api.json()["code"] == "invalid_filter"
    assert coordinator.get("/insights/flows.csv" + query).status_code == 400


def test_staff_see_their_own_institution_only_and_not_the_zone(world):
    staff = UserFactory()
    StaffRoleFactory(user=staff, institution=world.c, role="host_admissions")
    client = _client(staff)
    assert client.get("/insights/").status_code == 403
    assert client.get("/api/insights/zone/").status_code == 403
    assert client.get(f"/insights/institutions/{world.a.code}/").status_code == 403
    assert client.get(f"/api/insights/institutions/{world.a.code}/").status_code == 403
    own = client.get(f"/insights/institutions/{world.c.code}/")
    assert own.status_code == 200 and 'id="incoming-table"' in own.content.decode()
    assert client.get(f"/insights/institutions/{world.c.code}/?institution={world.a.code}").status_code == 400


def test_students_see_no_dashboard(world):
    from tests.factories import StudentProfileFactory

    client = _client(StudentProfileFactory(home_institution=world.a).user)
    assert client.get("/insights/").status_code == 403
    assert client.get(f"/insights/institutions/{world.a.code}/").status_code == 403


def test_csv_per_chart_writes_hidden_values_as_the_marker(world, coordinator):
    response = coordinator.get("/insights/flows.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'filename="zone-flows.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        ["", "W-A", "W-B", "W-C", "Total"],
        ["W-A", "0", "<5", "<5", "10"],
        ["W-B", "0", "0", "<5", "<5"],
        ["W-C", "<5", "0", "0", "<5"],
        ["Total", "<5", "<5", "9", "18"],
    ]
    assert coordinator.get("/insights/no-such-chart.csv").status_code == 404


def test_the_api_gives_the_same_aggregates(world, coordinator):
    body = coordinator.get("/api/insights/zone/?route=off_the_beaten_path").json()
    assert body["filters"] == {"route": "off_the_beaten_path"} and body["threshold"] == 5
    flows = next(p for p in body["panels"] if p["key"] == "flows")
    # Off the beaten path: A→B 7, C→A 2. The 2 (cell, C's total, A's column total) is hidden; then B's column
    # total 7 (totals row), A→B (column B) and A's total (row A) follow, each the last one shown in its line.
    assert flows["table"]["totals"] == [None, None, 9]
    assert [r["values"] for r in flows["table"]["rows"]] == [[0, None, None], [None, 0, None]]
    one = coordinator.get("/api/insights/zone/flows/?route=off_the_beaten_path").json()
    assert one == flows
    assert coordinator.get("/api/insights/zone/nothing/").status_code == 404


def test_the_endpoints_are_in_the_openapi_schema(coordinator):
    schema = coordinator.get("/api/schema/?format=json").json()
    for path in (
        "/api/insights/zone/",
        "/api/insights/zone/{key}/",
        "/api/insights/institutions/{code}/",
        "/api/insights/institutions/{code}/{key}/",
    ):
        assert path in schema["paths"], path
    assert {"Dashboard", "Panel", "Table"} <= set(schema["components"]["schemas"])
    names = {p["name"] for p in schema["paths"]["/api/insights/zone/"]["get"]["parameters"]}
    assert {"year", "period", "institution", "route", "from", "to"} <= names
