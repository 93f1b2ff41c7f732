"""/healthz: JSON per check, 200 only when database, broker and migrations are all ok, never a 500."""

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from core import health

ROOT = Path(__file__).resolve().parents[2]
CHECK_NAMES = {"database", "broker", "migrations"}
# Details are translatable; the assertions below read the English source.
ENGLISH = {"accept-language": "en"}


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _assert_shape(body: dict) -> None:
    assert set(body) == {"status", "checks", "duration_ms"}
    assert set(body["checks"]) == CHECK_NAMES
    for result in body["checks"].values():
        assert set(result) == {"status", "detail", "duration_ms"}
        assert result["status"] in ("ok", "error")
        assert isinstance(result["detail"], str) and result["detail"]
        assert isinstance(result["duration_ms"], int | float) and result["duration_ms"] >= 0


@pytest.mark.django_db
def test_healthz_is_200_when_everything_is_up(client):
    response = client.get(reverse("healthz"), headers=ENGLISH)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    _assert_shape(body)
    assert body["status"] == "ok"
    assert {name: r["status"] for name, r in body["checks"].items()} == dict.fromkeys(CHECK_NAMES, "ok")


@pytest.mark.django_db
def test_healthz_answers_head_and_refuses_post(client):
    assert client.head(reverse("healthz"), headers=ENGLISH).status_code == 200
    assert client.post(reverse("healthz"), headers=ENGLISH).status_code == 405


@pytest.mark.django_db
def test_healthz_is_503_when_the_broker_refuses_connections(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"

    response = client.get(reverse("healthz"), headers=ENGLISH)

    assert response.status_code == 503
    body = response.json()
    _assert_shape(body)
    assert body["status"] == "error"
    assert body["checks"]["broker"]["status"] == "error"
    assert body["checks"]["broker"]["detail"] == "Failed: ConnectionError"
    assert body["checks"]["database"]["status"] == "ok"
    assert "127.0.0.1" not in response.content.decode()  # the public report names no addresses


def test_broker_check_gives_up_after_about_a_second_when_redis_hangs(settings):
    # A socket that accepts connections (the kernel's backlog) but never answers: a hung Redis.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"

        started = time.monotonic()
        result = health.check_broker()
        elapsed = time.monotonic() - started

    assert result.status == "error"
    assert result.detail == "Failed: TimeoutError"
    assert elapsed < 3


def test_embedded_memory_broker_counts_as_ok_and_says_so(settings):
    settings.CELERY_BROKER_URL = "memory://"

    result = health.check_broker()

    assert result.status == "ok"
    assert "Embedded in-process broker" in result.detail


@pytest.mark.django_db
def test_healthz_is_503_with_a_pending_migration(client, settings):
    settings.MIGRATION_MODULES = {"demo": "tests.ops.pending_migrations"}

    response = client.get(reverse("healthz"), headers=ENGLISH)

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["migrations"] == {
        "status": "error",
        "detail": "1 migration not applied.",
        "duration_ms": checks["migrations"]["duration_ms"],
    }
    assert checks["database"]["status"] == checks["broker"]["status"] == "ok"


def test_healthz_is_503_not_500_when_the_database_is_down():
    # A separate process, because this one's database connection belongs to the test run. The test
    # client re-raises any exception from the view or the middleware, so a 500 would fail loudly.
    script = textwrap.dedent(
        """
        import json, django
        django.setup()
        from django.test import Client
        response = Client().get("/healthz", headers={"accept-language": "en"})
        print(json.dumps({"status_code": response.status_code, "body": response.json()}))
        """
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:1/flexportal",
    }
    completed = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )

    assert completed.returncode == 0, completed.stderr
    outcome = json.loads(completed.stdout.strip().splitlines()[-1])
    assert outcome["status_code"] == 503
    _assert_shape(outcome["body"])
    checks = outcome["body"]["checks"]
    assert checks["database"] == {
        "status": "error",
        "detail": "Failed: OperationalError",
        "duration_ms": checks["database"]["duration_ms"],
    }
    assert checks["migrations"]["status"] == "error"
    assert checks["broker"]["status"] == "ok"


def test_an_empty_broker_url_is_an_error(settings):
    settings.CELERY_BROKER_URL = ""

    assert health.check_broker() == health.CheckResult("error", "No broker configured (CELERY_BROKER_URL is empty).")


@pytest.mark.django_db
def test_a_check_that_raises_becomes_a_503_not_a_500(client, monkeypatch):
    def broken_check():
        raise RuntimeError("a bug in a check")

    monkeypatch.setitem(health.CHECKS, "broker", broken_check)

    response = client.get(reverse("healthz"), headers=ENGLISH)

    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["detail"] == "Failed: RuntimeError"
