import pytest

from tests.settlement.world import build_zone


@pytest.fixture(autouse=True)
def _in_english(english):
    """These tests read the English messages (``english`` in tests/conftest.py)."""


@pytest.fixture
def zone(db):
    return build_zone()
