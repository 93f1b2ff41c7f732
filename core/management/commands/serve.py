"""``make run``'s web server: gunicorn on PostgreSQL, Django's runserver on the embedded SQLite default.

Django's runserver answers each request on a thread of its own and never closes what a finished thread kept
open: with persistent connections (``CONN_MAX_AGE``) a busy demo filled PostgreSQL's connection slots within a
minute. On PostgreSQL the demo therefore runs under gunicorn with a fixed number of single-threaded workers,
each keeping at most one connection, as production does; ``--reload`` restarts them when the code changes.
The embedded SQLite default keeps runserver (and ``portal.settings.dev`` sets ``CONN_MAX_AGE`` 0 under it).

The start-up notes (the demo's shortcuts) are printed here, once: runserver's reloader runs this command again
in a child process, and again after every code change, and gunicorn starts a process per worker.
"""

from __future__ import annotations

import os
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connections

from core.apps import startup_notes


def gunicorn_argv(*, host: str, port: int, workers: int, reload: bool) -> list[str]:
    """The gunicorn command line ``serve`` runs on PostgreSQL (also what the connection-bound test starts)."""
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "portal.wsgi:application",
        f"--bind={host}:{port}",
        f"--workers={workers}",
        "--threads=1",  # one request at a time per worker: at most one database connection each
        "--worker-class=sync",
        "--timeout=60",
        # Header limits (gunicorn's defaults, written out); the body is capped by PORTAL_MAX_REQUEST_BYTES.
        "--limit-request-line=8190",
        "--limit-request-fields=100",
        "--limit-request-field_size=8190",
        "--graceful-timeout=5",
    ]
    if reload:
        argv.append("--reload")
    return argv


class Command(BaseCommand):
    help = "Serve the portal for `make run`: gunicorn on PostgreSQL, runserver on the embedded SQLite default."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("WEB_CONCURRENCY", "2")),
            help="gunicorn workers on PostgreSQL (WEB_CONCURRENCY, default 2); each keeps one connection at most",
        )
        parser.add_argument("--no-reload", action="store_true", help="do not restart when the code changes")

    def handle(self, *args, host: str, port: int, workers: int, no_reload: bool, **options) -> None:
        if os.environ.get("RUN_MAIN") != "true":  # not runserver's reloaded child: the first start only
            for note in startup_notes():
                self.stdout.write(f"Flexportal: {note}")
            self.stdout.flush()
        if connections["default"].vendor != "postgresql":
            call_command("runserver", f"{host}:{port}", use_reloader=not no_reload)
            return
        argv = gunicorn_argv(host=host, port=port, workers=workers, reload=not no_reload)
        self.stdout.write(
            f"Flexportal: PostgreSQL configured; serving through gunicorn on http://{host}:{port}/ "
            f"({workers} workers, at most one database connection each, CONN_MAX_AGE="
            f"{settings.DATABASES['default'].get('CONN_MAX_AGE', 0)})"
        )
        self.stdout.flush()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", settings.SETTINGS_MODULE),
        }
        os.execve(argv[0], argv, env)  # noqa: S606 (our own interpreter and gunicorn, a fixed argument list)
