"""pytest fixtures for the OOAPI v5 reference peer (``tools.ooapi_peer``), running as a real subprocess.

Use them from a test module (or the top-level ``tests/conftest.py``; pytest refuses ``pytest_plugins`` in a
conftest deeper down)::

    pytest_plugins = ["tests.ooapi_peer.fixtures"]

    def test_enrolment_reaches_the_peer(ooapi_peer):
        ooapi_peer.control.settings(decision="pending")
        ...  # point a Connection at ooapi_peer.base_url and run the sync
        assert ooapi_peer.control.association_count() == 1

Fixtures
    ``ooapi_peer``
        The session's peer (200 offerings, seed 1, a free port on 127.0.0.1), running and reset before
        each test: no associations, default settings (decision ``associated``, no authentication), no faults,
        empty request log. If a test stopped it, it is started again afterwards.
    ``ooapi_peer_session``
        The same process without the per-test reset (session scope).
    ``ooapi_peer_factory``
        ``ooapi_peer_factory(offerings=100_000, seed=7, base_path="/v5", today=date(2026, 1, 15))`` starts
        another peer for this test (stopped at teardown).

``PeerProcess`` (what the fixtures yield)
    ``base_url`` (e.g. ``http://127.0.0.1:41234``; plus the base path if any), ``origin``, ``port``, ``pid``,
    ``log_path``; ``stop()`` (SIGTERM), ``kill()`` (SIGKILL), ``start()`` (same port, same state file: the
    associations survive), ``restart()``, ``down()`` (a context manager: stopped inside, started after),
    ``is_running``; ``control`` (below).

``PeerControl`` (``peer.control``), a thin client of the peer's ``/_peer/`` API
    ``health()``, ``state()``, ``reset()``;
    ``settings(decision=..., offering_decisions={...}, auth={...})`` and ``decision(name)``;
    ``faults(**fields)`` (merged into the current faults), ``set_faults(**fields)`` (replaces them),
    ``clear_faults()``, e.g. ``faults(error_next=3, path_prefix="/associations")``,
    ``faults(hang_next=1, hang_seconds=5)``, ``faults(drop_next=1, phase="after", method="POST")``;
    ``associations(offering=None, state=None)`` (``{"count", "by_state", "by_offering", "items"}``),
    ``association_count(...)``, ``association(id)``, ``decide(id, state)``, ``decide_pending(state)``;
    ``requests(path_prefix="")`` (the OOAPI requests the peer received, with their headers),
    ``revoke_tokens()``. Field names and meanings: see ``tools.ooapi_peer``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.workers import terminate

ROOT = Path(__file__).resolve().parents[2]
READY = re.compile(r"listening on http://(?P<host>[^:/\s]+):(?P<port>\d+)")
START_TIMEOUT_SECONDS = 20


class PeerControl:
    """The peer's control API (``/_peer/``). Every call is a fresh connection: safe while faults are active."""

    def __init__(self, origin: str):
        self.url = f"{origin}/_peer"

    def call(self, method: str, path: str, *, json: Any = None, params: dict | None = None) -> Any:
        with httpx.Client(trust_env=False, timeout=10) as client:
            response = client.request(method, f"{self.url}/{path.lstrip('/')}", json=json, params=params)
        if response.status_code >= 400:
            raise AssertionError(f"peer control {method} {path}: HTTP {response.status_code} {response.text}")
        return response.json()

    def health(self) -> dict:
        return self.call("GET", "health")

    def state(self) -> dict:
        return self.call("GET", "state")

    def reset(self) -> None:
        self.call("POST", "reset")

    def settings(self, **values) -> dict:
        return self.call("POST", "settings", json=values)

    def decision(self, name: str) -> dict:
        return self.settings(decision=name)

    def faults(self, **values) -> dict:
        return self.call("POST", "faults", json=values)

    def set_faults(self, **values) -> dict:
        return self.call("PUT", "faults", json=values)

    def clear_faults(self) -> dict:
        return self.call("DELETE", "faults")

    def associations(self, *, offering: str | None = None, state: str | None = None) -> dict:
        params = {key: value for key, value in (("offering", offering), ("state", state)) if value}
        return self.call("GET", "associations", params=params)

    def association_count(self, **filters) -> int:
        return self.associations(**filters)["count"]

    def association(self, association_id: str) -> dict:
        return self.call("GET", f"associations/{association_id}")

    def decide(self, association_id: str, state: str) -> dict:
        return self.call("POST", f"associations/{association_id}/decide", json={"state": state})

    def decide_pending(self, state: str = "associated") -> int:
        return self.call("POST", "associations/decide-pending", json={"state": state})["decided"]

    def requests(self, path_prefix: str = "") -> list[dict]:
        return self.call("GET", "requests", params={"path_prefix": path_prefix})["items"]

    def report(self, *, portal: str, client_id: str, client_secret: str, association_id: str, patch: dict) -> dict:
        """Make the peer PATCH the portal's association as the institution's system does."""
        body = {
            "portal": portal,
            "client_id": client_id,
            "client_secret": client_secret,
            "association_id": association_id,
            "patch": patch,
        }
        return self.call("POST", "/report", json=body)

    def revoke_tokens(self) -> int:
        return self.call("POST", "auth/revoke")["revoked"]


class PeerProcess:
    """One reference peer subprocess (``python -m tools.ooapi_peer``) on 127.0.0.1."""

    def __init__(
        self,
        *,
        workdir: Path,
        offerings: int = 200,
        seed: int = 1,
        offerings_per_course: int = 4,
        base_path: str = "",
        today: dt.date | None = None,
        port: int = 0,
    ):
        workdir.mkdir(parents=True, exist_ok=True)
        self.workdir = workdir
        self.log_path = workdir / "peer.log"
        self.state_file = workdir / "peer-state.jsonl"
        self.options = {
            "offerings": offerings,
            "seed": seed,
            "offerings_per_course": offerings_per_course,
            "base_path": base_path.rstrip("/"),
            "today": today,
        }
        self.port = port
        self.process: subprocess.Popen | None = None

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return self.origin + self.options["base_path"]

    @property
    def control(self) -> PeerControl:
        return PeerControl(self.origin)

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    @property
    def is_running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def command(self) -> list[str]:
        options = self.options
        command = [
            sys.executable,
            "-m",
            "tools.ooapi_peer",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--offerings",
            str(options["offerings"]),
            "--seed",
            str(options["seed"]),
            "--offerings-per-course",
            str(options["offerings_per_course"]),
            "--state-file",
            str(self.state_file),
            "--exit-with-parent",
        ]
        if options["base_path"]:
            command += ["--base-path", options["base_path"]]
        if options["today"]:
            command += ["--today", options["today"].isoformat()]
        return command

    def start(self) -> PeerProcess:
        """Start the peer (on the same port as before, if it ran before) and wait until it answers."""
        if self.is_running:
            return self
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.command(), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the OOAPI peer exited at start:\n{self.log_tail(offset)}")
            match = READY.search(self.log_tail(offset))
            if match:
                self.port = int(match.group("port"))
                return self
            time.sleep(0.01)
        self.stop()
        raise RuntimeError(f"the OOAPI peer did not start within {START_TIMEOUT_SECONDS}s:\n{self.log_tail(offset)}")

    def log_tail(self, offset: int = 0) -> str:
        with self.log_path.open("rb") as log:
            log.seek(offset)
            return log.read().decode("utf-8", "replace")

    def stop(self) -> None:
        """SIGTERM, and wait for the process to end (SIGKILL after 10 s). The port is free afterwards."""
        if self.process is None:
            return
        terminate(self.process)
        self.process = None

    def kill(self) -> None:
        """SIGKILL: the peer dies mid-whatever. Associations survive in the journal."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def restart(self) -> PeerProcess:
        self.stop()
        return self.start()

    @contextlib.contextmanager
    def down(self) -> Iterator[PeerProcess]:
        """The peer is down (connections refused) inside the block and back after it."""
        self.stop()
        try:
            yield self
        finally:
            self.start()


@pytest.fixture(scope="session")
def ooapi_peer_session(tmp_path_factory) -> Iterator[PeerProcess]:
    peer = PeerProcess(workdir=tmp_path_factory.mktemp("ooapi-peer"))
    peer.start()
    try:
        yield peer
    finally:
        peer.stop()


@pytest.fixture
def ooapi_peer(ooapi_peer_session: PeerProcess) -> Iterator[PeerProcess]:
    peer = ooapi_peer_session
    peer.start()
    peer.control.reset()
    yield peer
    if not peer.is_running:
        peer.start()


@pytest.fixture
def ooapi_peer_factory(tmp_path_factory):
    started: list[PeerProcess] = []

    def make(**options) -> PeerProcess:
        peer = PeerProcess(workdir=tmp_path_factory.mktemp("ooapi-peer-extra"), **options)
        started.append(peer)
        return peer.start()

    yield make
    for peer in started:
        peer.stop()
