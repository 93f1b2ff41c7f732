"""Keeping the dashboards' settlement cells (``billing.models.SettlementCell``) up to date.

The cells are ``billing.selectors_settlement.cell_totals`` written down: every billable line, per ordered pair
and host period, computed by the one rule (``billable_requests``). What is owed depends on the requests'
moves (each writes an audit event), the tariffs, and the catalogue (a run's EC, start date and withdrawal
deadline), so the cells carry a signature of the three: the newest audit event, a digest of the tariffs and
the catalogue's stamp. A refresh recomputes every cell in one transaction (``core.summaries.KeptSummary``:
readers see the old cells until it commits; two refreshes take turns). PostgreSQL only: on SQLite the
dashboards compute the statement live.
"""

from __future__ import annotations

from django.conf import settings

from billing.selectors_settlement import cell_totals
from core.summaries import KeptSummary

SIGNATURE_SQL = """
SELECT concat_ws('/',
        (SELECT coalesce(max(id), 0) FROM enrolment_requestevent),
        (SELECT changed_at FROM catalogue_cataloguestamp WHERE id = 1),
        (SELECT md5(string_agg(concat_ws(':', id, payer_id, payee_id, basis, rate, valid_from, valid_until), ','
                               ORDER BY id)) FROM billing_tariff))
"""
INSERT_SQL = """
INSERT INTO billing_settlementcell (home_id, host_id, period_id, billable, ec_total, without_tariff, gross_exact)
SELECT q."home_institution", q."host_institution", q."offering__period", q."enrolments", q."ec", q."untariffed",
       q."gross"
"""
CELLS = KeptSummary(mark_table="billing_settlementmark", signature_sql=SIGNATURE_SQL, lock_key=0x5E77_1E00)


def _recompute(cursor) -> None:
    # The ORM's own SQL for cell_totals, its parameters bound by the driver.
    select, params = cell_totals().query.sql_with_params()
    cursor.execute("DELETE FROM billing_settlementcell")
    cursor.execute(f"{INSERT_SQL} FROM ({select}) AS q", params)  # noqa: S608


def settlement_cells_refresh(*, max_age: float | None = None) -> bool:
    """Recompute the settlement cells when the audit trail, the tariffs or the catalogue changed since the
    last refresh; returns whether it did. ``max_age`` (seconds): leave cells refreshed less than this long
    ago as they are (a dashboard read passes ``SETTLEMENT_CELLS_MAX_AGE``; beat passes nothing)."""
    return CELLS.refresh(_recompute, max_age=max_age)


def settlement_cells_refresh_for_read() -> None:
    """What a dashboard does before reading the cells: refresh them when older than ``SETTLEMENT_CELLS_MAX_AGE``."""
    settlement_cells_refresh(max_age=float(getattr(settings, "SETTLEMENT_CELLS_MAX_AGE", 60)))
