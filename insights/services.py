"""The dashboards' writes: keeping their summaries up to date, the lead times (``insights.models.LeadTime``)
incrementally and the request cube (``insights.models.RequestCube``) whole."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from core.summaries import KeptSummary
from insights.models import LeadTimeMark

# Longer than any transaction that writes a move runs: see ``lead_times_refresh(recent=True)``.
LATE_COMMIT_WINDOW = dt.timedelta(minutes=10)

# One statement: the first move of each step per changed request, from the audit trail, upserted. PostgreSQL.
REFRESH_SQL = """
WITH steps AS (
    SELECT e.request_id,
        MIN(e.at) FILTER (WHERE e.from_status = 'submitted' AND e.to_status IN ('home_approved', 'home_denied'))
            AS home_at,
        MIN(e.at) FILTER (WHERE e.from_status = 'home_approved'
                          AND e.to_status IN ('admitted', 'waitlisted', 'seat_offered', 'host_denied')) AS host_at,
        MIN(e.at) FILTER (WHERE e.to_status = 'admitted') AS admitted_at,
        MIN(e.at) FILTER (WHERE e.from_status = 'admitted' AND e.to_status = 'registered') AS registered_at
    FROM enrolment_requestevent e
    WHERE e.request_id IN (SELECT DISTINCT request_id FROM enrolment_requestevent
                           WHERE (id > %s AND id <= %s) OR at > %s)
    GROUP BY e.request_id
)
INSERT INTO insights_leadtime (request_id, home_days, host_days, registration_days, home_late, host_late,
                               admitted, day, home_id, host_id, route, period_id)
SELECT s.request_id,
       EXTRACT(EPOCH FROM s.home_at - r.submitted_at) / 86400.0,
       EXTRACT(EPOCH FROM s.host_at - r.home_approved_at) / 86400.0,
       EXTRACT(EPOCH FROM s.registered_at - s.admitted_at) / 86400.0,
       coalesce(s.home_at > r.decision_due_at, false),
       coalesce(s.host_at > r.host_decision_due_at, false),
       s.admitted_at IS NOT NULL,
       (r.submitted_at AT TIME ZONE %s)::date, r.home_institution_id, r.host_institution_id, r.route, o.period_id
FROM steps s JOIN enrolment_enrolmentrequest r ON r.id = s.request_id JOIN catalogue_offering o ON o.id = r.offering_id
ON CONFLICT (request_id) DO UPDATE SET
    home_days = EXCLUDED.home_days, host_days = EXCLUDED.host_days,
    registration_days = EXCLUDED.registration_days,
    home_late = EXCLUDED.home_late, host_late = EXCLUDED.host_late, admitted = EXCLUDED.admitted,
    day = EXCLUDED.day, home_id = EXCLUDED.home_id, host_id = EXCLUDED.host_id, route = EXCLUDED.route,
    period_id = EXCLUDED.period_id
"""


def lead_times_refresh(*, recent: bool = False) -> int:
    """Bring the lead times up to date with the audit trail; returns how far it got (the last event id).

    Incremental and idempotent: only requests with events after the mark are recomputed, whole, in one
    set-based statement; the mark's row is locked, so two refreshes at once take turns. PostgreSQL only (the
    embedded SQLite default computes lead times live, ``insights.panels``).

    ``recent`` (beat's run): also recompute the requests with events of the last ``LATE_COMMIT_WINDOW``. An
    event whose transaction commits after a refresh has moved the mark past a higher id is behind the mark
    when it becomes visible, so the ids alone would leave its request's lead times stale until it moved
    again; it is recent, so beat's next run picks it up.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM enrolment_requestevent")
        newest = cursor.fetchone()[0]
    mark = LeadTimeMark.objects.filter(pk=1).values_list("last_event_id", flat=True).first()
    if mark is not None and mark >= newest and not recent:
        return newest
    with transaction.atomic():
        mark_row, _created = LeadTimeMark.objects.select_for_update().get_or_create(pk=1)
        if mark_row.last_event_id >= newest and not recent:
            return newest
        since = timezone.now() - LATE_COMMIT_WINDOW if recent else None
        with connection.cursor() as cursor:
            cursor.execute(REFRESH_SQL, [mark_row.last_event_id, newest, since, settings.TIME_ZONE])
        mark_row.last_event_id = max(mark_row.last_event_id, newest)
        mark_row.save(update_fields=["last_event_id"])
    return newest
    with transaction.atomic():
        mark_row, _created = LeadTimeMark.objects.select_for_update().get_or_create(pk=1)
        if mark_row.last_event_id >= newest:
            return newest
        with connection.cursor() as cursor:
            cursor.execute(REFRESH_SQL, [mark_row.last_event_id, newest, settings.TIME_ZONE])
        mark_row.last_event_id = newest
        mark_row.save(update_fields=["last_event_id"])
    return newest


# Every move of a request writes an audit event (``enrolment.lifecycle``): the newest event id says whether
# anything the cube counts has changed.
CUBE = KeptSummary(
    mark_table="insights_cubemark",
    signature_sql="SELECT coalesce(max(id), 0)::text FROM enrolment_requestevent",
    lock_key=0x1A51_C0BE,
)


def _recount(cursor) -> None:
    cursor.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY insights_requestcube")


def cube_refresh(*, max_age: float | None = None) -> bool:
    """Recount the request cube when the audit trail has moved since its last refresh; returns whether it did.

    ``max_age`` (seconds): leave a cube refreshed less than this long ago as it is, moved or not (a dashboard
    read passes ``INSIGHTS_CUBE_MAX_AGE``; beat passes nothing). ``REFRESH MATERIALIZED VIEW CONCURRENTLY``:
    dashboards read the old cube meanwhile. Recounting whole means an event that commits late is counted at
    the next refresh, never lost (``core.summaries``). PostgreSQL only: on SQLite the cube is a plain view,
    always current.
    """
    return CUBE.refresh(_recount, max_age=max_age)


def cube_refresh_for_read() -> None:
    """What a dashboard read does first: refresh the cube when it is older than ``INSIGHTS_CUBE_MAX_AGE``."""
    cube_refresh(max_age=float(getattr(settings, "INSIGHTS_CUBE_MAX_AGE", 60)))
