"""The catalogue import: walk a connected institution's OOAPI v5 endpoint and upsert what it describes.

Order: organizations (units), academic sessions (years and periods), programs, courses, course offerings,
then archiving. Every call goes through the safe client (``ooapi.http``): one origin, no redirects,
bounded answers. Pages are asked for by ``pageNumber`` until ``hasNextPage`` is false; links in a page
(``next``, ``href``) are never followed.

Guarantees:

- **One page, one transaction.** Courses, offerings and programs are written page by page, each page in
  one ``transaction.atomic`` together with its search rows (the run's counters follow once it commits). If
  writing a page fails the whole page is rolled back and reported; the import goes on with the next page.
  Organizations and academic sessions (small lists that refer to each other) are written in one
  transaction each.
- **Idempotent.** Rows are matched on the OOAPI id, then on ``primaryCode``; each field is compared before
  writing, so an unchanged catalogue writes no rows at all (no INSERT, UPDATE or DELETE; the search index
  and the catalogue stamp are only touched for rows that changed).
- **Nothing is deleted.** Offerings that vanished from the source (within the ``since`` window the import
  asked for) are archived; and only when every offering page was read and written, because an offering on
  a page that failed has not vanished.
- **Flat memory.** Pages are streamed: the page read ahead and at most two being written are all the
  documents in memory. What grows with the catalogue is the id → primary key index of the institution's
  courses and offerings and the set of offering ids seen (together about 250 bytes an offering).
- **Two writers.** Offering pages are written two at a time, each in its own transaction on its own
  database connection (``PageWriters``), so one page's Python work overlaps the other's wait for
  PostgreSQL; counting and reporting stay in page order.
- **Bad items never stop an import**: each document is parsed on its own (``ooapi.consumer.parsing``) and
  skipped with its reason. A page that cannot be read (malformed, too large, a redirect, an error after
  retries) is reported and the walk goes on with the next page when the peer said how many there are. Only
  an endpoint that cannot be used at all (unreachable, TLS, credentials) aborts the import.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import sys
import threading
import time
from bisect import bisect_right
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.core.cache import cache
from django.db import DatabaseError, connections, transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from catalogue.models import Course, Offering, Theme
from catalogue.services import course_publications_replace, search_index_refresh
from institutions.models import AcademicPeriod, AcademicYear, Institution, OrganisationalUnit, Programme
from ooapi.consumer.parsing import (
    Parsed,
    Problem,
    SessionInfo,
    parse_course,
    parse_offering,
    parse_organization,
    parse_program,
    parse_session,
    year_name,
)
from ooapi.errors import (
    EndpointConfigurationError,
    OOAPIError,
    PeerAuthenticationError,
    PeerClientError,
    PeerNotFoundError,
    PeerTLSError,
    PeerUnreachableError,
    TokenError,
)
from ooapi.http import Endpoint, OOAPIClient, PeerResponse
from ooapi.models import ImportRun

logger = logging.getLogger(__name__)

PAGE_SIZE = 250  # the largest pageSize OOAPI allows
MAX_PAGES = 100_000
# Organizations and academic sessions are read whole before they are written (they refer to each other).
MAX_SMALL_LIST = 10_000
FETCH_ATTEMPTS = 3
RETRY_DELAYS = (0.5, 2.0)
MAX_REPORT_ENTRIES = 1000
REPORT_FLUSH_SECONDS = 5.0
CONSECUTIVE_WRITE_FAILURES = 3
PROGRESS_TTL_SECONDS = 24 * 3600
# Offering pages written at the same time (each its own transaction and database connection): while one
# waits for PostgreSQL, the other's Python runs.
WRITERS = 2
MISSING = object()

# Failures of the endpoint as a whole: no later call would do better, so the import stops.
ENDPOINT_ERRORS = (
    PeerUnreachableError,
    PeerTLSError,
    PeerAuthenticationError,
    TokenError,
    EndpointConfigurationError,
)

COURSE_FIELDS = (
    "code",
    "title_nl",
    "title_en",
    "description_nl",
    "description_en",
    "learning_outcomes_nl",
    "learning_outcomes_en",
    "ec",
    "level",
    "eqf_level",
    "language",
    "unit_id",
    "ooapi_id",
)
OFFERING_FIELDS = (
    "course_id",
    "module_id",
    "period_id",
    "code",
    "start_date",
    "end_date",
    "enrol_opens_at",
    "enrol_closes_at",
    "capacity",
    "mode",
    "city",
    "location",
    "is_archived",
    "ooapi_id",
)

# The steps of an import, as the progress bar names them.
PHASE_LABELS = {
    "organizations": _("organizations"),
    "academic sessions": _("academic sessions"),
    "programs": _("programs"),
    "courses": _("courses"),
    "offerings": _("offerings"),
    "archiving": _("archiving vanished offerings"),
}
PAGE_FAILED = _("Page %(page)s of %(path)s could not be read: %(reason)s")
WRITE_FAILED = _("Page %(page)s of %(path)s could not be written and was rolled back: %(reason)s")
NOT_ARCHIVED = _(
    "Offerings that vanished were not archived, because not every page of offerings was imported; "
    "the next complete import archives them."
)
LIST_STOPPED = _("The rest of %(path)s was not read: the peer did not say how many pages there are.")
# eduXchange alliance entries the import could not take over as they were, one line per alliance and value.
ALLIANCE_NOTES = {
    "unknown_alliance": _(
        "%(alliance)s: the portal knows no such eduXchange alliance; courses not published there: %(count)s."
    ),
    "not_a_member": _(
        "%(alliance)s: %(institution)s is not a member of this alliance; courses not published there: %(count)s."
    ),
    "unknown_theme": _(
        "%(alliance)s: the theme %(value)s is not in the alliance's vocabulary; courses published there without "
        "a theme: %(count)s."
    ),
}


def progress_key(run_id: int) -> str:
    return f"ooapi:import:{run_id}:progress"


class ImportAborted(Exception):
    """The endpoint cannot be used at all; the import stops. Carries the client's error."""

    def __init__(self, error: OOAPIError):
        super().__init__(str(error.message))
        self.error = error


class PageUnreadable(Exception):
    def __init__(self, message: Any, *, stop: bool = False):
        super().__init__(message)
        self.message = message
        self.stop = stop


@dataclass
class Page:
    path: str
    number: int
    items: list[Any]
    parsed: list[Parsed] | None = None


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    archived: int = 0

    def add(self, other: Tally) -> None:
        for name in ("created", "updated", "unchanged", "skipped", "archived"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "archived": self.archived,
        }


@dataclass
class PageResult:
    """What writing one page did: counts, items skipped while writing, and offerings whose search rows must
    be refreshed."""

    tally: Tally = field(default_factory=Tally)
    skipped: list[tuple[Parsed, Problem]] = field(default_factory=list)
    changed_offerings: set[int] = field(default_factory=set)
    # (reason, alliance, value) of eduXchange entries not taken over as they were: how many courses each.
    alliance_notes: Counter = field(default_factory=Counter)
    # What the page added to the importer's id maps, undone when its transaction rolls back.
    journal: list[tuple[dict, Any, Any]] = field(default_factory=list)

    def remember(self, mapping: dict, key: Any, value: Any) -> None:
        self.journal.append((mapping, key, mapping.get(key, MISSING)))
        mapping[key] = value

    def forget(self) -> None:
        for mapping, key, old in reversed(self.journal):
            if old is MISSING:
                mapping.pop(key, None)
            else:
                mapping[key] = old
        self.journal.clear()

    def skip(self, parsed: Parsed, field_name: str, reason: str, **params: Any) -> None:
        parsed.fail(field_name, reason, **params)
        self.skipped.append((parsed, parsed.problems[-1]))
        self.tally.skipped += 1


Writer = Callable[[list[Parsed], PageResult], Any]


@dataclass
class PageOutcome:
    kind: str
    page: Page
    parsed: list[tuple[Parsed, list[Problem]]]
    valid: int = 0
    result: PageResult | None = None
    error: DatabaseError | None = None
    seconds: dict[str, float] = field(default_factory=dict)


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


class Report:
    """The run's report entries (capped) and the reasons tally (complete)."""

    def __init__(self) -> None:
        self.entries: list[dict] = []
        self.dropped = 0
        self.reasons: Counter = Counter()
        self.dirty = False

    def item(self, action: str, parsed: Parsed, problem: Problem) -> None:
        self.reasons[(action, parsed.kind, problem.field, problem.reason)] += 1
        self.add(
            {
                "action": action,
                "kind": parsed.kind,
                "id": parsed.ooapi_id,
                "code": parsed.code,
                "field": problem.field,
                "reason": problem.reason,
                "outcome": problem.outcome,
                "params": problem.params,
                "problem": problem.message(),
            }
        )

    def note(self, action: str, kind: str, message: str, **extra: Any) -> None:
        self.reasons[(action, kind, "", "")] += 1
        self.add({"action": action, "kind": kind, "problem": message, **extra})

    def add(self, entry: dict) -> None:
        self.dirty = True
        if len(self.entries) < MAX_REPORT_ENTRIES:
            self.entries.append(entry)
        else:
            self.dropped += 1

    def as_json(self) -> list[dict]:
        if not self.dropped:
            return list(self.entries)
        return [*self.entries, {"action": "truncated", "kind": "report", "count": self.dropped, "problem": ""}]


class PageWriters:
    """Writes pages in ``size`` threads, in page order as far as counting and reporting go. Each thread has
    its own database connection (Django's are per thread), closed when the writers close. ``size`` 0 writes
    in the calling thread. At most ``size`` pages are in flight, so memory stays bounded."""

    def __init__(self, importer: CatalogueImporter, size: int):
        self.importer = importer
        self.size = size
        self.pending: deque[Future] = deque()
        self.pool = ThreadPoolExecutor(max_workers=size, thread_name_prefix="ooapi-write") if size else None

    def write(self, kind: str, page: Page, parsed: list[Parsed], writer: Writer) -> None:
        if self.pool is None:
            self.importer.write(kind, page, parsed, writer)
            return
        while len(self.pending) >= self.size:
            self.importer.apply(self.pending.popleft().result())
        language = translation.get_language()
        self.pending.append(self.pool.submit(self._write, language, kind, page, parsed, writer))

    def _write(self, language: str, kind: str, page: Page, parsed: list[Parsed], writer: Writer) -> PageOutcome:
        with translation.override(language):
            return self.importer.write_page(kind, page, parsed, writer)

    def __enter__(self) -> PageWriters:
        return self

    def __exit__(self, exc_type, *exc_info) -> None:
        if self.pool is None:
            return
        try:
            while self.pending:
                future = self.pending.popleft()
                if exc_type is None:
                    self.importer.apply(future.result())
                else:
                    with contextlib.suppress(Exception):  # the error already on its way is the one to report
                        self.importer.apply(future.result())
        finally:
            self.close()

    def close(self) -> None:
        """Every thread closes its own database connection (a barrier makes each take one close)."""
        assert self.pool is not None
        barrier = threading.Barrier(self.size)

        def close_connection() -> None:
            try:
                barrier.wait(timeout=60)
            finally:
                connections.close_all()

        for future in [self.pool.submit(close_connection) for _number in range(self.size)]:
            with contextlib.suppress(threading.BrokenBarrierError):
                future.result()
        self.pool.shutdown(wait=True)


class CatalogueImporter:
    """One import run. ``run()`` does the work; the caller owns the ``ImportRun`` row's life cycle."""

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
        self.pages_done = 0
        self.items_seen = 0
        self.pages_total: dict[str, int] = {}
        self.phase = ""
        self.offerings_complete = True
        self.per_course = False
        self.writers = writers
        self.write_failures = 0
        self.last_flush = time.monotonic()
        self.timings: Counter = Counter()
        # OOAPI id → primary key, for what this import matched or made.
        self.units: dict[str, int | None] = {}
        self.sessions: dict[str, SessionInfo] = {}
        self.periods: list[tuple[dt.date, dt.date, int]] = []
        self.period_starts: list[dt.date] = []
        self.course_pks: dict[str, int] = {}
        self.offering_pks: dict[str, int] = {}
        self.seen_offerings: set[str] = set()
        self.themes: dict[str, int] | None = None
        self.alliance_notes: Counter = Counter()
        self.client: OOAPIClient | None = None

    # The walk -------------------------------------------------------------------------------------------

    def run(self) -> None:
        with OOAPIClient(self.endpoint, verify=self.verify) as client:
            self.client = client
            self.set_phase("organizations")
            self.import_organizations()
            self.set_phase("academic sessions")
            self.import_sessions()
            self.set_phase("programs")
            self.import_programs()
            self.set_phase("courses")
            self.load_identities()
            offerings_path = self.offerings_path()
            self.per_course = offerings_path is None
            self.import_courses(per_course_offerings=self.per_course)
            if offerings_path is not None:
                self.set_phase("offerings")
                self.import_offerings(offerings_path)
            self.set_phase("archiving")
            self.archive_vanished()
        self.report_alliance_notes()
        self.flush(force=True)

    def tally(self, kind: str) -> Tally:
        return self.kinds.setdefault(kind, Tally())

    # Paging --------------------------------------------------------------------------------------------

    def fetch(self, path: str, params: dict[str, Any]) -> PeerResponse:
        """One GET, retried on transient failures; endpoint-wide failures abort the import."""
        assert self.client is not None
        for attempt in range(FETCH_ATTEMPTS):
            try:
                return self.client.get(path, params=params)
            except OOAPIError as error:
                if error.transient and attempt < FETCH_ATTEMPTS - 1:
                    self.sleep(RETRY_DELAYS[min(attempt, len(RETRY_DELAYS) - 1)])
                    continue
                if isinstance(error, ENDPOINT_ERRORS):
                    raise ImportAborted(error) from error
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    def pages(
        self,
        path: str,
        params: dict[str, Any] | None = None,
        *,
        label: str = "",
        parse: Callable[[Any], Parsed] | None = None,
    ) -> Iterator[Page]:
        """The pages of an OOAPI list, by ``pageNumber``. A page that cannot be read is reported; the walk
        continues when the peer said how many pages there are (``totalPages``), else it stops there.

        The next page is fetched (and parsed with ``parse``) in a background thread while the caller writes
        this one, so waiting for the peer overlaps with waiting for the database. One page is read ahead,
        never more."""
        language = translation.get_language()

        def read(number: int) -> tuple[list, bool, int | None, list[Parsed] | None, float, float]:
            with translation.override(language):
                started = time.perf_counter()
                items, has_next, total_pages = self.read_page(path, {**(params or {}), "pageNumber": number}, number)
                fetched = time.perf_counter()
                parsed = [parse(doc) for doc in items] if parse else None
                return items, has_next, total_pages, parsed, fetched - started, time.perf_counter() - fetched

        number, total = 1, None
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ooapi-page") as pool:
            future = pool.submit(read, number)
            while number <= MAX_PAGES:
                waited = time.perf_counter()
                try:
                    items, has_next, total_pages, parsed, fetch_seconds, parse_seconds = future.result()
                except PageUnreadable as error:
                    self.pages_done += 1
                    self.page_failed(label, path, number, str(error.message))
                    if total and number < total and not error.stop:
                        number += 1
                        future = pool.submit(read, number)
                        continue
                    if not (total and number >= total):
                        self.report.note("list stopped", label or path, str(LIST_STOPPED % {"path": path}), path=path)
                    return
                finally:
                    self.timings["waiting for the peer"] += time.perf_counter() - waited
                self.timings["fetching"] += fetch_seconds
                self.timings["parsing"] += parse_seconds
                if total_pages:
                    total = total_pages
                    if label in ("organizations", "academic sessions", "programs", "courses", "offerings"):
                        self.pages_total[label] = total_pages
                        if label == "courses" and self.per_course:
                            # At least one page of offerings per course.
                            self.pages_total["course offerings"] = total_pages * self.page_size
                        self.publish_progress()
                more = bool(has_next and items and number < MAX_PAGES)
                if more:
                    future = pool.submit(read, number + 1)
                self.pages_done += 1
                self.items_seen += len(items)
                yield Page(path, number, items, parsed)
                if not more:
                    return
                number += 1

    def read_page(self, path: str, params: dict[str, Any], number: int) -> tuple[list, bool, int | None]:
        try:
            response = self.fetch(path, {**params, "pageSize": self.page_size})
            body = response.data
        except ImportAborted:
            raise
        except OOAPIError as error:
            raise PageUnreadable(error.message) from error
        if not isinstance(body, dict) or not isinstance(body.get("items"), list):
            raise PageUnreadable(_("the answer is not an OOAPI page (no “items” list)"))
        answered = body.get("pageNumber")
        if isinstance(answered, int) and not isinstance(answered, bool) and answered != number:
            raise PageUnreadable(
                str(_("the peer answered page %(answered)s instead") % {"answered": answered}), stop=True
            )
        total = body.get("totalPages")
        total = total if isinstance(total, int) and not isinstance(total, bool) and 0 < total <= MAX_PAGES else None
        has_next = body.get("hasNextPage")
        if not isinstance(has_next, bool):
            has_next = bool(total and number < total)
        return body["items"], has_next, total

    def page_failed(self, label: str, path: str, number: int, reason: str) -> None:
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

    # Writing a page ------------------------------------------------------------------------------------

    def write(self, kind: str, page: Page, parsed: list[Parsed], writer: Writer) -> None:
        """Write one page here and now (see ``write_page``)."""
        self.apply(self.write_page(kind, page, parsed, writer))

    def write_page(self, kind: str, page: Page, parsed: list[Parsed], writer: Writer) -> PageOutcome:
        """Write the page's valid items in one transaction, with their search rows. A database failure rolls
        the whole page back (and what it added to the id maps). Runs in any thread: the outcome is applied
        to the run's counters and report by ``apply``, in the importer's own thread."""
        # What parsing found, before writing adds its own reasons to skip.
        outcome = PageOutcome(kind=kind, page=page, parsed=[(item, list(item.problems)) for item in parsed])
        valid = [item for item in parsed if not item.skipped]
        outcome.valid = len(valid)
        result = PageResult()
        started = time.perf_counter()
        try:
            with transaction.atomic():
                writer(valid, result)
                written = time.perf_counter()
                outcome.seconds["writing"] = written - started
                if result.changed_offerings:
                    search_index_refresh(offering_ids=result.changed_offerings)
                    outcome.seconds["search index"] = time.perf_counter() - written
        except DatabaseError as error:
            result.forget()
            outcome.error = error
            logger.warning("ooapi import: page %s of %s rolled back: %s", page.number, page.path, error)
            return outcome
        outcome.result = result
        return outcome

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

    # Organizations -------------------------------------------------------------------------------------

    def collect(self, path: str, parse: Callable[[Any], Parsed], label: str) -> tuple[list[Parsed], list[Page]]:
        parsed: list[Parsed] = []
        pages: list[Page] = []
        for page in self.pages(path, label=label, parse=parse):
            pages.append(Page(page.path, page.number, []))
            parsed.extend(page.parsed or [])
            if len(parsed) >= MAX_SMALL_LIST:
                self.report.note("list stopped", label, str(LIST_STOPPED % {"path": path}), path=path)
                break
        return parsed, pages

    def import_organizations(self) -> None:
        parsed, pages = self.collect("/organizations", parse_organization, "organizations")
        if not pages:
            return
        self.write("organization", Page("/organizations", 1, []), parsed, self.write_units)

    def write_units(self, items: list[Parsed], result: PageResult) -> PageResult:
        existing = {unit.code: unit for unit in OrganisationalUnit.objects.filter(institution=self.institution)}
        parents: dict[str, str] = {}
        seen_codes: set[str] = set()
        for item in items:
            if item.extra.get("root"):
                result.remember(self.units, item.ooapi_id, None)
                brin = item.extra.get("brin")
                if brin and brin.upper() != self.institution.brin.upper():
                    item.warn("primaryCode", "other_institution", "ignored", value=f"BRIN {brin}")
                    self.report.item("warning", item, item.problems[-1])
                result.tally.unchanged += 1
                continue
            if item.code in seen_codes:
                result.skip(item, "primaryCode", "duplicate", value=item.code)
                continue
            seen_codes.add(item.code)
            unit = existing.get(item.code)
            if unit is None:
                unit = OrganisationalUnit.objects.create(
                    institution=self.institution, code=item.code, **{**item.defaults, **item.values}
                )
                existing[item.code] = unit
                result.tally.created += 1
            elif _apply(unit, item.values):
                unit.save(update_fields=[*item.values])
                result.tally.updated += 1
            else:
                result.tally.unchanged += 1
            result.remember(self.units, item.ooapi_id, unit.pk)
            if item.refs.get("parent"):
                parents[item.ooapi_id] = item.refs["parent"]
        # Parents once every unit exists (a list may name a child before its parent).
        by_pk = {unit.pk: unit for unit in existing.values()}
        for ooapi_id, parent_id in parents.items():
            unit = by_pk[self.units[ooapi_id]]
            parent_pk = self.units.get(parent_id)
            if parent_pk == unit.pk:
                parent_pk = None
            if parent_id in self.units and unit.parent_id != parent_pk:
                unit.parent_id = parent_pk
                unit.save(update_fields=["parent"])
        return result

    # Academic sessions ---------------------------------------------------------------------------------

    def import_sessions(self) -> None:
        parsed, pages = self.collect("/academic-sessions", parse_session, "academic sessions")
        if pages:
            self.write("academic session", Page("/academic-sessions", 1, []), parsed, self.write_sessions)
        self.load_periods()

    def write_sessions(self, items: list[Parsed], result: PageResult) -> PageResult:
        """Years by name (``2026-2027``), periods by (year, kind, sequence): the n-th block of a year is the
        n-th by start date. The portal's calendar models carry no OOAPI id, so that is their identity."""
        years = {year.name: year for year in AcademicYear.objects.filter(institution=self.institution)}
        year_of_session: dict[str, AcademicYear] = {}
        sessions_by_id = {item.ooapi_id: item for item in items}
        for item in items:
            if not item.extra["is_year"]:
                continue
            values = {"start_date": item.values["start_date"], "end_date": item.values["end_date"]}
            name = year_name(values["start_date"], values["end_date"], item.code)
            year = years.get(name)
            if year is None:
                year = AcademicYear.objects.create(institution=self.institution, name=name, **values)
                years[name] = year
                result.tally.created += 1
            elif _apply(year, values):
                year.save(update_fields=[*values])
                result.tally.updated += 1
            else:
                result.tally.unchanged += 1
            year_of_session[item.ooapi_id] = year
            result.remember(self.sessions, item.ooapi_id, SessionInfo("year", year.start_date, year.end_date, year.pk))
        groups: dict[tuple[int, str], list[Parsed]] = {}
        for item in items:
            if item.extra["is_year"]:
                continue
            parent = sessions_by_id.get(item.refs.get("parent", ""))
            if parent is not None and not parent.extra["is_year"]:
                result.skip(item, "parent", "nested_session")
                continue
            year = year_of_session.get(item.refs.get("year", "")) or year_of_session.get(item.refs.get("parent", ""))
            year = year or self.year_for(item.values["start_date"], years, result)
            groups.setdefault((year.pk, item.values["kind"]), []).append(item)
            item.extra["year"] = year
        existing = {
            (period.academic_year_id, period.kind, period.sequence): period
            for period in AcademicPeriod.objects.filter(institution=self.institution)
        }
        for (year_pk, kind), members in groups.items():
            members.sort(key=lambda item: (item.values["start_date"], item.values["end_date"], item.ooapi_id))
            for sequence, item in enumerate(members, start=1):
                values = {key: item.values[key] for key in ("name_nl", "name_en", "start_date", "end_date")}
                period = existing.get((year_pk, kind, sequence))
                if period is None:
                    period = AcademicPeriod.objects.create(
                        institution=self.institution,
                        academic_year_id=year_pk,
                        kind=kind,
                        sequence=sequence,
                        **values,
                    )
                    result.tally.created += 1
                elif _apply(period, values):
                    period.save(update_fields=[*values])
                    result.tally.updated += 1
                else:
                    result.tally.unchanged += 1
                result.remember(
                    self.sessions, item.ooapi_id, SessionInfo("period", period.start_date, period.end_date, period.pk)
                )
        return result

    def year_for(self, day: dt.date, years: dict[str, AcademicYear], result: PageResult) -> AcademicYear:
        """The year a period without a (known) parent belongs to: the one whose dates contain its start,
        else a September-to-August year made for it."""
        for year in years.values():
            if year.start_date <= day <= year.end_date:
                return year
        first = day.year if day.month >= 9 else day.year - 1
        name = f"{first}-{first + 1}"
        year = AcademicYear.objects.create(
            institution=self.institution,
            name=name,
            start_date=dt.date(first, 9, 1),
            end_date=dt.date(first + 1, 8, 31),
        )
        years[name] = year
        result.tally.created += 1
        return year

    def load_periods(self) -> None:
        rows = (
            AcademicPeriod.objects.filter(institution=self.institution)
            .order_by("start_date", "pk")
            .only("pk", "start_date", "end_date")
        )
        self.periods = [(row.start_date, row.end_date, row.pk) for row in rows]
        self.period_starts = [start for start, _end, _pk in self.periods]

    def period_for(self, item: Parsed) -> int | None:
        session = self.sessions.get(item.refs.get("academicSession", ""))
        if session is not None and session.kind == "period":
            return session.pk
        day = item.values["start_date"]
        # The latest period that starts on or before the day and has not ended.
        index = bisect_right(self.period_starts, day)
        while index > 0:
            index -= 1
            start, end, pk = self.periods[index]
            if start <= day <= end:
                return pk
        return None

    # Programs ------------------------------------------------------------------------------------------

    def import_programs(self) -> None:
        for page in self.pages("/programs", label="programs", parse=parse_program):
            self.write("program", page, page.parsed or [], self.write_programmes)

    def write_programmes(self, items: list[Parsed], result: PageResult) -> PageResult:
        existing = {
            programme.croho_code: programme
            for programme in Programme.objects.filter(
                institution=self.institution, croho_code__in=[item.code for item in items]
            )
        }
        seen: set[str] = set()
        for item in items:
            if item.code in seen:
                result.skip(item, "primaryCode", "duplicate", value=item.code)
                continue
            seen.add(item.code)
            values = {**item.values, "unit_id": self.units.get(item.refs.get("organization", ""))}
            programme = existing.get(item.code)
            if programme is None:
                Programme.objects.create(
                    institution=self.institution, croho_code=item.code, **{**item.defaults, **values}
                )
                result.tally.created += 1
            elif _apply(programme, values):
                programme.save(update_fields=[name.removesuffix("_id") for name in values])
                result.tally.updated += 1
            else:
                result.tally.unchanged += 1
        return result

    # Courses -------------------------------------------------------------------------------------------

    def load_identities(self) -> None:
        """The institution's OOAPI ids of courses and offerings, to match documents to rows without a
        lookup per item (the catalogue has no index on ``ooapi_id``)."""
        courses = Course.objects.filter(institution=self.institution).exclude(ooapi_id="")
        self.course_pks = dict(courses.values_list("ooapi_id", "pk").iterator(chunk_size=5000))
        offerings = Offering.objects.filter(institution=self.institution).exclude(ooapi_id="")
        # Interned, so the ids seen on pages later are the same string objects, not a second copy of each.
        self.offering_pks = {
            sys.intern(ooapi_id): pk
            for ooapi_id, pk in offerings.values_list("ooapi_id", "pk").iterator(chunk_size=5000)
        }

    def import_courses(self, *, per_course_offerings: bool) -> None:
        for page in self.pages("/courses", label="courses", parse=parse_course):
            parsed = page.parsed or []
            self.write("course", page, parsed, self.write_courses)
            if per_course_offerings:
                for item in parsed:
                    if item.ooapi_id:
                        self.import_course_offerings(item.ooapi_id)

    def write_courses(self, items: list[Parsed], result: PageResult) -> PageResult:
        candidates = self.match(
            items, result, id_field="courseId", pks=self.course_pks, model=Course, fields=COURSE_FIELDS
        )
        new: list[tuple[Parsed, Course]] = []
        changed: dict[int, tuple[dict, set[str]]] = {}
        themed: list[tuple[Parsed, int]] = []
        for item, row in candidates:
            values = {
                **item.values,
                "code": item.code,
                "ooapi_id": item.ooapi_id,
                "unit_id": self.units.get(item.refs.get("organization", "")),
            }
            if row is None:
                fields = {**item.defaults, **values}
                if "ec" not in fields:
                    result.skip(item, "studyLoad", "required_for_new")
                    continue
                new.append((item, Course(institution=self.institution, **fields)))
                continue
            diff = _changes(row, values)
            if diff:
                changed[row["pk"]] = (row, diff)
                result.tally.updated += 1
            else:
                result.tally.unchanged += 1
            result.remember(self.course_pks, item.ooapi_id, row["pk"])
            themed.append((item, row["pk"]))
        if new:
            Course.objects.bulk_create([course for _item, course in new])
            for item, course in new:
                result.remember(self.course_pks, item.ooapi_id, course.pk)
                themed.append((item, course.pk))
            result.tally.created += len(new)
        if changed:
            fields = sorted(set().union(*(diff for _row, diff in changed.values())))
            Course.objects.bulk_update([_instance(Course, row, fields) for row, _diff in changed.values()], fields)
        published = {pk: item.extra["alliances"] for item, pk in themed if item.extra.get("alliances") is not None}
        _published_changed, notes = course_publications_replace(institution=self.institution, wanted=published)
        for note in notes:
            result.alliance_notes[(note.reason, note.alliance, note.value)] += 1
        themes_changed = self.write_themes([(item, pk) for item, pk in themed if item.extra.get("themes") is not None])
        refresh = set(changed) | themes_changed
        if refresh:
            result.changed_offerings |= set(
                Offering.objects.filter(course_id__in=refresh).order_by().values_list("pk", flat=True)
            )
        return result

    def match(
        self,
        items: list[Parsed],
        result: PageResult,
        *,
        id_field: str,
        pks: dict[str, int],
        model: type[Course] | type[Offering],
        fields: tuple[str, ...],
        check: Callable[[Parsed, PageResult], bool] | None = None,
    ) -> list[tuple[Parsed, dict | None]]:
        """Each item with the row it describes (a dict of ``fields``), or None for a new row.

        A row is the one with the item's OOAPI id, else the one with its code that has no OOAPI id yet
        (made in the portal: adopted now). Skipped, with the reason: the same id or code twice in the page,
        and a code that belongs to a row of another OOAPI id. Codes are only looked up for items that are
        new or change their code, so an unchanged page costs one query here."""
        seen_ids: set[str] = set()
        seen_codes: set[str] = set()
        kept: list[Parsed] = []
        for item in items:
            if item.ooapi_id in seen_ids:
                result.skip(item, id_field, "duplicate", value=item.ooapi_id)
            elif item.code and item.code in seen_codes:
                result.skip(item, "primaryCode", "duplicate", value=item.code)
            elif check is None or check(item, result):
                seen_ids.add(item.ooapi_id)
                if item.code:
                    seen_codes.add(item.code)
                kept.append(item)
        known = [pks[item.ooapi_id] for item in kept if item.ooapi_id in pks]
        rows = {
            row["pk"]: row
            for row in model.objects.filter(pk__in=known).order_by().values("pk", *fields, *self.extra_fields(model))
        }
        lookup = [
            item.code
            for item in kept
            if item.code and (item.ooapi_id not in pks or rows.get(pks[item.ooapi_id], {}).get("code") != item.code)
        ]
        holders: dict[str, dict] = {}
        if lookup:
            found = model.objects.filter(institution=self.institution, code__in=lookup)
            # exclude(code="") lets PostgreSQL use the partial unique index on offerings' (institution, code).
            for row in found.exclude(code="").order_by().values("pk", *fields, *self.extra_fields(model)):
                holders[row["code"]] = row
        matched: list[tuple[Parsed, dict | None]] = []
        for item in kept:
            row = rows.get(pks.get(item.ooapi_id, 0))
            holder = holders.get(item.code) if item.code else None
            if row is None and holder is not None:
                if holder["ooapi_id"] and holder["ooapi_id"] != item.ooapi_id:
                    result.skip(item, "primaryCode", "code_taken", value=item.code)
                    continue
                row = holder
            elif holder is not None and holder["pk"] != row["pk"]:
                result.skip(item, "primaryCode", "code_taken", value=item.code)
                continue
            matched.append((item, row))
        return matched

    def report_alliance_notes(self) -> None:
        """One warning per eduXchange alliance (and theme) the import could not take over as it was."""
        for (reason, alliance, value), count in sorted(self.alliance_notes.items()):
            params = {"alliance": alliance, "value": value, "count": count, "institution": self.institution.short_name}
            self.report.note("warning", "course", str(ALLIANCE_NOTES[reason] % params), reason=reason, **params)

    @staticmethod
    def extra_fields(model: type[Course] | type[Offering]) -> tuple[str, ...]:
        return ("seats_taken",) if model is Offering else ()

    def write_themes(self, items: list[tuple[Parsed, int | None]]) -> set[int]:
        """The eduXchange themes of courses that carry them, matched on a theme's code or either name.
        Returns the courses whose themes changed."""
        if not items:
            return set()
        if self.themes is None:
            self.themes = {}
            for theme in Theme.objects.all():
                for name in (theme.code, theme.name_nl, theme.name_en):
                    self.themes.setdefault(name.strip().lower(), theme.pk)
        through = Course.themes.through
        pks = [pk for _item, pk in items]
        current: dict[int, set[int]] = {pk: set() for pk in pks}
        for course_id, theme_id in through.objects.filter(course_id__in=pks).values_list("course_id", "theme_id"):
            current[course_id].add(theme_id)
        add, remove, changed = [], [], set()
        for item, pk in items:
            wanted = {self.themes[name.lower()] for name in item.extra["themes"] if name.lower() in self.themes}
            if wanted != current[pk]:
                changed.add(pk)
                add += [through(course_id=pk, theme_id=theme) for theme in wanted - current[pk]]
                remove += [(pk, theme) for theme in current[pk] - wanted]
        if add:
            through.objects.bulk_create(add)
        for pk, theme in remove:
            through.objects.filter(course_id=pk, theme_id=theme).delete()
        return changed

    # Offerings -----------------------------------------------------------------------------------------

    def offerings_params(self) -> dict[str, Any]:
        # Offering lists default to since=today; past offerings matter (results, history), so ask from the
        # start of the previous academic year.
        return {"since": self.since.isoformat()}

    def offerings_path(self) -> str | None:
        """``/organizations/{root}/offerings`` when the peer has a root organization that lists offerings;
        None to read ``/courses/{id}/offerings`` course by course instead. Costs one small request."""
        root = next((ooapi_id for ooapi_id, pk in self.units.items() if pk is None), None)
        if root is None:
            return None
        path = f"/organizations/{root}/offerings"
        try:
            response = self.fetch(path, {**self.offerings_params(), "pageSize": 10, "pageNumber": 1})
            body = response.data
        except (PeerNotFoundError, PeerClientError):
            return None
        except ImportAborted:
            raise
        except OOAPIError:
            return path  # the walk itself will report what goes wrong
        if not isinstance(body, dict) or not isinstance(body.get("items"), list) or not body["items"]:
            # Nothing listed at the root: the peer may list offerings per course only.
            return None
        total = body.get("totalPages")
        if isinstance(total, int) and not isinstance(total, bool) and total > 0:
            self.pages_total["offerings"] = -(-total * 10 // self.page_size)
            self.publish_progress()
        return path

    def import_offerings(self, path: str) -> None:
        """The institution's offerings, page by page. Pages are written by ``PageWriters`` (two at a time,
        each in its own transaction on its own database connection) unless the import runs inside a
        transaction of its caller, where other connections would not see its rows."""
        sessions = dict(self.sessions)  # read by the page thread; no longer changes
        parse = partial(parse_offering, sessions=sessions)
        concurrent = self.writers > 1 and not transaction.get_connection().in_atomic_block
        with PageWriters(self, self.writers if concurrent else 0) as writers:
            for page in self.pages(path, self.offerings_params(), label="offerings", parse=parse):
                writers.write("offering", page, self.offering_items(page), self.write_offerings)

    def import_course_offerings(self, course_id: str) -> None:
        path = f"/courses/{course_id}/offerings"
        sessions = self.sessions

        def parse(doc: Any) -> Parsed:
            return parse_offering(doc, sessions=sessions, course_id=course_id)

        for page in self.pages(path, self.offerings_params(), label="course offerings", parse=parse):
            self.offering_page(page)

    def offering_page(self, page: Page) -> None:
        self.write("offering", page, self.offering_items(page), self.write_offerings)

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

    def write_offerings(self, items: list[Parsed], result: PageResult) -> PageResult:
        resolved: dict[int, tuple[int, int]] = {}

        def resolve(item: Parsed, result: PageResult) -> bool:
            course_pk = self.course_pks.get(item.refs["course"])
            if course_pk is None:
                result.skip(item, "course", "unknown_course", value=item.refs["course"])
                return False
            period_pk = self.period_for(item)
            if period_pk is None:
                result.skip(item, "academicSession", "no_period", value=item.values["start_date"].isoformat())
                return False
            resolved[id(item)] = (course_pk, period_pk)
            return True

        candidates = self.match(
            items,
            result,
            id_field="offeringId",
            pks=self.offering_pks,
            model=Offering,
            fields=OFFERING_FIELDS,
            check=resolve,
        )
        new: list[tuple[Parsed, Offering]] = []
        changed: list[tuple[dict, set[str]]] = []
        for item, row in candidates:
            course_pk, period_pk = resolved[id(item)]
            values = {
                **item.values,
                "course_id": course_pk,
                "module_id": None,
                "period_id": period_pk,
                "code": item.code,
                "ooapi_id": item.ooapi_id,
                "is_archived": False,
            }
            if row is None:
                new.append((item, Offering(institution=self.institution, **{**item.defaults, **values})))
                continue
            if "capacity" in values and values["capacity"] < row["seats_taken"]:
                # Never below the seats the portal already gave away (the database refuses it too).
                values["capacity"] = row["seats_taken"]
            diff = _changes(row, values)
            if diff:
                changed.append((row, diff))
                result.tally.updated += 1
            else:
                result.tally.unchanged += 1
            result.remember(self.offering_pks, item.ooapi_id, row["pk"])
        if new:
            Offering.objects.bulk_create([offering for _item, offering in new])
            for item, offering in new:
                result.remember(self.offering_pks, item.ooapi_id, offering.pk)
                result.changed_offerings.add(offering.pk)
            result.tally.created += len(new)
        if changed:
            fields = sorted(set().union(*(diff for _row, diff in changed)) | {"updated_at"})
            now = timezone.now()
            objects = []
            for row, _diff in changed:
                offering = _instance(Offering, {**row, "updated_at": now}, fields)
                if "capacity" in fields:
                    # Seats may be taken while this page is written: stay at or above them.
                    offering.capacity = Greatest(Value(row["capacity"]), F("seats_taken"))
                objects.append(offering)
                result.changed_offerings.add(row["pk"])
            Offering.objects.bulk_update(objects, fields)
        return result

    # Archiving -----------------------------------------------------------------------------------------

    def archive_vanished(self) -> None:
        """Archive the institution's imported offerings (from ``since`` on) that the source no longer lists.
        Only after a complete walk of the offerings: a page that failed would look like vanished offerings."""
        if not self.offerings_complete:
            self.report.note("not archived", "offering", str(NOT_ARCHIVED))
            return
        candidates = (
            Offering.objects.filter(institution=self.institution, is_archived=False, start_date__gte=self.since)
            .exclude(ooapi_id="")
            .values_list("pk", "ooapi_id")
            .order_by("pk")
        )
        vanished = [pk for pk, ooapi_id in candidates.iterator(chunk_size=5000) if ooapi_id not in self.seen_offerings]
        tally = self.tally("offering")
        for start in range(0, len(vanished), 1000):
            batch = vanished[start : start + 1000]
            with transaction.atomic():
                started = time.perf_counter()
                count = Offering.objects.filter(pk__in=batch, is_archived=False).update(
                    is_archived=True, updated_at=timezone.now()
                )
                search_index_refresh(offering_ids=batch)
                self.timings["archiving"] += time.perf_counter() - started
                tally.archived += count
                self.save_counters()


def default_since(today: dt.date) -> dt.date:
    """1 August of the previous academic year: offerings of this year and the last one are imported."""
    first = today.year if today.month >= 8 else today.year - 1
    return dt.date(first - 1, 8, 1)


def _changes(row: Any, values: dict[str, Any]) -> set[str]:
    """Set the changed values on ``row`` (a model instance or a dict of field values); returns the names of
    the fields that changed."""
    changed = set()
    is_dict = isinstance(row, dict)
    for name, value in values.items():
        current = row.get(name) if is_dict else getattr(row, name)
        if current != value:
            if is_dict:
                row[name] = value
            else:
                setattr(row, name, value)
            changed.add(name)
    return changed


def _instance(model: type[Course] | type[Offering], row: dict, fields: list[str]) -> Any:
    """A model instance with the primary key and ``fields`` of ``row``, for ``bulk_update``."""
    return model(pk=row["pk"], **{name: row[name] for name in fields})


def _apply(row: Any, values: dict[str, Any]) -> bool:
    return bool(_changes(row, values))


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0][:300]
