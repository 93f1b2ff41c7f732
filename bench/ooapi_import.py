"""Issue #4 "Must show": the OOAPI catalogue import of 100,000 offerings, and an unchanged re-import.

The reference peer runs as a subprocess (``python -m tools.ooapi_peer --offerings N``) on 127.0.0.1. The import
runs in this process against a database of its own (``flexportal_bench_import``, dropped and migrated
afresh each run, so the first import starts from an empty catalogue), over real HTTP through the safe
client, exactly as ``manage.py ooapi_import`` runs it (with ``DEBUG`` off, as in production).

Measured:

* ``seconds``: the first import (every organization, session, program, course and offering created, with
  search rows), wall clock;
* ``peak_rss_mb``: this process's peak resident memory during the two imports: ``VmHWM`` after handing
  what start-up and the migrations freed back to the OS and resetting the counter through
  ``/proc/self/clear_refs``. It includes Django, the loaded apps and the peer's client (``baseline_rss_mb``,
  the resident memory when the import starts); ``process_max_rss_mb`` is the whole run's peak, migrations
  included;
* ``rows_written_on_reimport``: the rows that INSERT, UPDATE and DELETE statements on catalogue and
  calendar tables (``catalogue_*``, ``institutions_*``) reported during the second, unchanged import,
  summed from the database's own row counts (the import run's bookkeeping row is not catalogue data).
  Cross-checked with PostgreSQL's statistics (``pg_stat_user_tables``).
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import json
import logging
import os
import re
import resource
import threading
import time
from collections import Counter
from pathlib import Path

from django.core.management import CommandError
from django.db import connection
from django.db.backends.signals import connection_created
from django.test import override_settings

from bench import Backends, CpuMeter, ProcessGroups, ThisProcess, database, reference_peer, require_postgresql
from catalogue.models import Course, Offering, OfferingSearch
from institutions.models import Institution
from ooapi.consumer.services import catalogue_import
from ooapi.consumer.walk import PAGE_SIZE
from ooapi.models import Connection

HELP = (
    "OOAPI catalogue import from the reference peer: seconds, peak RSS and rows written by an unchanged "
    "re-import (must be 0)."
)
DATABASE = "flexportal_bench_import"
WRITES = re.compile(r'^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(?P<table>\w+)"?', re.IGNORECASE)
CATALOGUE_TABLES = ("catalogue_", "institutions_")


def add_arguments(parser) -> None:
    parser.add_argument("--offerings", type=int, default=100_000, help="Offerings at the peer (default 100,000).")
    parser.add_argument(
        "--page-size", type=int, default=PAGE_SIZE, choices=(10, 20, 50, 100, 250), help="OOAPI pageSize."
    )


def run(*, stdout, offerings: int, page_size: int = PAGE_SIZE, **_options) -> dict:
    require_postgresql()
    if not 1 <= offerings <= 2_000_000:
        raise CommandError("--offerings must be between 1 and 2,000,000")
    # One log line per HTTP request would drown the result (development settings log httpx at INFO).
    logging.getLogger("httpx").setLevel(logging.WARNING)
    drop_database(DATABASE)
    with (
        reference_peer(offerings=offerings) as (base_url, peer_pid),
        database(DATABASE),
        override_settings(DEBUG=False),
    ):
        connection_id = set_up(base_url)
        reset_peak_rss()
        baseline_rss = rss_mb("VmRSS")
        load_before = os.getloadavg()[0]
        parts = {"importer": ThisProcess(), "postgresql": Backends(DATABASE), "peer": ProcessGroups((peer_pid,))}
        with CpuMeter(parts) as cpu:
            first = catalogue_import(connection_id=connection_id, page_size=page_size)
        first_peak = rss_mb("VmHWM")
        in_catalogue = Offering.objects.filter(institution__code="refu", is_archived=False).count()
        search_rows = OfferingSearch.objects.filter(institution__code="refu").count()
        courses = Course.objects.filter(institution__code="refu").count()
        stats_before = table_writes()
        with RowsWritten() as written:
            second = catalogue_import(connection_id=connection_id, page_size=page_size)
        stats_after = table_writes()
        peak = rss_mb("VmHWM")
    result = {
        "scenario": "import",
        "offerings": offerings,
        "seconds": round(first.seconds, 1),
        "peak_rss_mb": round(peak, 1),
        "rows_written_on_reimport": written.rows,
        "pages": first.pages,
        "items": first.items,
        "items_per_second": round(first.items / first.seconds) if first.seconds else None,
        "offerings_per_second": round(offerings / first.seconds) if first.seconds else None,
        "status": [first.status, second.status],
        "offerings_in_catalogue": in_catalogue,
        "search_rows": search_rows,
        "courses": courses,
        "first_import": {
            "created": first.total.created,
            "skipped": first.total.skipped,
            "peak_rss_mb": round(first_peak, 1),
            "seconds_by_step": first.timings,
        },
        "reimport": {
            "seconds": round(second.seconds, 1),
            "unchanged": second.total.unchanged,
            "created": second.total.created,
            "updated": second.total.updated,
            "archived": second.total.archived,
            "write_statements": written.statements,
            "rows_written_pg_stat": stats_after - stats_before if stats_before is not None else None,
            "seconds_by_step": second.timings,
        },
        "cpu_seconds_first_import": {
            **{part: round(seconds, 1) for part, seconds in cpu.seconds.items()},
            "total": round(sum(cpu.seconds.values()), 1),
        },
        "baseline_rss_mb": round(baseline_rss, 1),
        "process_max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "page_size": page_size,
        "cpus": os.cpu_count(),
        "load_average_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }
    stdout.write(json.dumps(result))
    return result


def drop_database(name: str) -> None:
    """Start from an empty catalogue: the first import must create everything."""
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def set_up(base_url: str) -> int:
    institution = Institution.objects.create(
        code="refu",
        name_nl="Referentie-universiteit",
        name_en="Reference University",
        short_name="RefU",
        brin="99RP",
        schac_home="reference-university.example",
        kind=Institution.Kind.RESEARCH_UNIVERSITY,
        city="Utrecht",
        integration=Institution.Integration.CONNECTED,
    )
    return Connection.objects.create(
        institution=institution, base_url=base_url, auth_method=Connection.AuthMethod.NONE
    ).pk


def reset_peak_rss() -> None:
    """Start measuring from here: what start-up and the migrations freed is handed back to the OS first
    (glibc keeps freed memory otherwise), then the kernel's peak counter is reset. On an older kernel the
    reset fails and the peak includes start-up (still an upper bound)."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def rss_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class RowsWritten:
    """Counts the rows INSERT, UPDATE and DELETE statements on catalogue tables report, as they run, on this
    thread's connection and on every connection opened meanwhile (the import writes offering pages from
    threads of its own, each with its own connection)."""

    def __init__(self) -> None:
        self.rows = 0
        self.statements: Counter = Counter()
        self._lock = threading.Lock()

    def __enter__(self) -> RowsWritten:
        connection.execute_wrappers.append(self)
        connection_created.connect(self._attach)
        return self

    def __exit__(self, *exc_info) -> None:
        connection_created.disconnect(self._attach)
        with contextlib.suppress(ValueError):
            connection.execute_wrappers.remove(self)
        self.statements = dict(self.statements)

    def _attach(self, sender, connection, **kwargs) -> None:
        if self not in connection.execute_wrappers:
            connection.execute_wrappers.append(self)

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        match = WRITES.match(sql)
        if match and match.group("table").startswith(CATALOGUE_TABLES):
            with self._lock:
                self.statements[match.group("table")] += 1
                self.rows += max(context["cursor"].rowcount, 0)
        return result


def table_writes() -> int | None:
    """Rows inserted, updated and deleted in catalogue tables since the statistics began (PostgreSQL's own
    count, flushed first)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_force_next_flush()")
        time.sleep(1.2)  # idle backends flush their statistics at most once a second
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_user_tables "
                "WHERE relname LIKE 'catalogue\\_%%' OR relname LIKE 'institutions\\_%%'"
            )
            return int(cursor.fetchone()[0])
    except Exception:  # noqa: BLE001 - a cross-check only (pg_stat_force_next_flush needs PostgreSQL 15)
        return None
