"""What `make run` does on a fresh machine, minus the install: with no DATABASE_URL and no REDIS_URL the
portal migrates, seeds and serves from SQLite with eager Celery, and says so on start."""

import datetime as dt
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (loopback only)
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture(scope="module")
def embedded_portal(tmp_path_factory):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env["DJANGO_SETTINGS_MODULE"] = "portal.settings.dev"
    env["SQLITE_PATH"] = str(tmp_path_factory.mktemp("embedded") / "demo.sqlite3")
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True, cwd=ROOT, timeout=300)
    first = subprocess.run(
        [*manage, "seed_demo"], env=env, check=True, cwd=ROOT, timeout=300, capture_output=True, text=True
    )
    again = subprocess.run(
        [*manage, "seed_demo"], env=env, check=True, cwd=ROOT, timeout=300, capture_output=True, text=True
    )
    port = _free_port()
    server = subprocess.Popen(
        [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.3)
    yield {
        "base": base,
        "server": server,
        "first_seed": first.stdout,
        "second_seed": again.stdout,
        "sqlite_path": env["SQLITE_PATH"],
    }
    server.terminate()
    server.wait(timeout=10)


def test_serves_the_demo_from_sqlite(embedded_portal):
    base = embedded_portal["base"]
    assert _get(f"{base}/")[0] == 200
    status, body = _get(f"{base}/catalogue/?page_size=100")
    assert status == 200
    assert b"1050" in body.replace(b".", b"").replace(b",", b"")
    status, body = _get(f"{base}/api/institutions/")
    assert status == 200 and json.loads(body)["count"] == 21
    status, body = _get(f"{base}/api/offerings/?page_size=1")
    everything = json.loads(body)["count"]
    institutions_with_offerings = [v for v in json.loads(body)["facets"]["institution"] if v["count"] > 0]
    assert len(institutions_with_offerings) == 21
    status, body = _get(f"{base}/api/offerings/?q=energie&page_size=1")
    assert status == 200 and 0 < json.loads(body)["count"] < everything
    status, body = _get(f"{base}/catalogue/?q=energie")
    assert status == 200 and b"energie" in body.lower()
    assert _get(f"{base}/api/docs/")[0] == 200
    status, body = _get(f"{base}/api/schema/")
    assert status == 200 and body.startswith(b"openapi: 3.")
    assert _get(f"{base}/healthz")[0] == 200


def test_last_modified_is_when_the_catalogue_changed(embedded_portal):
    """SQLite keeps the catalogue stamp in UTC without a zone; the catalogue's Last-Modified is that moment
    (the server's own zone, Europe/Amsterdam, must not shift it)."""
    with sqlite3.connect(embedded_portal["sqlite_path"]) as db:
        (stored,) = db.execute("SELECT changed_at FROM catalogue_cataloguestamp WHERE id = 1").fetchone()
    changed_at = dt.datetime.fromisoformat(stored).replace(tzinfo=dt.UTC, microsecond=0)
    with urllib.request.urlopen(f"{embedded_portal['base']}/api/offerings/?page_size=1", timeout=30) as response:  # noqa: S310
        assert parsedate_to_datetime(response.headers["Last-Modified"]) == changed_at


def test_seeding_is_idempotent(embedded_portal):
    assert "'offerings_created': 1050" in embedded_portal["first_seed"]
    assert "'offerings_created': 0" in embedded_portal["second_seed"]


CUBE_CHECK = """
import json
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from accounts.models import User
from enrolment.models import EnrolmentRequest, Status
from insights import selectors
from insights.models import RequestCube
from insights.panels import ZONE

submitted = EnrolmentRequest.objects.filter(submitted_at__isnull=False)
registered = Q(status__in=[Status.REGISTERED, Status.COMPLETED]) | Q(
    home_registered_at__isnull=False, host_registered_at__isnull=False
)
live = {
    str(row["day"]): [row["n"], row["reg"]]
    for row in submitted.values(day=TruncDate("submitted_at")).annotate(n=Count("pk"), reg=Count("pk", filter=registered))
}
cube = {
    str(row["day"]): [row["n"], row["reg"]]
    for row in RequestCube.objects.values("day").annotate(n=Sum("submitted"), reg=Sum("registered"))
}
coordinator = User.objects.get(email="coordinator@demo.flexportal.nl")
_filters, panels = selectors.dashboard(coordinator, scope=ZONE, params={})
print(json.dumps({"live": live, "cube": cube, "charts": len(panels)}))
"""


def test_the_dashboards_request_cube_is_a_live_view_on_sqlite(embedded_portal):
    """On the embedded default the request cube is a plain view: counted per day (in the portal's time zone)
    exactly as the requests themselves, and the zone dashboard is built from it."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env |= {"DJANGO_SETTINGS_MODULE": "portal.settings.dev", "SQLITE_PATH": embedded_portal["sqlite_path"]}
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c", CUBE_CHECK],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["live"], "the demo has submitted requests"
    assert found["cube"] == found["live"]
    assert found["charts"] > 5


def test_says_it_uses_the_embedded_default(embedded_portal):
    server = embedded_portal["server"]
    server.terminate()
    output, _ = server.communicate(timeout=10)
    assert "DATABASE_URL is not set" in output
    assert "Celery tasks run eagerly" in output
