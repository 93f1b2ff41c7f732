"""Create or rotate an institution's signing key; list its keys."""

from django.core.management.base import BaseCommand, CommandError

from credentials import selectors, services
from institutions.models import Institution


class Command(BaseCommand):
    help = (
        "Create an institution's first signing key, or rotate it (--rotate): the old key is retired and stays "
        "published, so credentials it signed keep verifying. Without an action, lists the keys."
    )

    def add_arguments(self, parser):
        parser.add_argument("institution", help="the institution's code, e.g. uu")
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--create", action="store_true", help="create the first key (refused if one exists)")
        action.add_argument("--rotate", action="store_true", help="retire the current key and create a new one")

    def handle(self, *args, institution, create, rotate, **options):
        found = Institution.objects.filter(code=institution).first()
        if found is None:
            raise CommandError(f"no institution with code {institution!r}")
        if create and selectors.issuer_keys(found).filter(retired_at__isnull=True).exists():
            raise CommandError(f"{institution} has a current key already; use --rotate to replace it")
        if create or rotate:
            key = services.issuer_key_create(institution=found)
            self.stdout.write(f"{institution}: new current key {key.key_id}")
        for key in selectors.issuer_keys(found):
            state = f"retired {key.retired_at:%Y-%m-%d %H:%M}" if key.retired_at else "current"
            self.stdout.write(f"{key.key_id}\t{key.public_key_multibase}\t{state}")
