"""The Celery tasks (thin, idempotent, one import per connection at a time, retried only when it may help),
the beat dispatcher, and the staff page with its progress bar and start button."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import StaffRole
from core.errors import NotFoundError, PermissionDeniedError
from institutions.models import Institution
from ooapi.consumer import services
from ooapi.consumer.importer import progress_key
from ooapi.consumer.tasks import import_catalogue, import_due
from ooapi.models import ImportRun
from tests.factories import InstitutionFactory, StaffRoleFactory, UserFactory
from tests.ooapi_import.conftest import make_connection, run_import
from tests.workers import terminate

pytest_plugins = ["tests.ooapi_peer.fixtures"]

ROOT = Path(__file__).resolve().parents[2]


def connected(code: str, **fields) -> Institution:
    return InstitutionFactory(code=code, integration=Institution.Integration.CONNECTED, **fields)


# Tasks and the dispatcher --------------------------------------------------------------------------------


def test_the_dispatcher_queues_due_imports_once(db, django_capture_on_commit_callbacks):
    never = make_connection(connected("never"), "http://127.0.0.1:1")
    recent = make_connection(connected("recent"), "http://127.0.0.1:1", import_interval_minutes=60)
    ImportRun.objects.create(connection=recent, status="succeeded")
    overdue = make_connection(connected("overdue"), "http://127.0.0.1:1", import_interval_minutes=60)
    old = ImportRun.objects.create(connection=overdue, status="succeeded")
    ImportRun.objects.filter(pk=old.pk).update(started_at=timezone.now() - dt.timedelta(minutes=61))
    running = make_connection(connected("running"), "http://127.0.0.1:1", import_interval_minutes=1)
    started = ImportRun.objects.create(connection=running)
    ImportRun.objects.filter(pk=started.pk).update(started_at=timezone.now() - dt.timedelta(minutes=5))
    # Marked running for a day: its worker died (no import outlives the task's time limit).
    stuck = make_connection(connected("stuck"), "http://127.0.0.1:1", import_interval_minutes=1)
    lost = ImportRun.objects.create(connection=stuck)
    ImportRun.objects.filter(pk=lost.pk).update(started_at=timezone.now() - dt.timedelta(days=1))
    make_connection(connected("inactive"), "http://127.0.0.1:1", is_active=False)
    make_connection(InstitutionFactory(code="portal"), "http://127.0.0.1:1")  # portal-managed

    with django_capture_on_commit_callbacks() as queued:
        assert import_due.apply().get() == [never.pk, overdue.pk, stuck.pk]
    assert len(queued) == 3
    with django_capture_on_commit_callbacks() as again:
        assert import_due.apply().get() == []  # already queued: not twice
    assert again == []


def test_the_task_imports_and_running_it_twice_is_harmless(peer_connection):
    first = import_catalogue.apply(args=[peer_connection.pk]).get()
    assert first["status"] == "succeeded" and first["created"] > 200
    second = import_catalogue.apply(args=[peer_connection.pk]).get()
    assert second["status"] == "succeeded"
    assert (second["created"], second["updated"], second["archived"]) == (0, 0, 0)


def test_while_an_import_holds_the_lock_another_returns_at_once(peer_connection):
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"], dbname=db["NAME"]
    ) as other:
        other.execute("SELECT pg_advisory_lock(%s, %s)", [services.IMPORT_LOCK_CLASS, peer_connection.pk])
        assert import_catalogue.apply(args=[peer_connection.pk]).get() == {"status": "already running"}
    assert not ImportRun.objects.exists()


def test_a_run_left_running_by_a_dead_worker_is_closed_first(peer_connection):
    orphan = ImportRun.objects.create(connection=peer_connection)
    run_import(peer_connection)
    orphan.refresh_from_db()
    assert orphan.status == "failed"
    assert orphan.error == "The import stopped before it finished (the worker was stopped or restarted)."


def test_only_a_failure_that_may_pass_is_retried(institution, ooapi_peer, tmp_path):
    connection_ = make_connection(institution, ooapi_peer.base_url)
    with ooapi_peer.down():
        result = import_catalogue.apply(args=[connection_.pk]).get()
    # Eagerly, retries run at once: the first try and three retries, then the task gives up cleanly.
    assert result["status"] == "failed"
    assert ImportRun.objects.filter(connection=connection_, status="failed").count() == 4
    from tests.ooapi_import.servers import untrusted_tls_server

    ImportRun.objects.all().delete()
    with untrusted_tls_server(tmp_path) as url:
        connection_.base_url = url
        connection_.save()
        assert import_catalogue.apply(args=[connection_.pk]).get()["status"] == "failed"
    assert ImportRun.objects.count() == 1  # a certificate problem does not pass by itself


def test_a_task_for_a_connection_that_is_gone_does_nothing(db):
    assert import_catalogue.apply(args=[987654]).get() == {"status": "no connection"}


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_import_from_the_queue(institution, ooapi_peer, tmp_path):
    connection_ = make_connection(institution, ooapi_peer.base_url)
    queue = f"ooapi-import-test-{uuid.uuid4().hex[:8]}"
    with worker(tmp_path / "worker.log", queue=queue):
        import_catalogue.apply_async(args=[connection_.pk], queue=queue)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            run = ImportRun.objects.filter(connection=connection_).exclude(status="running").first()
            if run:
                break
            time.sleep(0.2)
    assert run is not None, (tmp_path / "worker.log").read_text()[-3000:]
    assert run.status == "succeeded" and run.created > 200


class worker:
    """``celery worker`` on the test database and its own queue, importing the consumer's tasks."""

    def __init__(self, log_path: Path, *, queue: str):
        self.log_path = log_path
        self.queue = queue

    def __enter__(self):
        db = settings.DATABASES["default"]
        name = connection.settings_dict["NAME"]
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "portal.settings.test",
            "DATABASE_URL": f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}",
            "TEST_DATABASE_NAME": name,
        }
        celery = Path(sys.executable).with_name("celery")
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [str(celery), "-A", "portal", "worker", "--pool", "solo", "-Q", self.queue, "-I", "ooapi.consumer.tasks",
             "--hostname", f"{self.queue}@%h", "--without-heartbeat", "--without-gossip", "--without-mingle",
             "--loglevel", "INFO"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        return self

    def __exit__(self, *exc_info):
        terminate(self.process)
        self.log.close()


# The staff page ------------------------------------------------------------------------------------------

pytestmark_urls = pytest.mark.urls("tests.ooapi_import.urls")


@pytest.fixture
def client(client):
    """Pages in English, the source language the assertions use."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def manager(institution):
    return StaffRoleFactory(institution=institution, role=StaffRole.Role.CATALOGUE_MANAGER).user


@pytest.fixture
def quiet_connection(institution):
    return make_connection(institution, "http://127.0.0.1:1")


@pytestmark_urls
def test_the_page_is_for_catalogue_managers_and_administrators(client, quiet_connection):
    url = reverse("ooapi_imports:list")
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(UserFactory())
    forbidden = client.get(url)
    assert forbidden.status_code == 403
    assert "Catalogue imports are for catalogue managers and administrators." in forbidden.content.decode()
    other = StaffRoleFactory(role=StaffRole.Role.CATALOGUE_MANAGER).user
    client.force_login(other)
    page = client.get(url)
    assert page.status_code == 200 and "RefU" not in page.content.decode()
    run = ImportRun.objects.create(connection=quiet_connection)
    assert client.post(reverse("ooapi_imports:start", args=[quiet_connection.pk])).status_code == 404
    assert client.get(reverse("ooapi_imports:detail", args=[run.pk])).status_code == 404
    client.force_login(UserFactory(is_superuser=True))
    assert "RefU" in client.get(url).content.decode()


def test_starting_an_import_is_authorised_in_the_service(quiet_connection, manager):
    """``catalogue_import_start`` itself refuses other people, whatever page or command calls it."""
    with pytest.raises(PermissionDeniedError):
        services.catalogue_import_start(user=UserFactory(), connection_id=quiet_connection.pk)
    other_manager = StaffRoleFactory(role=StaffRole.Role.CATALOGUE_MANAGER).user
    with pytest.raises(NotFoundError):
        services.catalogue_import_start(user=other_manager, connection_id=quiet_connection.pk)

    connection, queued = services.catalogue_import_start(user=manager, connection_id=quiet_connection.pk)
    assert connection == quiet_connection and queued is True
    assert services.catalogue_import_start(user=manager, connection_id=quiet_connection.pk) == (connection, False)


@pytestmark_urls
def test_a_running_import_shows_a_progress_bar_that_polls(client, manager, quiet_connection):
    run = ImportRun.objects.create(connection=quiet_connection, pages_done=30)
    cache.set(progress_key(run.pk), {"phase": "offerings", "pages_total": 120})
    client.force_login(manager)

    page = client.get(reverse("ooapi_imports:list")).content.decode()

    runs_url = reverse("ooapi_imports:runs")
    assert re.search(rf'<div id="import-runs" hx-get="{runs_url}" hx-trigger="every 2s" hx-swap="outerHTML"', page)
    assert re.search(r'<progress max="120" value="30" aria-label="Import of RefU">25%</progress>', page)
    assert "25% · 30 pages · offerings" in page
    fragment = client.get(runs_url).content.decode()
    assert fragment.lstrip().startswith('<div id="import-runs"') and "<html" not in fragment
    detail = client.get(reverse("ooapi_imports:detail", args=[run.pk]), headers={"HX-Request": "true"})
    assert detail.content.decode().lstrip().startswith('<div id="import-progress" hx-get=')

    ImportRun.objects.filter(pk=run.pk).update(status="succeeded", finished_at=timezone.now())
    finished = client.get(runs_url).content.decode()
    assert 'data-polling="false"' in finished and "hx-trigger" not in finished and "<progress" not in finished


@pytestmark_urls
def test_start_queues_an_import_once(client, manager, quiet_connection, django_capture_on_commit_callbacks):
    client.force_login(manager)
    url = reverse("ooapi_imports:start", args=[quiet_connection.pk])
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(url, follow=True)
    assert len(queued) == 1
    text = response.content.decode()
    assert "The import of RefU is queued; it starts as soon as a worker is free." in text
    assert "The import of RefU is queued: waiting for a worker." in text  # and the page polls for it
    assert 'data-polling="true"' in text
    with django_capture_on_commit_callbacks() as again:
        text = client.post(url, follow=True).content.decode()
    assert again == []
    assert "An import of RefU is already queued or running." in text
    assert client.get(url).status_code == 405


@pytestmark_urls
def test_the_run_page_shows_the_report_item_by_item(client, manager, peer_connection, ooapi_peer):
    ooapi_peer.control.faults(broken=True, broken_every=50, path_prefix="/courses")
    summary = run_import(peer_connection)
    client.force_login(manager)

    page = client.get(reverse("ooapi_imports:detail", args=[summary.run_id])).content.decode()

    assert "Catalogue import of RefU" in page
    assert re.search(r"<td>Skipped</td>\s*<td>course</td>\s*<td><code>[0-9a-f-]{36}</code></td>", page)
    assert "<code>name</code></td>\n        <td>name is missing</td>" in page
    assert "its course " in page and "was not imported" in page


@pytestmark_urls
def test_a_run_whose_worker_was_lost_does_not_poll_forever(client, manager, quiet_connection):
    lost = ImportRun.objects.create(connection=quiet_connection, pages_done=3)
    ImportRun.objects.filter(pk=lost.pk).update(started_at=timezone.now() - dt.timedelta(days=2))
    client.force_login(manager)
    page = client.get(reverse("ooapi_imports:runs")).content.decode()
    assert "Stopped without finishing (its worker was lost)" in page
    assert 'data-polling="false"' in page and "<progress" not in page
