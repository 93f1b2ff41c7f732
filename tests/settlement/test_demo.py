"""seed_demo sets tariffs between the demo's institutions, and the zone's statement has figures for the
demo's own cross-enrolments; seeding again sets nothing new."""

import pytest

from billing.models_settlement import Tariff
from billing.selectors_settlement import current_academic_year, statement_build
from demo.seeder import demo_email
from demo.settlement import seed_settlement

pytestmark = pytest.mark.django_db


def test_the_demo_statement_is_not_empty(demo_catalogue, client):
    assert Tariff.objects.count() == 4
    statement = statement_build(year=current_academic_year())
    assert statement.enrolments > 0
    assert statement.total > 0
    tariffed = {(row.payer.code, row.payee.code) for row in statement.rows if row.amount > 0}
    assert tariffed <= {("uu", "vu"), ("uu", "uva"), ("hu", "uva"), ("vu", "uu")}
    assert seed_settlement(email=demo_email, say=lambda message: None) == 0  # idempotent

    client.login(email=demo_email("coordinator"), password="flexportal-demo")
    page = client.get("/billing/settlement/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert f"{statement.total}" in page.content.decode()
    assert 'data-settlement="zone"' in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
