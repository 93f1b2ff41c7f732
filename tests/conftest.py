import pytest
from django.core.cache import cache
from django.utils import translation

# `make test` runs the files on two pytest-xdist workers, handed out in collection order (--dist loadfile).
# The longest files go first, so the run does not end with one worker alone on a four-minute file.
LONGEST_FIRST = (
    "tests/security/test_authorisation_matrix.py",
    "tests/test_embedded_default.py",
    "tests/browser/test_accessibility_everywhere.py",
    "tests/browser/test_issue7_catalogue_browser.py",
    "tests/security/test_api_schemathesis.py",
    "tests/ooapi_provider/test_schemathesis.py",
    "tests/security/test_verb_matrix.py",
    "tests/ooapi_sync/test_faults.py",
)


def pytest_collection_modifyitems(items):
    rank = {path: position for position, path in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))


@pytest.fixture(autouse=True)
def _clear_cache():
    # Tests share one Redis database; start each from an empty cache.
    cache.clear()
    yield


@pytest.fixture
def english(request):
    """The messages a test reads in English (the portal's default language is Dutch), and the test client's
    pages asked for in English too. Directories whose tests all read English use it autouse
    (``_in_english`` in their conftest)."""
    with translation.override("en"):
        if "client" in request.fixturenames:
            request.getfixturevalue("client").defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        yield


@pytest.fixture
def demo_catalogue(db):
    """The full demo zone (21 institutions, 1,050 offerings), seeded once per test that asks for it."""
    from demo.seeder import DemoSeeder

    return DemoSeeder(offerings=1050).run()
