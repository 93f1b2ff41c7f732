"""Clients of the portal's OOAPI v5 provider.

    python manage.py ooapi_client create <institution-code> [--scopes ooapi.read associations.read ...] [--name NAME]
    python manage.py ooapi_client list [<institution-code>]

``create`` prints the client id and secret once: the secret is stored hashed and cannot be shown again.
"""

from django.core.management.base import BaseCommand, CommandError

from core.errors import ApplicationError
from institutions.models import Institution
from ooapi.models import ProviderClient
from ooapi.provider.scopes import PROVIDER_SCOPES, READ
from ooapi.provider.services import provider_client_create


class Command(BaseCommand):
    help = "Create or list OAuth2 clients (client credentials) of the OOAPI v5 provider, one institution each."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Create a client; prints its id and secret once.")
        create.add_argument("institution", help="Institution code, e.g. uu")
        create.add_argument(
            "--scopes",
            nargs="+",
            default=[READ],
            metavar="SCOPE",
            help=f"Scopes to grant (default {READ}); any of: {', '.join(PROVIDER_SCOPES)}",
        )
        create.add_argument("--name", default="", help="Application name (default 'OOAPI <code>')")
        listing = actions.add_parser("list", help="List clients (never their secrets).")
        listing.add_argument("institution", nargs="?", help="Only this institution's clients")

    def handle(self, *args, **options):
        if options["action"] == "create":
            self._create(options)
        else:
            self._list(options)

    def _institution(self, code: str) -> Institution:
        try:
            return Institution.objects.get(code=code)
        except Institution.DoesNotExist:
            raise CommandError(f"No institution with code {code!r}.") from None

    def _create(self, options) -> None:
        institution = self._institution(options["institution"])
        scopes = [scope for value in options["scopes"] for scope in value.replace(",", " ").split()]
        try:
            client, secret = provider_client_create(institution=institution, scopes=scopes, name=options["name"])
        except ApplicationError as error:
            raise CommandError(str(error.message)) from None
        self.stdout.write(f"institution:   {institution.code} ({institution})")
        self.stdout.write(f"client_id:     {client.application.client_id}")
        self.stdout.write(f"client_secret: {secret}")
        self.stdout.write(f"scopes:        {client.scopes}")
        self.stdout.write(
            self.style.WARNING("The secret is stored hashed: copy it now, it cannot be shown again. "),
            ending="",
        )
        self.stdout.write("Get a token with the client_credentials grant at /o/token/.")

    def _list(self, options) -> None:
        clients = ProviderClient.objects.select_related("institution", "application").order_by(
            "institution__code", "pk"
        )
        if options["institution"]:
            clients = clients.filter(institution=self._institution(options["institution"]))
        for client in clients:
            state = "active" if client.is_active else "inactive"
            self.stdout.write(
                f"{client.institution.code}\t{client.application.client_id}\t{client.scopes}\t{state}\t"
                f"{client.application.name}"
            )
