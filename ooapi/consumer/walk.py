"""Walking a connected institution's OOAPI v5 endpoint: one GET at a time, retried when that may help, and the
pages of a list, read one ahead.

Every call goes through the safe client (``ooapi.http``): one origin, no redirects, bounded answers. Pages are
asked for by ``pageNumber`` until ``hasNextPage`` is false; links in a page (``next``, ``href``) are never
followed. A page that cannot be read (malformed, too large, a redirect, an error after retries) is told to the
walk's ``Listener`` and the walk goes on with the next page when the peer said how many there are. Only an
endpoint that cannot be used at all (unreachable, TLS, credentials) stops it: ``ImportAborted``.

Nothing here touches the database.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ooapi.consumer.parsing import Parsed
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
from ooapi.http import OOAPIClient, PeerResponse

PAGE_SIZE = 250  # the largest pageSize OOAPI allows
MAX_PAGES = 100_000
FETCH_ATTEMPTS = 3
RETRY_DELAYS = (0.5, 2.0)
# The lists whose number of pages the progress bar counts.
COUNTED_LISTS = ("organizations", "academic sessions", "programs", "courses", "offerings")
# The page size of the probe for offerings listed at the root organization.
PROBE_PAGE_SIZE = 10

# Failures of the endpoint as a whole: no later call would do better, so the import stops.
ENDPOINT_ERRORS = (
    PeerUnreachableError,
    PeerTLSError,
    PeerAuthenticationError,
    TokenError,
    EndpointConfigurationError,
)


class ImportAborted(Exception):
    """The endpoint cannot be used at all; the import stops. Carries the client's error."""

    def __init__(self, error: OOAPIError):
        super().__init__(str(error.message))
        self.error = error


class PageUnreadable(Exception):
    """One page could not be read; ``stop`` when no later page of the list can be trusted either."""

    def __init__(self, message: Any, *, stop: bool = False):
        super().__init__(message)
        self.message = message
        self.stop = stop


@dataclass
class Page:
    """One page of a list as read: its documents, and each parsed (when the walk was given a parser)."""

    path: str
    number: int
    items: list[Any]
    parsed: list[Parsed] | None = None


class Listener(Protocol):
    """What a walk tells the import it serves, in the import's own thread."""

    def page_unreadable(self, label: str, path: str, number: int, reason: str) -> None:
        """Page ``number`` of ``path`` could not be read, for ``reason``; the walk goes on if it can."""

    def list_stopped(self, label: str, path: str) -> None:
        """The rest of ``path`` is not read: the peer did not say how many pages there are."""

    def pages_expected(self, label: str, total: int) -> None:
        """The list ``label`` has ``total`` pages (as far as the peer says)."""


class Walk:
    """The walk of one import over one endpoint: counts the pages and documents it read (``pages_done``,
    ``items_seen``) and adds the seconds it spent to ``timings`` (``fetching``, ``parsing``, and ``waiting for
    the peer``: the caller waiting for the next page)."""

    def __init__(
        self,
        client: OOAPIClient,
        *,
        listener: Listener,
        page_size: int = PAGE_SIZE,
        timings: Counter | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.client = client
        self.listener = listener
        self.page_size = page_size
        self.timings: Counter = timings if timings is not None else Counter()
        self.sleep = sleep
        self.pages_done = 0
        self.items_seen = 0

    def fetch(self, path: str, params: dict[str, Any]) -> PeerResponse:
        """One GET, retried on transient failures; endpoint-wide failures abort the import."""
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
                    self.listener.page_unreadable(label, path, number, str(error.message))
                    if total and number < total and not error.stop:
                        number += 1
                        future = pool.submit(read, number)
                        continue
                    if not (total and number >= total):
                        self.listener.list_stopped(label or path, path)
                    return
                finally:
                    self.timings["waiting for the peer"] += time.perf_counter() - waited
                self.timings["fetching"] += fetch_seconds
                self.timings["parsing"] += parse_seconds
                if total_pages:
                    total = total_pages
                    if label in COUNTED_LISTS:
                        self.listener.pages_expected(label, total_pages)
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
        """One page's documents, whether there is a next page, and the number of pages if the peer said so."""
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

    def offerings_path(self, root: str | None, params: dict[str, Any]) -> str | None:
        """``/organizations/{root}/offerings`` when the peer has a root organization that lists offerings;
        None to read ``/courses/{id}/offerings`` course by course instead. Costs one small request."""
        if root is None:
            return None
        path = f"/organizations/{root}/offerings"
        try:
            body = self.fetch(path, {**params, "pageSize": PROBE_PAGE_SIZE, "pageNumber": 1}).data
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
            self.listener.pages_expected("offerings", -(-total * PROBE_PAGE_SIZE // self.page_size))
        return path
