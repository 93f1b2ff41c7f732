import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clear_cache():
    # Tests share one Redis database; start each from an empty cache.
    cache.clear()
    yield


@pytest.fixture
def demo_catalogue(db):
    """The full demo zone (21 institutions, 1,050 offerings), seeded once per test that asks for it."""
    from demo.seeder import DemoSeeder

    return DemoSeeder(offerings=1050).run()
