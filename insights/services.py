"""The dashboards' one write: keeping the lead-time summary (``insights.models.LeadTime``) up to date."""

from __future__ import annotations

from django.db import connection, transaction

from insights.models import LeadTimeMark

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
    WHERE e.request_id IN (SELECT DISTINCT request_id FROM enrolment_requestevent WHERE id > %s AND id <= %s)
    GROUP BY e.request_id
)
INSERT INTO insights_leadtime (request_id, home_days, host_days, registration_days, home_late, host_late,
                               admitted)
SELECT s.request_id,
       EXTRACT(EPOCH FROM s.home_at - r.submitted_at) / 86400.0,
       EXTRACT(EPOCH FROM s.host_at - r.home_approved_at) / 86400.0,
       EXTRACT(EPOCH FROM s.registered_at - s.admitted_at) / 86400.0,
       coalesce(s.home_at > r.decision_due_at, false),
       coalesce(s.host_at > r.host_decision_due_at, false),
       s.admitted_at IS NOT NULL
FROM steps s JOIN enrolment_enrolmentrequest r ON r.id = s.request_id
ON CONFLICT (request_id) DO UPDATE SET
    home_days = EXCLUDED.home_days, host_days = EXCLUDED.host_days,
    registration_days = EXCLUDED.registration_days,
    home_late = EXCLUDED.home_late, host_late = EXCLUDED.host_late, admitted = EXCLUDED.admitted
"""


def lead_times_refresh() -> int:
    """Bring the lead times up to date with the audit trail; returns how far it got (the last event id).

    Incremental and idempotent: only requests with events after the mark are recomputed, whole, in one
    set-based statement; the mark's row is locked, so two refreshes at once take turns and neither misses an
    event. PostgreSQL only (the embedded SQLite default computes lead times live, ``insights.panels``).
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM enrolment_requestevent")
        newest = cursor.fetchone()[0]
    mark = LeadTimeMark.objects.filter(pk=1).values_list("last_event_id", flat=True).first()
    if mark is not None and mark >= newest:
        return newest
    with transaction.atomic():
        mark_row, _created = LeadTimeMark.objects.select_for_update().get_or_create(pk=1)
        if mark_row.last_event_id >= newest:
            return newest
        with connection.cursor() as cursor:
            cursor.execute(REFRESH_SQL, [mark_row.last_event_id, newest])
        mark_row.last_event_id = newest
        mark_row.save(update_fields=["last_event_id"])
    return newest
