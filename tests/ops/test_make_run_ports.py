"""`make run` beside another `make run` (issue #7, item 6): the reference peer's port follows PORT (PORT + 100)
or PEER_PORT, the demo's connections are seeded with that port, and a port that is taken stops `make run`
with one plain sentence before anything starts.

The Makefile is read by make itself (``make -n``: what it would run, with the variables filled in).
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

ROOT = Path(__file__).resolve().parents[2]


def _planned(**variables: str) -> str:
    """What `make run` would run with these variables (nothing is run)."""
    assignments = [f"{name}={value}" for name, value in variables.items()]
    env = {"PATH": "/usr/bin:/bin", "HOME": str(Path.home())}
    done = subprocess.run(
        ["make", "-n", "--no-print-directory", "run", *assignments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout


@pytest.mark.parametrize(
    ("variables", "portal", "peer"),
    [
        ({}, 8000, 8100),
        ({"PORT": "8001"}, 8001, 8101),
        ({"PORT": "8001", "PEER_PORT": "9123"}, 8001, 9123),
    ],
)
def test_the_peer_port_follows_the_portal_port_or_peer_port(variables, portal, peer):
    plan = _planned(**variables)

    assert f"manage.py ports_check --port {portal} --peer-port {peer}" in plan
    assert f"manage.py run_ooapi_peer --port {peer} " in plan
    assert f"OOAPI_DEMO_PEER_URL=${{OOAPI_DEMO_PEER_URL:-http://127.0.0.1:{peer}}}" in plan
    assert f"manage.py serve --port {portal}" in plan
    assert not re.search(r"\b8100\b", plan) or peer == 8100  # no fixed port left anywhere


def test_the_peer_starts_before_the_demo_is_seeded():
    """So the demo's connected institution answers while its student's request is seeded."""
    plan = _planned(PORT="8001")
    assert plan.index("run_ooapi_peer") < plan.index("seed_demo") < plan.index("manage.py serve")
    assert plan.index("ports_check") < plan.index("run_ooapi_peer")


@pytest.fixture
def taken_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_taken_peer_port_is_said_plainly(taken_port):
    with pytest.raises(CommandError) as refused:
        call_command("ports_check", port=_free_port(), peer_port=taken_port)

    assert str(refused.value) == (
        f"Flexportal: port {taken_port} on 127.0.0.1 is already in use, so the reference OOAPI peer cannot start. "
        f"Stop whatever uses it, or choose another port: PEER_PORT={taken_port + 1} make run"
    )


def test_a_taken_portal_port_is_said_plainly(taken_port):
    with pytest.raises(CommandError, match=rf"port {taken_port} on 127.0.0.1 is already in use, so the portal"):
        call_command("ports_check", port=taken_port, peer_port=_free_port())


def test_free_ports_pass_and_the_same_port_twice_is_refused():
    port = _free_port()
    call_command("ports_check", port=port, peer_port=_free_port())
    with pytest.raises(CommandError, match="PORT and PEER_PORT are both"):
        call_command("ports_check", port=port, peer_port=port)


def test_make_run_stops_on_a_clash_with_the_sentence_on_the_console(taken_port):
    """The real command line `make run` starts with, in a subprocess: exit status 1 and the sentence."""
    plan = _planned(PORT=str(taken_port))
    (line,) = [line for line in plan.splitlines() if "ports_check" in line]
    args = line.split("manage.py", 1)[1].split()
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert f"port {taken_port} on 127.0.0.1 is already in use, so the portal cannot start" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.django_db
def test_healthz_speaks_english_whatever_the_browser_asks(client, settings):
    """Probes, operators and their logs read it: a Dutch browser (the portal's default language) gets English."""
    settings.LANGUAGE_CODE = "nl"
    body = client.get("/healthz", headers={"accept-language": "nl"}).json()
    assert body["checks"]["database"]["detail"] == "Query answered."
    assert body["checks"]["migrations"]["detail"] == "All migrations applied."


def test_serve_prints_the_start_up_notes_once(monkeypatch, capsys):
    """runserver's reloader runs ``serve`` again in a child (RUN_MAIN=true), and again after every change:
    only the first process says what the demo's shortcuts are."""
    from core.management.commands import serve

    monkeypatch.setattr(serve, "startup_notes", lambda: ["Staff MFA (TOTP) is switched off for this demo"])
    monkeypatch.setattr(serve, "call_command", lambda *args, **kwargs: None)
    monkeypatch.setattr(serve.connections["default"], "vendor", "sqlite")

    monkeypatch.delenv("RUN_MAIN", raising=False)
    call_command("serve", port=_free_port())
    monkeypatch.setenv("RUN_MAIN", "true")
    call_command("serve", port=_free_port())

    assert capsys.readouterr().out.count("Staff MFA (TOTP) is switched off") == 1
