"""``manage.py ooapi_check <base-url>``: does this institution's OOAPI endpoint follow the spec?"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ooapi.conformance import SPEC_AMBIGUITY_NOTE, check_endpoint
from ooapi.errors import OOAPIError


class Command(BaseCommand):
    help = (
        "Probe an institution's OOAPI v5 endpoint (service root, organizations, academic sessions, programs, "
        "courses, a course's offerings, an offering, and /persons/me when credentials are given), validate each "
        "answer against the official spec and list every violation. Exits 1 when there are any."
    )
    requires_migrations_checks = False

    def add_arguments(self, parser) -> None:
        parser.add_argument("base_url", help="the endpoint's base URL, e.g. https://ooapi.example.nl/v5")
        parser.add_argument("--token", default="", help="bearer token (also enables the /persons/me probe)")
        parser.add_argument("--token-url", default="", help="OAuth2 token URL (client credentials)")
        parser.add_argument("--client-id", default="", help="OAuth2 client id")
        parser.add_argument("--client-secret", default="", help="OAuth2 client secret")
        parser.add_argument("--consumer", default="", help="consumer key sent as ?consumer= (e.g. eduxchange)")
        parser.add_argument("--timeout", type=float, default=15.0, help="read timeout per call in seconds")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args, **options) -> None:
        try:
            report = check_endpoint(
                base_url=options["base_url"],
                token=options["token"],
                token_url=options["token_url"],
                client_id=options["client_id"],
                client_secret=options["client_secret"],
                consumer_key=options["consumer"],
                read_timeout=options["timeout"],
            )
        except OOAPIError as error:
            raise CommandError(str(error.message)) from error
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
        else:
            self.print_report(report)
        if not report.ok:
            raise CommandError(
                _("%(count)d problem(s) found: %(url)s does not follow the OOAPI v5 spec yet.")
                % {"count": report.problem_count, "url": report.base_url},
                returncode=1,
            )

    def print_report(self, report) -> None:
        self.stdout.write(_("OOAPI v5 check of %(url)s") % {"url": report.base_url})
        for probe in report.probes:
            if probe.skipped:
                self.stdout.write(f"  - {probe.label}: " + _("skipped: %(reason)s") % {"reason": probe.skipped})
                continue
            status = f" (HTTP {probe.status})" if probe.status else ""
            if probe.ok:
                self.stdout.write(self.style.SUCCESS(f"  ✓ {probe.label}{status}: ") + _("follows the spec"))
                continue
            self.stdout.write(self.style.ERROR(f"  ✗ {probe.label}{status}") + f"  {probe.url}")
            if probe.error:
                self.stdout.write(f"      {probe.error}")
            for violation in probe.violations:
                more = ""
                if violation.count > 1:
                    more = " " + ngettext(
                        "(and %(count)d more place like it)", "(and %(count)d more places like it)", violation.count - 1
                    ) % {"count": violation.count - 1}
                self.stdout.write(f"      {violation.location}: {violation.message}{more}")
        self.stdout.write("")
        self.stdout.write(_("Note: %(note)s") % {"note": SPEC_AMBIGUITY_NOTE})
        if report.ok:
            self.stdout.write(self.style.SUCCESS(_("No problems found: the endpoint follows the OOAPI v5 spec.")))
