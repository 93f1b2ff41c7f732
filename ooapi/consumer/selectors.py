"""Reads for the staff pages of catalogue imports."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone

from ooapi.consumer.access import import_connections_for
from ooapi.consumer.importer import PHASE_LABELS, progress_key
from ooapi.consumer.parsing import Problem
from ooapi.consumer.services import IMPORT_TIME_LIMIT_SECONDS, requested_key
from ooapi.models import Connection, ImportRun

logger = logging.getLogger(__name__)


def import_run_for(*, user, run_id: int) -> ImportRun | None:
    """One run of a connection ``user`` may see (with its report), or None: unknown and not theirs alike."""
    return (
        ImportRun.objects.select_related("connection__institution")
        .filter(connection__in=import_connections_for(user=user).values("pk"), pk=run_id)
        .first()
    )


def import_runs_for(*, user, limit: int = 30) -> QuerySet[ImportRun]:
    """The latest runs of those connections (the report is left out: it can be large)."""
    return (
        ImportRun.objects.filter(connection__in=import_connections_for(user=user).values("pk"))
        .select_related("connection__institution")
        .defer("report")
        .order_by("-started_at", "-pk")[:limit]
    )


@dataclass(frozen=True)
class RunProgress:
    run: ImportRun
    phase: str = ""
    pages_total: int | None = None

    @property
    def is_running(self) -> bool:
        return self.run.status == ImportRun.Status.RUNNING and not self.is_lost

    @property
    def is_lost(self) -> bool:
        """Marked running for longer than any import may run: its worker died."""
        limit = dt.timedelta(seconds=IMPORT_TIME_LIMIT_SECONDS)
        return self.run.status == ImportRun.Status.RUNNING and self.run.started_at < timezone.now() - limit

    @property
    def phase_label(self) -> str:
        return str(PHASE_LABELS.get(self.phase, self.phase))

    @property
    def maximum(self) -> int | None:
        """The progress bar's maximum: the pages expected, never fewer than those done (an estimate)."""
        if not self.pages_total:
            return None
        return max(self.pages_total, self.run.pages_done)

    @property
    def percent(self) -> int | None:
        if not self.is_running:
            return 100
        if not self.maximum:
            return None
        return min(99, round(100 * self.run.pages_done / self.maximum))


def with_progress(runs: list[ImportRun]) -> list[RunProgress]:
    """Each run with the phase and expected pages its import published (running runs only)."""
    running = [run for run in runs if run.status == ImportRun.Status.RUNNING]
    try:
        published = cache.get_many([progress_key(run.pk) for run in running]) if running else {}
    except Exception:  # noqa: BLE001 - without the cache the bar is indeterminate, the page still works
        logger.warning("ooapi import: progress not read from the cache", exc_info=True)
        published = {}
    result = []
    for run in runs:
        info = published.get(progress_key(run.pk)) or {}
        result.append(RunProgress(run=run, phase=info.get("phase", ""), pages_total=info.get("pages_total")))
    return result


def queued_connection_ids(connections: list[Connection]) -> set[int]:
    """Connections with an import requested that no worker has started yet."""
    if not connections:
        return set()
    try:
        found = cache.get_many([requested_key(connection.pk) for connection in connections])
    except Exception:  # noqa: BLE001
        return set()
    return {connection.pk for connection in connections if requested_key(connection.pk) in found}


def report_entries(run: ImportRun) -> list[dict[str, Any]]:
    """The run's report, each entry with ``message`` in the active language where it has a reason code."""
    entries = []
    for entry in run.report or []:
        if not isinstance(entry, dict):
            continue
        message = entry.get("problem", "")
        if entry.get("reason"):
            with contextlib.suppress(KeyError, TypeError, ValueError):
                message = Problem(
                    entry.get("field", ""),
                    entry["reason"],
                    dict(entry.get("params") or {}),
                    outcome=entry.get("outcome", ""),
                ).message()
        entries.append({**entry, "message": message})
    return entries
