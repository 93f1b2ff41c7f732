"""Writing: one page at a time, each in one transaction, through the catalogue's and the institutions' services.

``write_page`` runs a page's writer (a method of ``CatalogueWriter``: match the page, then carry out the plan) in
one ``transaction.atomic``; the services keep the search rows in step inside it. If writing fails, the whole
page is rolled back, with what it added to the import's id maps, and the outcome says why. ``PageWriters``
writes offering pages two at a time, each in its own transaction on its own database connection, so one page's
Python work overlaps the other's wait for PostgreSQL; counting and reporting stay in page order.

``ooapi`` never writes a catalogue or institutions table itself: every INSERT, UPDATE and DELETE here is a
service's (``catalogue.services``, ``institutions.services``).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, connections, transaction
from django.utils import translation

from catalogue.services import (
    course_publications_replace,
    course_themes_replace,
    courses_bulk_create,
    courses_bulk_update,
    offerings_bulk_create,
    offerings_bulk_update,
)
from institutions.models import Institution
from institutions.services import (
    academic_periods_bulk_create,
    academic_periods_bulk_update,
    academic_years_bulk_create,
    academic_years_bulk_update,
    programmes_bulk_create,
    programmes_bulk_update,
    units_bulk_create,
    units_bulk_update,
)
from ooapi.consumer import match
from ooapi.consumer.match import Identities, PageResult
from ooapi.consumer.parsing import Parsed, Problem, SessionInfo
from ooapi.consumer.walk import Page

logger = logging.getLogger(__name__)

Writer = Callable[[list[Parsed], PageResult], Any]


@dataclass
class PageOutcome:
    """What writing one page did, for the import to count and report (in its own thread, in page order):
    the parse problems of each document, the result (None when the page was rolled back, with ``error``)."""

    kind: str
    page: Page
    parsed: list[tuple[Parsed, list[Problem]]]
    valid: int = 0
    result: PageResult | None = None
    error: DatabaseError | None = None
    seconds: dict[str, float] = field(default_factory=dict)


def write_page(kind: str, page: Page, parsed: list[Parsed], writer: Writer) -> PageOutcome:
    """Write the page's valid items in one transaction. A database failure rolls the whole page back (and what
    it added to the id maps). Runs in any thread."""
    # What parsing found, before writing adds its own reasons to skip.
    outcome = PageOutcome(kind=kind, page=page, parsed=[(item, list(item.problems)) for item in parsed])
    valid = [item for item in parsed if not item.skipped]
    outcome.valid = len(valid)
    result = PageResult()
    started = time.perf_counter()
    try:
        with transaction.atomic():
            writer(valid, result)
    except DatabaseError as error:
        result.forget()
        outcome.error = error
        logger.warning("ooapi import: page %s of %s rolled back: %s", page.number, page.path, error)
        return outcome
    finally:
        outcome.seconds["writing"] = time.perf_counter() - started
    outcome.result = result
    return outcome


class CatalogueWriter:
    """Writes the pages of one import for ``institution``: each method matches a page (``ooapi.consumer.match``)
    and carries out the plan through the services, noting what it made in ``ids``."""

    def __init__(self, *, institution: Institution, ids: Identities):
        self.institution = institution
        self.ids = ids

    def units(self, items: list[Parsed], result: PageResult) -> None:
        plan = match.units(items, result, institution=self.institution, ids=self.ids)
        created = units_bulk_create(institution=self.institution, units=[values for _item, values in plan.create])
        units_bulk_update(institution=self.institution, changes=plan.update)
        plan.count(result.tally)
        for item, pk in [*plan.matched, *zip([item for item, _values in plan.create], created, strict=True)]:
            result.remember(self.ids.units, item.ooapi_id, pk)
        # Parents once every unit exists (a list may name a child before its parent).
        parents = match.unit_parents(items, institution=self.institution, ids=self.ids)
        units_bulk_update(institution=self.institution, changes=parents)

    def sessions(self, items: list[Parsed], result: PageResult) -> None:
        """Years first, then their periods (a period may need a year made up for it)."""
        plan, by_name, by_session = match.years(items, result, institution=self.institution)
        self._add_years([row for _item, row in plan.create])
        academic_years_bulk_update(institution=self.institution, changes=plan.update)
        plan.count(result.tally)
        for ooapi_id, year in by_session.items():
            info = SessionInfo("year", year["start_date"], year["end_date"], year["pk"])
            result.remember(self.ids.sessions, ooapi_id, info)
        placed, made_up = match.period_years(items, result, by_session=by_session, by_name=by_name)
        self._add_years(made_up)
        result.tally.created += len(made_up)
        plan = match.periods(placed, institution=self.institution)
        created = academic_periods_bulk_create(
            institution=self.institution, periods=[values for _item, values in plan.create]
        )
        academic_periods_bulk_update(institution=self.institution, changes=plan.update)
        plan.count(result.tally)
        for item, pk in [*plan.matched, *zip([item for item, _values in plan.create], created, strict=True)]:
            info = SessionInfo("period", item.values["start_date"], item.values["end_date"], pk)
            result.remember(self.ids.sessions, item.ooapi_id, info)

    def _add_years(self, rows: list[dict[str, Any]]) -> None:
        """Write new years (dicts of ``name`` and dates) and give each its primary key."""
        years = [{name: row[name] for name in ("name", "start_date", "end_date")} for row in rows]
        for row, pk in zip(rows, academic_years_bulk_create(institution=self.institution, years=years), strict=True):
            row["pk"] = pk

    def programmes(self, items: list[Parsed], result: PageResult) -> None:
        plan = match.programmes(items, result, institution=self.institution, ids=self.ids)
        programmes_bulk_create(institution=self.institution, programmes=[values for _item, values in plan.create])
        programmes_bulk_update(institution=self.institution, changes=plan.update)
        plan.count(result.tally)

    def courses(self, items: list[Parsed], result: PageResult) -> None:
        """Courses, then their eduXchange publications and their themes."""
        plan = match.courses(items, result, institution=self.institution, ids=self.ids)
        created = courses_bulk_create(institution=self.institution, courses=[values for _item, values in plan.create])
        courses_bulk_update(institution=self.institution, changes=plan.update)
        plan.count(result.tally)
        courses = [*plan.matched, *zip([item for item, _values in plan.create], created, strict=True)]
        for item, pk in courses:
            result.remember(self.ids.courses, item.ooapi_id, pk)
        published = {pk: item.extra["alliances"] for item, pk in courses if item.extra.get("alliances") is not None}
        _changed, notes = course_publications_replace(institution=self.institution, wanted=published)
        for note in notes:
            result.alliance_notes[(note.reason, note.alliance, note.value)] += 1
        themed = {pk: item.extra["themes"] for item, pk in courses if item.extra.get("themes") is not None}
        course_themes_replace(institution=self.institution, wanted=themed)

    def offerings(self, items: list[Parsed], result: PageResult) -> None:
        plan = match.offerings(items, result, institution=self.institution, ids=self.ids)
        created = offerings_bulk_create(
            institution=self.institution, offerings=[values for _item, values in plan.create]
        )
        offerings_bulk_update(institution=self.institution, changes=plan.update)
        plan.count(result.tally)
        for item, pk in [*plan.matched, *zip([item for item, _values in plan.create], created, strict=True)]:
            result.remember(self.ids.offerings, item.ooapi_id, pk)


class PageWriters:
    """Writes pages in ``size`` threads (``write_page``), handing each outcome to ``apply`` in page order. Each
    thread has its own database connection (Django's are per thread), closed when the writers close. ``size`` 0
    writes in the calling thread. At most ``size`` pages are in flight, so memory stays bounded."""

    def __init__(self, *, size: int, apply: Callable[[PageOutcome], None]):
        self.size = size
        self.apply = apply
        self.pending: deque[Future] = deque()
        self.pool = ThreadPoolExecutor(max_workers=size, thread_name_prefix="ooapi-write") if size else None

    def write(self, kind: str, page: Page, parsed: list[Parsed], writer: Writer) -> None:
        if self.pool is None:
            self.apply(write_page(kind, page, parsed, writer))
            return
        while len(self.pending) >= self.size:
            self.apply(self.pending.popleft().result())
        language = translation.get_language()
        self.pending.append(self.pool.submit(self._write, language, kind, page, parsed, writer))

    @staticmethod
    def _write(language: str, kind: str, page: Page, parsed: list[Parsed], writer: Writer) -> PageOutcome:
        with translation.override(language):
            return write_page(kind, page, parsed, writer)

    def __enter__(self) -> PageWriters:
        return self

    def __exit__(self, exc_type, *exc_info) -> None:
        if self.pool is None:
            return
        try:
            while self.pending:
                future = self.pending.popleft()
                if exc_type is None:
                    self.apply(future.result())
                else:
                    with contextlib.suppress(Exception):  # the error already on its way is the one to report
                        self.apply(future.result())
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
