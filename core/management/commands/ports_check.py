"""``manage.py ports_check``: `make run` asks, before it starts anything, whether the ports it needs are free.

A second checkout started beside the first (``PORT=8001 make run``) used to collide silently: the reference
peer's port was fixed, so the second peer died in its log file and the second demo's connected institutions
talked to the first one's peer. Now each port is checked first and a clash stops `make run` with one plain
sentence on the console that says which port, what needed it and how to choose another.
"""

from __future__ import annotations

import errno
import socket

from django.core.management.base import BaseCommand, CommandError, CommandParser


def port_in_use(host: str, port: int) -> bool:
    """Whether something already listens on ``host:port`` (binding fails with "address in use")."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno in (errno.EADDRINUSE, errno.EACCES):
                return True
            raise
    return False


def clash_message(*, host: str, port: int, what: str, variable: str) -> str:
    return (
        f"Flexportal: port {port} on {host} is already in use, so {what} cannot start. "
        f"Stop whatever uses it, or choose another port: {variable}={port + 1} make run"
    )


class Command(BaseCommand):
    help = "Check that the portal's and the reference peer's ports are free; say which one clashes."
    requires_system_checks: list = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, required=True, help="the portal's port (PORT)")
        parser.add_argument("--peer-port", type=int, default=None, help="the reference peer's port (PEER_PORT)")

    def handle(self, *args, host: str, port: int, peer_port: int | None, **options) -> None:
        wanted = [(port, "the portal", "PORT")]
        if peer_port:
            wanted.append((peer_port, "the reference OOAPI peer", "PEER_PORT"))
        if peer_port == port:
            raise CommandError(f"Flexportal: PORT and PEER_PORT are both {port}; the peer needs a port of its own.")
        clashes = [
            clash_message(host=host, port=number, what=what, variable=variable)
            for number, what, variable in wanted
            if port_in_use(host, number)
        ]
        if clashes:
            raise CommandError("\n".join(clashes))
