"""Fixtures of the catalogue import tests. Test modules that use the reference peer declare
``pytest_plugins = ["tests.ooapi_peer.fixtures"]`` themselves (pytest refuses it in a nested conftest)."""

from __future__ import annotations

import os

import pytest
from django.core.cache import cache
from django.utils import translation

from institutions.models import Institution
from institutions.services import alliance_join, alliances_ensure
from ooapi.consumer.services import catalogue_import
from ooapi.http import token_cache
from ooapi.models import Connection
from tests.factories import InstitutionFactory


@pytest.fixture(autouse=True)
def _english():
    # Messages are asserted in the English source; the portal's default language is Dutch.
    with translation.override("en"):
        yield


# One database per pytest-xdist worker: the two workers run files of this directory side by side, and each
# test flushes the cache it starts with; a database both shared let one worker's flush drop the other's
# progress mid-test (the progress bar's browser test failed so, once in a few full runs).
OWN_CACHE_DATABASE = {"gw0": 12, "gw1": 8}


@pytest.fixture(autouse=True)
def _own_cache(settings):
    """A Redis database of this suite's own for the cache (queued imports, progress): other suites on this
    machine share database 15 and flush it between their tests, which would drop these entries mid-test."""
    database = OWN_CACHE_DATABASE[os.environ.get("PYTEST_XDIST_WORKER", "gw0")]
    location = settings.CACHES["default"]["LOCATION"].rsplit("/", 1)[0] + f"/{database}"
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": location}}
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fresh_token_cache():
    token_cache.clear()
    yield
    token_cache.clear()


@pytest.fixture
def institution(db) -> Institution:
    """The reference peer's university (same BRIN), connected, and a member of the eduXchange alliances
    the peer publishes its courses to (LDE, EWUU and Kies op Maat)."""
    institution = InstitutionFactory(
        code="refu",
        short_name="RefU",
        brin="99RP",
        schac_home="reference-university.example",
        kind=Institution.Kind.RESEARCH_UNIVERSITY,
        integration=Institution.Integration.CONNECTED,
    )
    alliances = alliances_ensure()
    for code in ("lde", "ewuu", "kom"):
        alliance_join(alliance=alliances[code], institution=institution)
    return institution


def make_connection(institution: Institution, base_url: str, **fields) -> Connection:
    values = {
        "auth_method": Connection.AuthMethod.NONE,
        "connect_timeout": 2.0,
        "read_timeout": 5.0,
        **fields,
    }
    return Connection.objects.create(institution=institution, base_url=base_url, **values)


@pytest.fixture
def peer_connection(institution, ooapi_peer) -> Connection:
    return make_connection(institution, ooapi_peer.base_url)


def run_import(connection: Connection, **options):
    """One import, as the task and the command run it; the retry delays are kept short."""
    return catalogue_import(connection_id=connection.pk, **options)


@pytest.fixture(autouse=True)
def _quick_retries(monkeypatch):
    monkeypatch.setattr("ooapi.consumer.walk.RETRY_DELAYS", (0.05, 0.1))
