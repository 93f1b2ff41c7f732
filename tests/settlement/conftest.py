import pytest
from django.utils import translation

from tests.settlement.world import build_zone


@pytest.fixture(autouse=True)
def english(request):
    """The messages these tests read are the English ones (the portal's default language is Dutch)."""
    with translation.override("en"):
        if "client" in request.fixturenames:
            request.getfixturevalue("client").defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        yield


@pytest.fixture
def zone(db):
    return build_zone()
