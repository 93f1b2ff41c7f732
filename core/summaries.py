"""Summaries kept whole: a table or a materialised view that a refresh recomputes from scratch whenever a
signature of what it depends on has changed (the dashboards' request cube, billing's settlement cells).

Recomputing whole, rather than following a mark through a log, cannot skip a write that commits late: the
next change of the signature recomputes everything again. The cost grows with the data, not with the
changes (``docs/benchmarks.md`` has the figures). Each summary keeps one row of a ``SummaryMark`` table:
the signature it was last computed from, and when. Refreshes of one summary take turns on an advisory lock
of its own; readers see the old rows until the refresh commits. PostgreSQL only (the embedded SQLite default
reads such summaries live).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone


@dataclass(frozen=True)
class KeptSummary:
    mark_table: str  # the summary's ``SummaryMark`` table (one row, id 1)
    signature_sql: str  # one SELECT of one text value that changes whenever what the summary depends on does
    lock_key: int  # an advisory lock key of the summary's own

    def refresh(self, recompute: Callable, *, max_age: float | None = None) -> bool:
        """Run ``recompute(cursor)`` in one transaction when the signature has changed since the last refresh;
        returns whether it did. ``max_age`` (seconds): leave a summary refreshed less than this long ago as it
        is, changed or not (what a read passes; beat passes nothing)."""
        if connection.vendor != "postgresql":
            return False
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT ({self.signature_sql}), m.signature, m.refreshed_at "  # noqa: S608 - constants only
                f"FROM (SELECT 1) AS one LEFT JOIN {self.mark_table} m ON m.id = 1"
            )
            signature, seen, refreshed_at = cursor.fetchone()
        if seen == signature:
            return False
        if seen is not None and max_age is not None and refreshed_at > timezone.now() - dt.timedelta(seconds=max_age):
            return False
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [self.lock_key])
            cursor.execute(self.signature_sql)
            signature = cursor.fetchone()[0]
            recompute(cursor)
            cursor.execute(
                f"INSERT INTO {self.mark_table} (id, signature, refreshed_at) VALUES (1, %s, %s) "  # noqa: S608
                "ON CONFLICT (id) DO UPDATE SET signature = EXCLUDED.signature, refreshed_at = EXCLUDED.refreshed_at",
                [signature, timezone.now()],
            )
        return True
