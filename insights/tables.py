"""What every chart shows: a table of aggregates (the chart's accessible alternative, its CSV and its API
answer are all this one table), with suppression already applied. A hidden value is ``None``."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from insights.suppression import suppress, threshold

TOTAL = _("Total")


@dataclass(frozen=True)
class Column:
    key: str
    label: str | Promise
    kind: str = "count"  # count | days | rate | text | month


@dataclass
class Row:
    key: str
    label: str | Promise
    values: list[Any]


@dataclass
class Table:
    columns: list[Column]
    rows: list[Row]
    totals: list[Any] | None = None
    suppressed: int = 0  # how many values are hidden

    def as_dict(self) -> dict:
        return {
            "columns": [{"key": c.key, "label": str(c.label), "kind": c.kind} for c in self.columns],
            "rows": [{"key": r.key, "label": str(r.label), "values": r.values} for r in self.rows],
            "totals": self.totals,
            "suppressed": self.suppressed,
        }

    def csv(self) -> str:
        """The table as CSV: a header, one line per row, the totals last; a hidden value is written as the
        threshold marker (e.g. ``<5``), never as a number."""
        out = io.StringIO()
        writer = csv.writer(out)
        marker = f"<{threshold()}"
        writer.writerow(["", *[str(c.label) for c in self.columns]])
        for row in self.rows:
            writer.writerow([str(row.label), *[marker if v is None else v for v in row.values]])
        if self.totals is not None:
            writer.writerow([str(TOTAL), *[marker if v is None else ("" if v == "" else v) for v in self.totals]])
        return out.getvalue()


@dataclass
class Panel:
    """One chart on a dashboard: what it shows (``key``, title, how to draw it) and its table."""

    key: str
    title: str | Promise
    description: str | Promise
    chart: str  # bar | stacked | line | funnel | heatmap | sankey | lead | table
    table: Table
    warnings: list[str] = field(default_factory=list)

    @property
    def data_id(self) -> str:
        return f"{self.key}-data"

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "title": str(self.title),
            "description": str(self.description),
            "chart": self.chart,
            "table": self.table.as_dict(),
            "warnings": [str(w) for w in self.warnings],
        }


def count_table(
    rows: Sequence[tuple[str, Any]],
    columns: Sequence[Column],
    counts: Sequence[Sequence[int]],
    *,
    row_totals: bool = False,
    column_totals: bool = True,
) -> Table:
    """A table of student counts with its totals, suppressed (``insights.suppression``).

    ``rows``: (key, label) pairs; ``counts``: one list of ints per row, one per column. With ``row_totals`` a
    "Total" column is appended; with ``column_totals`` a totals row.
    """
    out_columns = list(columns) + ([Column("total", TOTAL)] if row_totals else [])
    if not rows:
        return Table(columns=out_columns, rows=[], totals=[0] * len(out_columns) if column_totals else None)
    hidden = suppress(counts, row_totals=row_totals, column_totals=column_totals)
    out_rows = []
    for (key, label), values, mask, total_hidden in zip(
        rows, counts, hidden.cells, hidden.row_totals or [False] * len(rows), strict=True
    ):
        shown = [None if h else int(v) for v, h in zip(values, mask, strict=True)]
        if row_totals:
            shown.append(None if total_hidden else sum(values))
        out_rows.append(Row(key=str(key), label=label, values=shown))
    totals = None
    if column_totals:
        sums = [sum(r[c] for r in counts) for c in range(len(columns))]
        totals = [None if h else s for s, h in zip(sums, hidden.column_totals, strict=True)]
        if row_totals:
            totals.append(None if hidden.grand_total else sum(sums))
    n_hidden = sum(v is None for r in out_rows for v in r.values) + sum(v is None for v in totals or [])
    return Table(columns=out_columns, rows=out_rows, totals=totals, suppressed=n_hidden)


def rate(numerator: int | None, denominator: int | None) -> float | None:
    """A percentage with one decimal, or ``None`` when either side is hidden or there is nothing to divide."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return round(100.0 * numerator / denominator, 1)
