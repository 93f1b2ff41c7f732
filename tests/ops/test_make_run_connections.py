"""Issue #5, hole 6: `make run` on PostgreSQL keeps the number of database connections bounded.

The portal is started exactly as the Makefile's ``run`` target starts its web server (the command is read from
the Makefile), in a real subprocess on a free port, against a throwaway PostgreSQL database. 500 sequential
requests, each on a new HTTP connection as browsers and probes make them, must leave at most one PostgreSQL
backend per gunicorn worker. Under the old setup (the threaded runserver with ``CONN_MAX_AGE=60``) every
request thread kept a backend of its own; the test stops that server as soon as the bound is passed, well
before the database's own limit, so a failing run does not starve other databases on the server.

The same server shows that an oversized body is refused before it is sent.
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 2
REQUESTS = 500
PATHS = ("/", "/catalogue/", "/api/offerings/", "/healthz", "/api/institutions/")


def _server_url() -> str:
    return os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/flexportal")


def _maintenance_connection() -> psycopg.Connection:
    parts = urlsplit(_server_url())
    return psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        dbname="postgres",
        autocommit=True,
    )


def _database_url(name: str) -> str:
    parts = urlsplit(_server_url())
    return parts._replace(path=f"/{name}").geturl()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_run_server_command(port: int) -> list[str]:
    """The command `make run` ends with (``exec $(PY) manage.py …``), with $(PY) and $(PORT) filled in."""
    recipe = (ROOT / "Makefile").read_text()
    run_target = recipe.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    (line,) = re.findall(r"exec \$\(PY\) (manage\.py [^\n;]+)", run_target)
    return [sys.executable, *line.replace("$(PORT)", str(port)).split()]


def _environment(database_url: str, port: int) -> dict[str, str]:
    """What `make run` sees on a developer's machine with PostgreSQL: DATABASE_URL, no REDIS_URL, dev settings."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(Path.home()),
        "LANG": "C.UTF-8",
        "DATABASE_URL": database_url,
        "PORT": str(port),
        "WEB_CONCURRENCY": str(WORKERS),
        "DJANGO_SETTINGS_MODULE": "portal.settings.dev",
        "PYTHONUNBUFFERED": "1",
    }


@pytest.fixture(scope="module")
def make_run_server(tmp_path_factory):
    name = f"flexportal_run_sec_{secrets.token_hex(4)}"
    log_path = tmp_path_factory.mktemp("make_run") / "server.log"
    port = _free_port()
    env = _environment(_database_url(name), port)
    with _maintenance_connection() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    process = None
    try:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            timeout=180,
        )
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                make_run_server_command(port), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        _wait_until_up(port, process, log_path)
        yield {"port": port, "database": name, "process": process, "log": log_path}
    finally:
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        with _maintenance_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _wait_until_up(port: int, process: subprocess.Popen, log_path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the server exited:\n{log_path.read_text()}"
        try:
            if _get(port, "/healthz") in (200, 503):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"the server did not answer within {timeout} s:\n{log_path.read_text()}")


def _get(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={"Accept-Language": "en"})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def _backends(database: str) -> int:
    with _maintenance_connection() as admin:
        return admin.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [database]).fetchone()[0]


def test_500_sequential_requests_keep_the_connection_count_bounded(make_run_server):
    port, database, log_path = make_run_server["port"], make_run_server["database"], make_run_server["log"]
    statuses: dict[int, int] = {}
    most = 0
    for n in range(REQUESTS):
        status = _get(port, PATHS[n % len(PATHS)])
        statuses[status] = statuses.get(status, 0) + 1
        if n % 10 == 9:
            most = max(most, _backends(database))
            assert most <= WORKERS, (
                f"{most} connections to the database after {n + 1} requests; at most {WORKERS} expected "
                f"(one per gunicorn worker)\n{log_path.read_text()[-2000:]}"
            )

    assert statuses == {200: REQUESTS}, statuses
    assert 1 <= most <= WORKERS


def test_the_server_is_gunicorn_with_persistent_connections(make_run_server):
    """Bounded not by giving up connection reuse, but by a fixed number of single-threaded workers."""
    log = make_run_server["log"].read_text()

    assert "serving through gunicorn" in log
    assert f"({WORKERS} workers, at most one database connection each, CONN_MAX_AGE=60)" in log


def test_an_oversized_body_is_refused_before_it_is_sent(make_run_server):
    """The 413 arrives while the client still holds back the 60 MB it announced."""
    with socket.create_connection(("127.0.0.1", make_run_server["port"]), timeout=10) as sock:
        sock.sendall(
            b"POST /api/enrolments/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n"
            b"Accept-Language: en\r\nContent-Length: 62914560\r\n\r\n"
            + b"x"
            * 1024  # a first kilobyte, then nothing: the rest never comes
        )
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk

    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413"), answer[:500]
    assert b'"code": "request_too_large"' in body
    assert b"at most 10 MB" in body


def _chunked_post(port: int, path: str, size: int) -> bytes:
    """POST ``size`` bytes in 64 KiB chunks without a Content-Length; the answer, however far the body got."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            "Accept-Language: en\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
        )
        chunk = b"x" * 65536
        sent = 0
        try:
            while sent < size:
                piece = chunk[: min(len(chunk), size - sent)]
                sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
                sent += len(piece)
            sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before the end of the body
        answer = b""
        try:
            while chunk_in := sock.recv(65536):
                answer += chunk_in
        except (ConnectionResetError, TimeoutError):
            pass
        return answer


def test_a_chunked_body_is_measured_as_it_is_read(make_run_server):
    """gunicorn decodes a chunked body; the portal reads it only up to the limit, then refuses it (413)."""
    small = _chunked_post(make_run_server["port"], "/api/enrolments/", 1024)
    large = _chunked_post(make_run_server["port"], "/api/enrolments/", 11 * 1024 * 1024)

    assert small.startswith(b"HTTP/1.1 403"), small[:300]  # past the size check: anonymous, so not allowed
    assert large.startswith(b"HTTP/1.1 413"), large[:300]
    assert b'"code": "request_too_large"' in large
