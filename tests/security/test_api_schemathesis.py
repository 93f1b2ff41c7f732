"""Issue #5: schemathesis against the portal's API, with the OpenAPI schema the portal itself serves.

``schemathesis run`` (the CLI, in a subprocess) is pointed at ``/api/schema/`` of a live server, anonymously
and as a student with an allauth session token, with a bounded number of examples per operation and a fixed
seed, so the run is the same every time and both take about a minute together. It must find 0 server errors
and 0 violations of the schema: every status code, content type, header and body of every answer as documented.
The coverage phase tries the boundary values of valid requests (``schemathesis.toml`` beside this file), the
fuzzing phase valid and invalid ones.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery staple"  # the factories' password
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    ]
)
MAX_EXAMPLES = 8
CONFIG = Path(__file__).with_name("schemathesis.toml")
SEED = 20261207


def _schemathesis() -> str:
    found = shutil.which("schemathesis", path=os.path.dirname(sys.executable))
    assert found, "schemathesis is not installed in this environment (pip install -c requirements.lock -e '.[dev]')"
    return found


def run_schemathesis(live_server, workdir: Path, *headers: str) -> subprocess.CompletedProcess:
    command = [
        _schemathesis(),
        f"--config-file={CONFIG}",
        "run",
        f"{live_server.url}/api/schema/",
        f"--url={live_server.url}",
        f"--checks={CHECKS}",
        f"--max-examples={MAX_EXAMPLES}",
        f"--seed={SEED}",
        "--phases=examples,coverage,fuzzing",
        "--workers=4",
        "--request-timeout=20",
        "--suppress-health-check=all",
        "--no-color",
        *(f"--header={header}" for header in headers),
        # e.g. SCHEMATHESIS_EXTRA_ARGS="--report=ndjson --report-dir=/tmp/st" to see every request; later wins
        *os.environ.get("SCHEMATHESIS_EXTRA_ARGS", "").split(),
    ]
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(workdir),
        "LANG": "C.UTF-8",
        "NO_PROXY": "*",
    }
    return subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True, timeout=240)


@pytest.fixture
def generous_limits(settings):
    """Room for the run's writes: the write throttle would otherwise answer most of them 429 (documented, but
    then the operations behind it would hardly be exercised)."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"writes": "100000/min"}}
    settings.LANGUAGE_CODE = "en"


def _summary(completed: subprocess.CompletedProcess) -> str:
    return f"exit {completed.returncode}\n{completed.stdout[-12000:]}\n{completed.stderr[-3000:]}"


def test_anonymous_clients_find_no_server_error_and_no_schema_violation(
    live_server,
    zone,
    submitted,
    generous_limits,
    tmp_path,
):
    completed = run_schemathesis(live_server, tmp_path)

    assert completed.returncode == 0, _summary(completed)
    assert "No issues found" in completed.stdout or "passed" in completed.stdout, _summary(completed)


def test_a_student_finds_no_server_error_and_no_schema_violation(
    live_server,
    zone,
    submitted,
    generous_limits,
    tmp_path,
):
    login = Client().post(
        "/_allauth/app/v1/auth/login",
        {"email": zone["student"].user.email, "password": PASSWORD},
        content_type="application/json",
    )
    assert login.status_code == 200, login.content
    token = login.json()["meta"]["session_token"]

    completed = run_schemathesis(live_server, tmp_path, f"X-Session-Token: {token}")

    assert completed.returncode == 0, _summary(completed)
