"""The demo's MijnDiploma (issue #17): a published themed portfolio across institutions, and Mila
(student.mijndiploma@) with version 1 approved and version 2 waiting for Utrecht's examination board, at a
home institution that pilots MijnDiploma. Seeding again changes nothing."""

import pytest
from django.test import Client

from demo.mijndiploma import STUDENT, seed_mijndiploma
from demo.seeder import DEMO_PASSWORD, DemoSeeder, demo_email
from routes.mijndiploma.models import Portfolio, ProgrammeVersion
from routes.mijndiploma.selectors import compliance_of

pytest_plugins = ["tests.ooapi_peer.fixtures"]
pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(ooapi_peer, settings):
    settings.OOAPI_DEMO_PEER_URL = ooapi_peer.base_url
    return DemoSeeder(offerings=1050).run()


def test_the_demo_has_a_themed_portfolio_and_two_versions(seeded):
    portfolio = Portfolio.objects.get(title_en="Sustainable futures")
    assert portfolio.is_published
    assert portfolio.offerings.values("institution").distinct().count() >= 3
    versions = ProgrammeVersion.objects.filter(composed__student__user__email=demo_email(STUDENT)).order_by("number")
    assert [(v.number, v.status) for v in versions] == [(1, "approved"), (2, "submitted")]
    assert all(compliance_of(v).passed for v in versions)
    assert versions[1].items.count() == versions[0].items.count() + 1
    home = versions[0].composed.student.home_institution
    assert "my_diploma" in home.piloted_routes
    assert versions[0].items.exclude(offering__institution=home).filter(portfolio=portfolio).exists()


def test_the_demo_logins_see_it(seeded):
    student = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert student.login(email=demo_email(STUDENT), password=DEMO_PASSWORD)
    page = student.get("/mijndiploma/").content.decode()
    assert "Version 2: Submitted to the examination board" in page
    board = Client(HTTP_ACCEPT_LANGUAGE="en")
    board.force_login(
        ProgrammeVersion.objects.get(number=2).composed.student.user.__class__.objects.get(
            email=demo_email("examboard.uu")
        )
    )
    assert "Mila Vos" in board.get("/mijndiploma/board/").content.decode()


def test_seeding_again_writes_nothing(seeded):
    assert seed_mijndiploma(email=demo_email, password=DEMO_PASSWORD, say=lambda message: None) is False
    assert ProgrammeVersion.objects.count() == 2
