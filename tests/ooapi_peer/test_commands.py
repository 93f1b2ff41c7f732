"""The reference peer lives outside the portal's apps (``tools/ooapi_peer``) and keeps its commands: the demo app's
``manage.py run_ooapi_peer``, and the Compose file's ``peer`` service, which must run from what the Docker build
context holds (``.dockerignore`` applied) and needs neither Django nor any installed package."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import yaml
from django.core.management import get_commands

from tests.workers import terminate

ROOT = Path(__file__).resolve().parents[2]
READY = re.compile(r"listening on (?P<url>http://127\.0\.0\.1:\d+)")


@contextmanager
def started(command: list[str], *, cwd: Path, env: dict[str, str], log: Path) -> Iterator[str]:
    """Run ``command`` until the peer says where it listens; yield that URL, then stop it."""
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        deadline = time.monotonic() + 30
        while not (ready := READY.search(log.read_text())):
            assert process.poll() is None, f"the peer exited:\n{log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, f"the peer did not start:\n{log.read_text()[-3000:]}"
            time.sleep(0.05)
        yield ready.group("url")
    finally:
        terminate(process)


def plain_env() -> dict[str, str]:
    """This process's environment without Django's settings or a search path pointing into the repository."""
    return {
        key: value
        for key, value in os.environ.items()
        if key not in ("DJANGO_SETTINGS_MODULE", "PYTHONPATH") and not key.startswith("PYTEST")
    }


def test_run_ooapi_peer_is_the_demo_apps_command():
    assert get_commands()["run_ooapi_peer"] == "demo"
    assert not (ROOT / "ooapi" / "peer").exists()
    assert not (ROOT / "ooapi" / "management" / "commands" / "run_ooapi_peer.py").exists()


def test_the_demo_command_serves_the_reference_peer(tmp_path):
    env = {**plain_env(), "DJANGO_SETTINGS_MODULE": "portal.settings.test", "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "manage.py", "run_ooapi_peer", "--port", "0", "--offerings", "8", "--exit-with-parent"]

    with (
        started(command, cwd=ROOT, env=env, log=tmp_path / "peer.log") as url,
        httpx.Client(base_url=url, trust_env=False, timeout=10) as client,
    ):
        assert client.get("/_peer/health").status_code == 200
        courses = client.get("/courses", params={"pageSize": 10}).json()

    assert len(courses["items"]) == 2  # 8 offerings, 4 per course


def dockerignore_patterns() -> list[tuple[re.Pattern, bool]]:
    """``.dockerignore`` as Docker reads it: one pattern a line, ``#`` comments, ``**`` any number of folders,
    ``*`` and ``?`` within one name, ``!`` an exception; a pattern that matches a folder takes what is in it."""
    patterns = []
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keep = line.startswith("!")
        glob = line.removeprefix("!").strip("/")
        regex = "".join(
            ".*" if part == "**" else "[^/]*" if part == "*" else "[^/]" if part == "?" else re.escape(part)
            for part in re.split(r"(\*\*|\*|\?)", glob)
        ).replace(".*/", "(.*/)?")
        patterns.append((re.compile(regex), keep))
    return patterns


def build_context(target: Path) -> None:
    """Copy the repository as ``docker build .`` sends it: everything ``.dockerignore`` does not exclude."""
    patterns = dockerignore_patterns()

    def excluded(relative: str) -> bool:
        parts = relative.split("/")
        verdict = False
        for pattern, keep in patterns:
            if any(pattern.fullmatch("/".join(parts[:depth])) for depth in range(1, len(parts) + 1)):
                verdict = not keep
        return verdict

    for folder, subfolders, files in os.walk(ROOT):
        relative_folder = Path(folder).relative_to(ROOT)
        subfolders[:] = [name for name in subfolders if not excluded((relative_folder / name).as_posix())]
        for name in files:
            relative = (relative_folder / name).as_posix()
            if not excluded(relative):
                (target / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / relative, target / relative)


def test_the_compose_peer_service_runs_from_the_image_without_django(tmp_path):
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    command = compose["services"]["peer"]["command"]
    assert command[:3] == ["python", "-m", "tools.ooapi_peer"]
    context = tmp_path / "app"
    build_context(context)
    assert (context / "tools" / "ooapi_peer" / "server.py").exists()
    assert not (context / "tests").exists() and not (context / "bench").exists()  # the control: ignores apply

    # -S: no site-packages at all, so neither Django nor any other installed package can be imported. The
    # service's own --host and --port are overridden (the last value wins): bind to loopback, any free port.
    peer = [sys.executable, "-S", *command[1:], "--host", "127.0.0.1", "--port", "0", "--exit-with-parent"]
    with (
        started(peer, cwd=context, env=plain_env(), log=tmp_path / "peer.log") as url,
        httpx.Client(base_url=url, trust_env=False, timeout=10) as client,
    ):
        assert client.get("/_peer/health").status_code == 200
        assert client.get("/courses").json()["items"]
