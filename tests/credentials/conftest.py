import socket
from datetime import UTC, datetime

import pytest

from credentials.openbadges import builder, keys, statuslist, urls
from credentials.openbadges.contexts import OfflineDocumentLoader

BASE_URL = "https://flexportal.example"
ISSUER = "uu"


@pytest.fixture(autouse=True)
def _in_english(english):
    """These tests read the English messages (``english`` in tests/conftest.py)."""


LOOPBACK = ("127.0.0.1", "::1", "localhost")


@pytest.fixture(autouse=True)
def no_network(monkeypatch, request):
    """Every test here runs with sockets that cannot connect: canonicalisation must never need the network.
    Tests of the app (they use the database) may reach the loopback services the suite runs on (PostgreSQL,
    Redis); anything else, such as a context's or an issuer's host, is still refused."""
    database = request.node.get_closest_marker("django_db") is not None or "db" in request.fixturenames
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def allowed(address) -> bool:
        host = address[0] if isinstance(address, tuple) else None
        return database and (host in LOOPBACK or isinstance(address, str | bytes))

    def refuse(self, address):
        if allowed(address):
            return real_connect(self, address)
        raise AssertionError(f"a test of credentials.openbadges opened a connection to {address!r}")

    def refuse_ex(self, address):
        if allowed(address):
            return real_connect_ex(self, address)
        raise AssertionError(f"a test of credentials.openbadges opened a connection to {address!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse_ex)


@pytest.fixture
def loader():
    return OfflineDocumentLoader(base_url=BASE_URL)


@pytest.fixture
def issuer_key():
    return keys.generate_private_key()


@pytest.fixture
def key_id():
    return urls.key_url(BASE_URL, ISSUER, "key-2026")


def eu_elements(**changes):
    values = {
        "ects": 7.5,
        "eqf_level": 6,
        "learning_outcomes": ["Builds a data pipeline in Python", "Explains the limits of a regression model"],
        "assessment_type": "Written exam and a project, graded",
        "participation_form": "Onsite",
        "quality_assurance": "Accredited programme (NVAO), the examination board's own review",
        "awarding_body_country": "NL",
        "supervision_and_identity_verification": "Supervised onsite, identity checked",
        "stackability": "Stackable towards the minor Data Science (30 EC)",
        "grade": "8",
    }
    values.update(changes)
    return builder.EuElements(**values)


def microcredential(**changes):
    arguments = {
        "base_url": BASE_URL,
        "credential_id": "0b9f2d6e-4d8f-4a53-9b43-58c2f1b0a001",
        "issuer": ISSUER,
        "issuer_name": "Universiteit Utrecht",
        "achievement": "uu-data-science-1",
        "name": "Data Science 1",
        "description": "An introduction to data science with Python.",
        "criteria": "A passing result for the module, recognised by the home examination board.",
        "eu": eu_elements(),
        "valid_from": datetime(2026, 7, 1, 12, 0, tzinfo=UTC),
        "subject_id": "did:example:student-1",
        "credential_status": statuslist.status_entry(base_url=BASE_URL, issuer=ISSUER, list_id="2026", index=42),
    }
    arguments.update(changes)
    return builder.build_microcredential(**arguments)
