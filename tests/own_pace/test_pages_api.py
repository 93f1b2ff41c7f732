"""Own pace's pages and API: a plan made, a contract proposed, agreed by the home approver and changed, the
tuition and ledger shown; every refusal a clear message with nothing written; tampered ids 404."""

import csv
import io
from decimal import Decimal

import pytest

from billing.models_tuition import LedgerEntry
from routes.own_pace.models import ContractEvent, EcContract, PlannedCourse
from tests.factories import InstitutionFactory, StaffRoleFactory, StudentProfileFactory
from tests.own_pace.conftest import make_zone

pytestmark = pytest.mark.django_db


@pytest.fixture
def student_client(client, zone):
    client.force_login(zone.student.user)
    return client


def test_the_student_plans_a_course_elsewhere_on_the_page(student_client, zone):
    page = student_client.get("/own-pace/")
    assert page.status_code == 200 and b"My study plan" in page.content
    response = student_client.post(
        "/own-pace/", {"institution": zone.host.pk, "code": "host-300", "period": zone.periods[1].pk}
    )
    assert response.status_code == 302
    planned = PlannedCourse.objects.get()
    assert planned.offering == zone.run and planned.period == zone.periods[1]
    page = student_client.get("/own-pace/")
    assert b'data-course="HOST-300"' in page.content


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"code": "NOPE"}, "No course with this code at that institution."),
        ({"institution_is_host": True, "period": 3}, "That course has no run in the period you chose"),
        ({"code": "OP-201", "period": 0, "first": ("OP-101", 2)}, "Periods out of order: OP-101 is a prerequisite"),
    ],
)
def test_a_refused_plan_shows_why_and_writes_nothing(student_client, zone, data, message):
    if "first" in data:
        code, period = data["first"]
        student_client.post(
            "/own-pace/", {"institution": zone.home.pk, "code": code, "period": zone.periods[period].pk}
        )
    before = PlannedCourse.objects.count()
    post = {
        "institution": zone.host.pk if data.get("institution_is_host") else zone.home.pk,
        "code": data.get("code", "HOST-300"),
        "period": zone.periods[data.get("period", 1)].pk,
    }
    response = student_client.post("/own-pace/", post)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert PlannedCourse.objects.count() == before


def test_propose_agree_change_and_see_the_new_tuition(client, zone):
    client.force_login(zone.student.user)
    response = client.post("/own-pace/contract/", {"propose-academic_year": zone.year.pk, "propose-ec": "30"})
    assert response.status_code == 302
    contract = EcContract.objects.get()
    client.force_login(zone.approver)
    staff_page = client.get(f"/own-pace/staff/{zone.home.code}/")
    assert staff_page.status_code == 200 and f'data-contract="{contract.pk}"'.encode() in staff_page.content
    assert client.post(f"/own-pace/staff/{zone.home.code}/", {"contract": contract.pk}).status_code == 302
    again = client.post(f"/own-pace/staff/{zone.home.code}/", {"contract": contract.pk})
    assert again.status_code == 409 and b"agreed already" in again.content
    client.force_login(zone.student.user)
    page = client.get("/own-pace/contract/").content.decode()
    assert "€ 1430.55" in page
    response = client.post(
        "/own-pace/contract/",
        {"change-contract": contract.pk, f"c{contract.pk}-ec": "45", f"c{contract.pk}-reason": "Faster"},
    )
    assert response.status_code == 302
    page = client.get("/own-pace/contract/").content.decode()
    assert "€ 2145.83" in page and "Faster" in page
    ledger = client.get("/own-pace/ledger/").content.decode()
    assert 'id="ledger-balance">2145.83<' in ledger
    download = client.get("/own-pace/ledger.csv")
    rows = list(csv.DictReader(io.StringIO(download.content.decode())))
    assert [r["kind"] for r in rows] == ["charge", "correction"] and rows[-1]["balance"] == "2145.83"
    client.force_login(zone.approver)
    staff_ledger = client.get(f"/own-pace/staff/{zone.home.code}/students/{zone.student.pk}/ledger/")
    assert staff_ledger.status_code == 200 and b"2145.83" in staff_ledger.content
    assert (
        client.get(f"/own-pace/staff/{zone.home.code}/students/{zone.student.pk}/ledger/?format=csv").status_code == 200
    )


@pytest.mark.parametrize(
    ("ec", "message", "status"),
    [("30.5", "Contract EC must be a whole number.", 400), ("-6", "Contract EC must be more than zero.", 400)],
)
def test_a_bad_proposal_on_the_page(student_client, zone, ec, message, status):
    response = student_client.post("/own-pace/contract/", {"propose-academic_year": zone.year.pk, "propose-ec": ec})
    assert response.status_code == status and message in response.content.decode()
    assert EcContract.objects.count() == 0


def test_a_change_after_the_deadline_on_the_page(client, db):
    late = make_zone(code="op-late", year_started_days_ago=200)
    client.force_login(late.student.user)
    client.post("/own-pace/contract/", {"propose-academic_year": late.year.pk, "propose-ec": "30"})
    contract = EcContract.objects.get()
    page = client.get("/own-pace/contract/").content.decode()
    assert "The change deadline has passed" in page
    response = client.post(
        "/own-pace/contract/",
        {"change-contract": contract.pk, f"c{contract.pk}-ec": "40", f"c{contract.pk}-reason": "x"},
    )
    assert response.status_code == 409 and "that date has passed" in response.content.decode()
    contract.refresh_from_db()
    assert contract.ec == 30 and ContractEvent.objects.count() == 1


def test_tampered_ids_on_the_pages(client, zone):
    other = make_zone(code="op-tamper")
    theirs = EcContract.objects.create(student=other.student, academic_year=other.year, ec=30)
    client.force_login(zone.student.user)
    response = client.post(
        "/own-pace/contract/", {"change-contract": theirs.pk, f"c{theirs.pk}-ec": "40", f"c{theirs.pk}-reason": "x"}
    )
    assert response.status_code == 404
    client.force_login(zone.approver)
    assert client.post(f"/own-pace/staff/{zone.home.code}/", {"contract": theirs.pk}).status_code == 404
    assert client.get(f"/own-pace/staff/{other.home.code}/").status_code == 404
    assert client.get(f"/own-pace/staff/{zone.home.code}/students/{other.student.pk}/ledger/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.ec == 30 and theirs.status == "proposed" and LedgerEntry.objects.count() == 0


def test_a_student_of_an_institution_without_own_pace_is_told_so(client, db):
    student = StudentProfileFactory(home_institution=InstitutionFactory(code="op-none", piloted_routes=[]))
    client.force_login(student.user)
    response = client.get("/own-pace/")
    assert response.status_code == 403 and b"does not offer the own-pace route" in response.content


# The API


def test_the_api_plan_contract_and_ledger(client, zone):
    client.force_login(zone.student.user)
    created = client.post(
        "/api/own-pace/plan/",
        {"course": zone.elsewhere.pk, "period": zone.periods[1].pk, "offering": zone.run.pk},
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["course_code"] == "HOST-300"
    plan = client.get("/api/own-pace/plan/").json()
    assert plan["planned_ec"] == "6.0" and plan["periods"][0]["courses"][0]["offering"] == zone.run.pk
    proposed = client.post(
        "/api/own-pace/contracts/", {"academic_year": zone.year.pk, "ec": "30"}, content_type="application/json"
    )
    assert proposed.status_code == 201 and proposed.json()["tuition"]["total"] == "1430.55"
    contract_id = proposed.json()["id"]
    client.force_login(zone.approver)
    agreed = client.post(f"/api/own-pace/contracts/{contract_id}/agree/")
    assert agreed.status_code == 200 and agreed.json()["status"] == "agreed"
    client.force_login(zone.student.user)
    changed = client.post(
        f"/api/own-pace/contracts/{contract_id}/change/",
        {"ec": "24", "reason": "Less"},
        content_type="application/json",
    )
    assert changed.status_code == 200
    assert [e["kind"] for e in changed.json()["history"]] == ["proposed", "agreed", "changed"]
    ledger = client.get("/api/own-pace/ledger/").json()
    assert ledger["balance"] == str(Decimal("1144.44"))  # 2601 / 60 × 24 × 1.1
    assert client.delete(f"/api/own-pace/plan/{created.json()['id']}/").status_code == 204


@pytest.mark.parametrize(
    ("path", "body", "status", "detail"),
    [
        ("contracts/", {"ec": "30.5"}, 400, "Contract EC must be a whole number."),
        ("contracts/", {"ec": "-30"}, 400, "Contract EC must be more than zero."),
        ("contracts/", {"ec": "100"}, 400, "A contract can have at most 60 EC a year at your institution."),
        ("contracts/", {"academic_year": 10**9, "ec": "30"}, 404, "No such academic year at your institution."),
        ("plan/", {"course": 10**9}, 404, "No such course."),
        ("plan/", {"period": 10**9}, 404, "No such period in your institution's calendar."),
    ],
)
def test_bad_input_in_the_api(client, zone, path, body, status, detail):
    client.force_login(zone.student.user)
    defaults = (
        {"academic_year": zone.year.pk}
        if path == "contracts/"
        else {"course": zone.basics.pk, "period": zone.periods[0].pk}
    )
    response = client.post(f"/api/own-pace/{path}", {**defaults, **body}, content_type="application/json")
    assert response.status_code == status
    assert response.json()["detail"] == detail
    assert EcContract.objects.count() == 0 and PlannedCourse.objects.count() == 0


def test_api_field_errors_are_400(client, zone):
    client.force_login(zone.student.user)
    response = client.post("/api/own-pace/contracts/", {"ec": "many"}, content_type="application/json")
    assert response.status_code == 400 and "academic_year" in response.json() and "ec" in response.json()


def test_api_tampered_ids(client, zone):
    other = make_zone(code="op-api")
    theirs = EcContract.objects.create(student=other.student, academic_year=other.year, ec=30)
    client.force_login(zone.student.user)
    assert (
        client.post(
            f"/api/own-pace/contracts/{theirs.pk}/change/", {"ec": "40", "reason": "x"}, content_type="application/json"
        ).status_code
        == 404
    )
    client.force_login(zone.approver)
    assert client.post(f"/api/own-pace/contracts/{theirs.pk}/agree/").status_code == 404
    outsider = StaffRoleFactory(institution=zone.host, role="home_approver").user
    client.force_login(outsider)
    assert client.post(f"/api/own-pace/contracts/{theirs.pk}/agree/").status_code == 404
    theirs.refresh_from_db()
    assert (theirs.ec, theirs.status) == (30, "proposed") and LedgerEntry.objects.count() == 0


def test_the_endpoints_are_in_the_schema(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    for path in (
        "/api/own-pace/plan/",
        "/api/own-pace/plan/{id}/",
        "/api/own-pace/contracts/",
        "/api/own-pace/contracts/{id}/change/",
        "/api/own-pace/contracts/{id}/agree/",
        "/api/own-pace/ledger/",
    ):
        assert path in schema
