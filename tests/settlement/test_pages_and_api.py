"""Statement pages, CSV and API: role × institution, and what they show."""

import csv
import io

import pytest

from billing.models_settlement import Tariff
from tests.settlement.world import YEAR


def _login(client, zone, who):
    client.force_login(zone.users[who])
    return client


# Who opens whose statement page: staff their own institution's only (others 404), coordinators and admins all.
@pytest.mark.parametrize(
    ("who", "code", "status"),
    [
        ("staff_aa", "aa", 200),
        ("staff_aa", "bb", 404),
        ("staff_bb", "bb", 200),
        ("staff_bb", "cc", 404),
        ("staff_cc", "cc", 200),
        ("staff_cc", "aa", 404),
        ("student", "aa", 404),
        ("coordinator", "bb", 200),
        ("admin", "cc", 200),
    ],
)
def test_institution_statement_by_role_and_institution(client, zone, who, code, status):
    response = _login(client, zone, who).get(f"/billing/settlement/{code}/?year={YEAR}")
    assert response.status_code == status
    csv_response = client.get(f"/billing/settlement/{code}.csv?year={YEAR}")
    assert csv_response.status_code == status


@pytest.mark.parametrize(
    ("who", "status"),
    [("staff_aa", 403), ("staff_bb", 403), ("student", 403), ("coordinator", 200), ("admin", 200)],
)
def test_zone_statement_is_for_coordinators(client, zone, who, status):
    assert _login(client, zone, who).get(f"/billing/settlement/?year={YEAR}").status_code == status
    assert client.get(f"/billing/settlement/zone.csv?year={YEAR}").status_code == status


def test_anonymous_is_sent_to_log_in(client, zone):
    for url in ("/billing/settlement/", "/billing/settlement/aa/", "/billing/settlement/tariffs/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_cc_staff_see_only_their_pair(client, zone):
    page = _login(client, zone, "staff_cc").get(f"/billing/settlement/cc/?year={YEAR}").content.decode()
    assert 'data-pair="aa-cc"' in page
    assert "no tariff: nothing owed" in page
    assert 'data-pair="aa-bb"' not in page and "649.94" not in page


def test_csv_content_of_the_zone_statement(client, zone):
    response = _login(client, zone, "coordinator").get(f"/billing/settlement/zone.csv?year={YEAR}")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="settlement-zone-2026-2027.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "academic_year",
        "kind",
        "payer_code",
        "payer",
        "payee_code",
        "payee",
        "enrolments",
        "ec",
        "enrolments_without_tariff",
        "amount_eur",
    ]
    aa, bb, cc = (f"{c} University of Applied Sciences" for c in ("aa", "bb", "cc"))
    # The hand-computed figures of world.py: gross per ordered pair, then net per pair.
    assert rows[1:] == [
        [YEAR, "gross", "aa", aa, "bb", bb, "3", "19.5", "0", "649.94"],
        [YEAR, "gross", "aa", aa, "cc", cc, "1", "5.0", "1", "0.00"],
        [YEAR, "gross", "bb", bb, "aa", aa, "1", "5.0", "0", "400.00"],
        [YEAR, "net", "aa", aa, "bb", bb, "", "", "", "249.94"],
        [YEAR, "net", "aa", aa, "cc", cc, "", "", "", "0.00"],
    ]


def test_unknown_year_is_a_form_error(client, zone):
    response = _login(client, zone, "coordinator").get("/billing/settlement/?year=1999-2000")
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert client.get("/billing/settlement/zone.csv?year=1999-2000").status_code == 400


def test_api_statement(client, zone):
    body = _login(client, zone, "staff_bb").get(f"/api/settlement/statement/?year={YEAR}&institution=bb").json()
    assert body["total"] == "1049.94"
    assert {(r["payer"]["code"], r["payee"]["code"], r["amount"]) for r in body["rows"]} == {
        ("aa", "bb", "649.94"),
        ("bb", "aa", "400.00"),
    }
    assert body["nets"] == [
        {
            "debtor": {"code": "aa", "name": "aa University of Applied Sciences"},
            "creditor": {"code": "bb", "name": "bb University of Applied Sciences"},
            "amount": "249.94",
        }
    ]
    assert client.get(f"/api/settlement/statement/?year={YEAR}&institution=cc").status_code == 404
    assert client.get(f"/api/settlement/statement/?year={YEAR}").status_code == 403
    refused = client.get("/api/settlement/statement/?year=1999-2000&institution=bb")
    assert refused.status_code == 400 and refused.json()["code"] == "unknown_academic_year"


def test_api_tariffs(client, zone):
    payload = {"payer": "cc", "payee": "aa", "basis": "per_ec", "rate": "-5.00", "academic_year": YEAR}
    assert _login(client, zone, "staff_cc").post("/api/settlement/tariffs/", payload).status_code == 403
    client.force_login(zone.users["coordinator"])
    refused = client.post("/api/settlement/tariffs/", payload)
    assert refused.status_code == 400
    assert refused.json() == {"detail": "A tariff cannot be negative.", "code": "negative_rate"}
    same = client.post("/api/settlement/tariffs/", {**payload, "payee": "cc", "rate": "5"})
    assert same.status_code == 400 and same.json()["code"] == "same_institution"
    overlap = client.post("/api/settlement/tariffs/", {**payload, "payer": "aa", "payee": "bb", "rate": "5"})
    assert overlap.status_code == 400 and overlap.json()["code"] == "tariff_overlap"
    assert Tariff.objects.count() == 2
    created = client.post("/api/settlement/tariffs/", {**payload, "rate": "5.00"})
    assert created.status_code == 201 and created.json()["valid_from"] == "2026-08-31"
    # Staff of CC see the tariffs of CC; staff of AA see AA's three.
    client.force_login(zone.users["staff_cc"])
    assert [(t["payer"], t["payee"]) for t in client.get("/api/settlement/tariffs/").json()["results"]] == [
        ("cc", "aa")
    ]


def test_tariff_page_for_coordinators(client, zone):
    assert _login(client, zone, "staff_aa").get("/billing/settlement/tariffs/").status_code == 403
    client.force_login(zone.users["coordinator"])
    data = {"payer": zone.cc.pk, "payee": zone.cc.pk, "basis": "per_ec", "rate": "10", "academic_year": YEAR}
    refused = client.post("/billing/settlement/tariffs/", data)
    assert refused.status_code == 400
    assert "An institution does not pay itself" in refused.content.decode()
    assert Tariff.objects.count() == 2
    response = client.post("/billing/settlement/tariffs/", {**data, "payee": zone.aa.pk})
    assert response.status_code == 302
    assert Tariff.objects.filter(payer=zone.cc, payee=zone.aa).exists()


def test_home_page_links(client, zone):
    page = _login(client, zone, "staff_cc").get("/").content.decode()
    assert 'data-settlement="cc"' in page and 'data-settlement="zone"' not in page
    page = _login(client, zone, "coordinator").get("/").content.decode()
    assert 'data-settlement="zone"' in page
    page = _login(client, zone, "student").get("/").content.decode()
    assert "data-settlement" not in page
