"""``manage.py run_ooapi_peer``: the OOAPI v5 reference peer in the foreground (see ``tools.ooapi_peer``).

The peer stands in for a connected institution's own system in development, the demo and the tests, so its
command belongs to the demo, not to ``ooapi``. ``python -m tools.ooapi_peer`` runs the same without Django.
"""

from __future__ import annotations

import argparse

from django.core.management.base import BaseCommand

from tools.ooapi_peer.__main__ import add_arguments, options_from
from tools.ooapi_peer.server import serve


class Command(BaseCommand):
    help = (
        "Run the OOAPI v5 reference peer: a fake institution system with a generated catalogue, associations, "
        "fault injection and a control API under /_peer/. Needs no database. Stop with Ctrl-C or SIGTERM."
    )
    requires_system_checks: list = []
    requires_migrations_checks = False

    def add_arguments(self, parser) -> None:
        add_arguments(parser)

    def handle(self, *args, **options) -> None:
        serve(stdout=self.stdout, **options_from(argparse.Namespace(**options)))
