"""``manage.py ooapi_import <institution-code> [--base-url URL]``: import a connected institution's
catalogue now and print what it did."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from institutions.models import Institution
from ooapi.consumer.importer import Summary
from ooapi.consumer.parsing import REASONS
from ooapi.consumer.services import ImportAlreadyRunning, catalogue_import, connection_for_institution
from ooapi.consumer.walk import PAGE_SIZE
from ooapi.models import Connection, ImportRun

KIND_ORDER = ("organization", "academic session", "program", "course", "offering")
COLUMNS = ("created", "updated", "unchanged", "archived", "skipped")


class Command(BaseCommand):
    help = (
        "Import the catalogue of a connected institution from its OOAPI v5 endpoint now, and print a report: "
        "created, updated, unchanged, archived and skipped (with reasons), pages and seconds."
    )

    def add_arguments(self, parser):
        parser.add_argument("institution", help="The institution's code, e.g. uu.")
        parser.add_argument(
            "--base-url",
            default="",
            help="Use this OOAPI base URL for this run (creates a connection without authentication if the "
            "institution has none yet).",
        )
        parser.add_argument("--page-size", type=int, default=PAGE_SIZE, choices=(10, 20, 50, 100, 250))
        parser.add_argument("--json", action="store_true", help="Print the summary as JSON.")

    def handle(self, *args, institution: str, base_url: str, page_size: int, json: bool, **options):
        try:
            connection, created = connection_for_institution(code=institution, base_url=base_url)
        except Institution.DoesNotExist:
            raise CommandError(f"No institution with code {institution!r}.") from None
        except Connection.DoesNotExist:
            raise CommandError(
                f"{institution} has no OOAPI connection. Add one in the admin, or pass --base-url."
            ) from None
        if created:
            self.stdout.write(f"Created an OOAPI connection for {institution} to {connection.base_url}.")
        try:
            summary = catalogue_import(connection_id=connection.pk, base_url=base_url, page_size=page_size)
        except ImportAlreadyRunning as error:
            raise CommandError(str(error.message)) from None
        if json:
            self.stdout.write(_as_json(summary))
        else:
            self.print_report(summary, base_url or connection.base_url, institution)
        if summary.status == ImportRun.Status.FAILED:
            raise CommandError(f"The import failed: {summary.error}")

    def print_report(self, summary: Summary, base_url: str, institution: str) -> None:
        write = self.stdout.write
        write(
            f"Catalogue import of {institution} from {base_url}: {summary.status} in {summary.seconds:.1f} s, "
            f"{summary.pages} pages, {summary.items} items (run {summary.run_id})."
        )
        write("")
        write(f"{'':20}" + "".join(f"{column:>11}" for column in COLUMNS))
        kinds = sorted(summary.kinds, key=lambda kind: KIND_ORDER.index(kind) if kind in KIND_ORDER else 99)
        for kind in kinds:
            counts = summary.kinds[kind].as_dict()
            write(f"{kind:20}" + "".join(f"{counts[column]:>11,}" for column in COLUMNS))
        totals = summary.total.as_dict()
        write(f"{'total':20}" + "".join(f"{totals[column]:>11,}" for column in COLUMNS))
        if summary.reasons:
            write("")
            write("Skipped, warnings and failed pages (count, what, why):")
            for (action, kind, field, reason), count in summary.reasons.most_common():
                why = str(REASONS[reason]) % _Blanks(field=field) if reason in REASONS else ""
                write(f"{count:>8,}  {action} {kind}" + (f" · {field}" if field else "") + (f": {why}" if why else ""))
        if summary.archived_skipped:
            write("Vanished offerings were not archived: not every page of offerings was imported.")
        if summary.error:
            write(f"Error: {summary.error}")


class _Blanks(dict):
    """Fills a reason's other placeholders when counts of many items are shown together."""

    def __missing__(self, key: str) -> str:
        return "…"


def _as_json(summary: Summary) -> str:
    return json.dumps(
        {
            "run": summary.run_id,
            "status": summary.status,
            "seconds": round(summary.seconds, 2),
            "pages": summary.pages,
            "items": summary.items,
            "kinds": {kind: tally.as_dict() for kind, tally in summary.kinds.items()},
            "total": summary.total.as_dict(),
            "reasons": [
                {"action": action, "kind": kind, "field": field, "reason": reason, "count": count}
                for (action, kind, field, reason), count in summary.reasons.most_common()
            ],
            "error": summary.error,
        },
        indent=2,
    )
