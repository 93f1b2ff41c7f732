"""The settlement statement as CSV: one row per ordered pair (``gross``), then one per pair of institutions
after offsetting (``net``). Amounts in euros with a point and two decimals, as the statement shows them;
column names in English, as the other exports of the portal."""

from __future__ import annotations

import csv
import io

from billing.selectors_settlement import Statement

COLUMNS = [
    "academic_year",
    "kind",
    "payer_code",
    "payer",
    "payee_code",
    "payee",
    "enrolments",
    "ec",
    "enrolments_without_tariff",
    "amount_eur",
]


def _safe(text: str) -> str:
    # A spreadsheet must not read a name as a formula.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def statement_csv(statement: Statement) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    year = statement.year or ""
    for row in statement.rows:
        writer.writerow(
            [
                year,
                "gross",
                row.payer.code,
                _safe(row.payer.name),
                row.payee.code,
                _safe(row.payee.name),
                row.enrolments,
                f"{row.ec}",
                row.untariffed,
                f"{row.amount:.2f}",
            ]
        )
    for net in statement.nets:
        writer.writerow(
            [
                year,
                "net",
                net.debtor.code,
                _safe(net.debtor.name),
                net.creditor.code,
                _safe(net.creditor.name),
                "",
                "",
                "",
                f"{net.amount:.2f}",
            ]
        )
    return out.getvalue()
