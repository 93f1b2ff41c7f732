"""The catalogue import: one run over a connected institution's OOAPI v5 endpoint, in three parts of its own.

- **Walking** (``ooapi.consumer.walk``): paging through the endpoint's lists through the safe client, one page
  read ahead, retries, and what to do with a page that cannot be read.
- **Matching** (``ooapi.consumer.match``): which row each document describes and what would change; the
  problems report.
- **Writing** (``ooapi.consumer.write``): one page, one transaction, through the catalogue's and the
  institutions' services; offering pages two at a time.

This module runs them in order (organizations, academic sessions, programs, courses, course offerings, then
archiving) and keeps the run's counters, report and progress.

Guarantees:

- **One page, one transaction.** Courses, offerings and programs are written page by page, each page in
  one ``transaction.atomic`` together with its search rows (the run's counters follow once it commits). If
  writing a page fails the whole page is rolled back and reported: never half a page; the import goes on with
  the next page. Organizations and academic sessions (small lists that refer to each other) are written in
  one transaction each.
- **Idempotent.** Rows are matched on the OOAPI id, then on ``primaryCode``; each field is compared before
  writing, so an unchanged catalogue writes no rows at all (no INSERT, UPDATE or DELETE; the search index
  and the catalogue stamp are only touched for rows that changed).
- **Nothing is deleted.** Offerings that vanished from the source (within the ``since`` window the import
  asked for) are archived; and only when every offering page was read and written, because an offering on
  a page that failed has not vanished.
- **Flat memory.** Pages are streamed: the page read ahead and at most two being written are all the
  documents in memory. What grows with the catalogue is the id → primary key index of the institution's
  courses and offerings and the set of offering ids seen (together about 250 bytes an offering).
- **Bad items never stop an import**: each document is parsed on its own (``ooapi.consumer.parsing``) and
  skipped with its reason, in the report. A page that cannot be read is reported and the walk goes on. Only
  an endpoint that cannot be used at all (unreachable, TLS, credentials) aborts the import.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalogue.services import offerings_archive, offerings_timetables_set
from institutions.models import Institution
from ooapi.consumer import match
from ooapi.consumer.match import Identities, Report, Tally
from ooapi.consumer.parsing import (
    Parsed,
    parse_course,
    parse_offering,
    parse_organization,
    parse_program,
    parse_session,
    read_component_slot,
)
from ooapi.consumer.walk import PAGE_SIZE, Page, Walk
from ooapi.consumer.write import CatalogueWriter, PageOutcome, PageWriters, Writer, write_page
from ooapi.http import Endpoint, OOAPIClient
from ooapi.models import ImportRun

logger = logging.getLogger(__name__)

# Organizations and academic sessions are read whole before they are written (they refer to each other).
MAX_SMALL_LIST = 10_000
REPORT_FLUSH_SECONDS = 5.0
CONSECUTIVE_WRITE_FAILURES = 3
PROGRESS_TTL_SECONDS = 24 * 3600
# Offering pages written at the same time (each its own transaction and database connection): while one
# waits for PostgreSQL, the other's Python runs.
WRITERS = 2
ARCHIVE_BATCH = 1000

# The steps of an import, as the progress bar names them.
PHASE_LABELS = {
    "organizations": _("organizations"),
    "academic sessions": _("academic sessions"),
    "programs": _("programs"),
    "courses": _("courses"),
    "offerings": _("offerings"),
    "timetables": _("timetables"),
    "archiving": _("archiving vanished offerings"),
}
PAGE_FAILED = _("Page %(page)s of %(path)s could not be read: %(reason)s")
WRITE_FAILED = _("Page %(page)s of %(path)s could not be written and was rolled back: %(reason)s")
NOT_ARCHIVED = _(
    "Offerings that vanished were not archived, because not every page of offerings was imported; "
    "the next complete import archives them."
)
LIST_STOPPED = _("The rest of %(path)s was not read: the peer did not say how many pages there are.")


def progress_key(run_id: int) -> str:
    return f"ooapi:import:{run_id}:progress"


@dataclass
class Summary:
    """Everything an import did, for the command's report and the benchmark."""

    run_id: int
    status: str
    seconds: float = 0.0
    pages: int = 0
    items: int = 0
    kinds: dict[str, Tally] = field(default_factory=dict)
    reasons: Counter = field(default_factory=Counter)
    error: str = ""
    transient: bool = False
    archived_skipped: bool = False
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def total(self) -> Tally:
        total = Tally()
        for tally in self.kinds.values():
            total.add(tally)
        return total


class CatalogueImporter:
    """One import run. ``run()`` does the work; the caller owns the ``ImportRun`` row's life cycle. It is the
    walk's ``Listener``: told of pages that cannot be read and of how many pages a list has."""

    def __init__(
        self,
        *,
        run: ImportRun,
        institution: Institution,
        endpoint: Endpoint,
        page_size: int = PAGE_SIZE,
        since: dt.date | None = None,
        verify: Any = True,
        writers: int = WRITERS,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.run_row = run
        self.institution = institution
        self.endpoint = endpoint
        self.page_size = page_size
        self.since = since or default_since(timezone.localdate())
        self.verify = verify
        self.sleep = sleep
        self.report = Report()
        self.kinds: dict[str, Tally] = {}
        self.pages_total: dict[str, int] = {}
        self.phase = ""
        self.offerings_complete = True
        self.per_course = False
        self.writers = writers
        self.write_failures = 0
        self.last_flush = time.monotonic()
        self.timings: Counter = Counter()
        self.ids = Identities()
        self.writer = CatalogueWriter(institution=institution, ids=self.ids)
        self.seen_offerings: set[str] = set()
        self.alliance_notes: Counter = Counter()
        self.walk: Walk | None = None

    @property
    def pages_done(self) -> int:
        return self.walk.pages_done if self.walk else 0

    @property
    def items_seen(self) -> int:
        return self.walk.items_seen if self.walk else 0

    def run(self) -> None:
        with OOAPIClient(self.endpoint, verify=self.verify) as client:
            self.walk = Walk(client, listener=self, page_size=self.page_size, timings=self.timings, sleep=self.sleep)
            self.set_phase("organizations")
            self.import_organizations()
            self.set_phase("academic sessions")
            self.import_sessions()
            self.set_phase("programs")
            self.import_programs()
            self.set_phase("courses")
            self.ids.load_catalogue(self.institution)
            offerings_path = self.walk.offerings_path(self.ids.root(), self.offerings_params())
            self.per_course = offerings_path is None
            self.import_courses(per_course_offerings=self.per_course)
            if offerings_path is not None:
                self.set_phase("offerings")
                self.import_offerings(offerings_path)
                self.set_phase("timetables")
                self.import_timetables(offerings_path)
            self.set_phase("archiving")
            self.archive_vanished()
        self.report.alliance_notes(self.alliance_notes, institution=self.institution)
        self.flush(force=True)

    def tally(self, kind: str) -> Tally:
        return self.kinds.setdefault(kind, Tally())

    # What the walk tells ---------------------------------------------------------------------------------------

    def page_unreadable(self, label: str, path: str, number: int, reason: str) -> None:
        # Read course by course, a page of courses that cannot be read hides their offerings too.
        if label in ("offerings", "course offerings") or (label == "courses" and self.per_course):
            self.offerings_complete = False
        self.report.note(
            "page failed",
            label or path,
            str(PAGE_FAILED % {"page": number, "path": path, "reason": reason}),
            path=path,
            page=number,
        )
        self.flush()

    def list_stopped(self, label: str, path: str) -> None:
        self.report.note("list stopped", label, str(LIST_STOPPED % {"path": path}), path=path)

    def pages_expected(self, label: str, total: int) -> None:
        self.pages_total[label] = total
        if label == "courses" and self.per_course:
            # At least one page of offerings per course.
            self.pages_total["course offerings"] = total * self.page_size
        self.publish_progress()

    # Counting and reporting ------------------------------------------------------------------------------------

    def write(self, kind: str, page: Page, parsed: list[Parsed], writer: Writer) -> None:
        """Write one page here and now (``ooapi.consumer.write.write_page``), then count it."""
        self.apply(write_page(kind, page, parsed, writer))

    def apply(self, outcome: PageOutcome) -> None:
        """Count and report what writing a page did."""
        tally = self.tally(outcome.kind)
        for item, problems in outcome.parsed:
            fatal = next((problem for problem in problems if problem.fatal), None)
            if fatal is not None:
                tally.skipped += 1
                self.report.item("skipped", item, fatal)
                continue
            for problem in problems:
                self.report.item("warning", item, problem)
        self.timings.update(outcome.seconds)
        if outcome.error is not None:
            tally.skipped += outcome.valid
            self.write_failures += 1
            if outcome.kind == "offering":
                self.offerings_complete = False
            page = outcome.page
            self.report.note(
                "page failed",
                outcome.kind,
                str(WRITE_FAILED % {"page": page.number, "path": page.path, "reason": _first_line(outcome.error)}),
                path=page.path,
                page=page.number,
            )
            self.save_counters()
            if self.write_failures >= CONSECUTIVE_WRITE_FAILURES:
                raise outcome.error
            return
        assert outcome.result is not None
        self.write_failures = 0
        tally.add(outcome.result.tally)
        for item, problem in outcome.result.warnings:
            self.report.item("warning", item, problem)
        for item, problem in outcome.result.skipped:
            self.report.item("skipped", item, problem)
        self.alliance_notes.update(outcome.result.alliance_notes)
        self.save_counters()
        self.flush()

    def save_counters(self) -> None:
        total = Tally()
        for tally in self.kinds.values():
            total.add(tally)
        ImportRun.objects.filter(pk=self.run_row.pk).update(
            pages_done=self.pages_done, items_seen=self.items_seen, **total.as_dict()
        )

    def flush(self, *, force: bool = False) -> None:
        """Write the report to the run now and then (it can be large), and always at the end."""
        if not self.report.dirty or (not force and time.monotonic() - self.last_flush < REPORT_FLUSH_SECONDS):
            return
        ImportRun.objects.filter(pk=self.run_row.pk).update(report=self.report.as_json())
        self.report.dirty = False
        self.last_flush = time.monotonic()

    def set_phase(self, phase: str) -> None:
        self.phase = phase
        self.publish_progress()

    def publish_progress(self) -> None:
        """The phase and the expected number of pages, for the progress bar (a cache entry: it is an
        estimate, and the run's own row keeps the pages done)."""
        total = sum(self.pages_total.values()) if self.pages_total else None
        try:
            cache.set(progress_key(self.run_row.pk), {"phase": self.phase, "pages_total": total}, PROGRESS_TTL_SECONDS)
        except Exception:  # noqa: BLE001 - a progress bar is never worth failing an import for
            logger.debug("ooapi import: progress not published", exc_info=True)

    # The phases ------------------------------------------------------------------------------------------------

    def collect(self, path: str, parse: Callable[[Any], Parsed], label: str) -> tuple[list[Parsed], list[Page]]:
        """A small list read whole (its items refer to each other), up to ``MAX_SMALL_LIST`` items."""
        assert self.walk is not None
        parsed: list[Parsed] = []
        pages: list[Page] = []
        for page in self.walk.pages(path, label=label, parse=parse):
            pages.append(Page(page.path, page.number, []))
            parsed.extend(page.parsed or [])
            if len(parsed) >= MAX_SMALL_LIST:
                self.list_stopped(label, path)
                break
        return parsed, pages

    def import_organizations(self) -> None:
        parsed, pages = self.collect("/organizations", parse_organization, "organizations")
        if pages:
            self.write("organization", Page("/organizations", 1, []), parsed, self.writer.units)

    def import_sessions(self) -> None:
        parsed, pages = self.collect("/academic-sessions", parse_session, "academic sessions")
        if pages:
            self.write("academic session", Page("/academic-sessions", 1, []), parsed, self.writer.sessions)
        self.ids.load_periods(self.institution)

    def import_programs(self) -> None:
        assert self.walk is not None
        for page in self.walk.pages("/programs", label="programs", parse=parse_program):
            self.write("program", page, page.parsed or [], self.writer.programmes)

    def import_courses(self, *, per_course_offerings: bool) -> None:
        assert self.walk is not None
        for page in self.walk.pages("/courses", label="courses", parse=parse_course):
            parsed = page.parsed or []
            self.write("course", page, parsed, self.writer.courses)
            if per_course_offerings:
                for item in parsed:
                    if item.ooapi_id:
                        self.import_course_offerings(item.ooapi_id)

    def offerings_params(self) -> dict[str, Any]:
        # Offering lists default to since=today; past offerings matter (results, history), so ask from the
        # start of the previous academic year.
        return {"since": self.since.isoformat()}

    def import_offerings(self, path: str) -> None:
        """The institution's offerings, page by page. Pages are written by ``PageWriters`` (two at a time,
        each in its own transaction on its own database connection) unless the import runs inside a
        transaction of its caller, where other connections would not see its rows."""
        assert self.walk is not None
        parse = partial(parse_offering, sessions=dict(self.ids.sessions))  # read by the page thread
        concurrent = self.writers > 1 and not transaction.get_connection().in_atomic_block
        with PageWriters(size=self.writers if concurrent else 0, apply=self.apply) as writers:
            for page in self.walk.pages(path, self.offerings_params(), label="offerings", parse=parse):
                writers.write("offering", page, self.offering_items(page), self.writer.offerings)

    def import_timetables(self, path: str) -> None:
        """Weekly timetables from the institution's component offerings (OOAPI v5: each one session of a part
        of a course offering, with its start and end and its ``courseOffering``): a course offering gets the
        distinct weekdays and hours of its sessions. One more list, read after the offerings; a peer that
        lists no component offerings leaves the timetables as they were."""
        assert self.walk is not None
        found: dict[str, set[tuple[int, str, str]]] = {}
        params = {**self.offerings_params(), "offeringType": "component"}
        for page in self.walk.pages(path, params, label="timetables"):
            for doc in page.items:
                slot = read_component_slot(doc)
                if slot is not None:
                    offering_id, at = slot
                    found.setdefault(offering_id, set()).add((at["weekday"], at["start"], at["end"]))
        if not found:
            return
        timetables = {
            offering_id: [{"weekday": w, "start": start, "end": end} for w, start, end in sorted(slots)]
            for offering_id, slots in found.items()
        }
        with transaction.atomic():
            started = time.perf_counter()
            offerings_timetables_set(institution=self.institution, timetables=timetables)
            self.timings["timetables"] += time.perf_counter() - started

    def import_course_offerings(self, course_id: str) -> None:
        assert self.walk is not None
        parse = partial(parse_offering, sessions=self.ids.sessions, course_id=course_id)
        path = f"/courses/{course_id}/offerings"
        for page in self.walk.pages(path, self.offerings_params(), label="course offerings", parse=parse):
            self.write("offering", page, self.offering_items(page), self.writer.offerings)

    def offering_items(self, page: Page) -> list[Parsed]:
        """The page's offerings, each id noted as seen (it exists at the source, even if it cannot be
        imported: never archive it). An id seen on an earlier page is a duplicate: skipped, so no two pages
        ever write the same offering."""
        parsed = page.parsed or []
        for item in parsed:
            if item.ooapi_id:
                if item.ooapi_id in self.seen_offerings and not item.skipped:
                    item.fail("offeringId", "duplicate", value=item.ooapi_id)
                item.ooapi_id = sys.intern(item.ooapi_id)
                self.seen_offerings.add(item.ooapi_id)
        return parsed

    def archive_vanished(self) -> None:
        """Archive the institution's imported offerings (from ``since`` on) that the source no longer lists.
        Only after a complete walk of the offerings: a page that failed would look like vanished offerings."""
        if not self.offerings_complete:
            self.report.note("not archived", "offering", str(NOT_ARCHIVED))
            return
        vanished = match.vanished_offerings(institution=self.institution, since=self.since, seen=self.seen_offerings)
        tally = self.tally("offering")
        for start in range(0, len(vanished), ARCHIVE_BATCH):
            with transaction.atomic():
                started = time.perf_counter()
                tally.archived += offerings_archive(
                    institution=self.institution, offering_ids=vanished[start : start + ARCHIVE_BATCH]
                )
                self.timings["archiving"] += time.perf_counter() - started
                self.save_counters()


def default_since(today: dt.date) -> dt.date:
    """1 August of the previous academic year: offerings of this year and the last one are imported."""
    first = today.year if today.month >= 8 else today.year - 1
    return dt.date(first - 1, 8, 1)


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0][:300]
