"""``manage.py run_ooapi_peer``: the OOAPI v5 reference peer in the foreground (see ``ooapi.peer``)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from ooapi.peer.__main__ import add_arguments, options_from
from ooapi.peer.server import serve


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
        import argparse

        serve(stdout=self.stdout, **options_from(argparse.Namespace(**options)))
