"""Reads of a student's ledger: its entries, its balance and its CSV export. Who may read whose ledger is
decided by the caller (own pace's selectors: the student, and home staff of their own institution)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from django.db.models import QuerySet, Sum

from billing.models_tuition import LedgerEntry
from billing.money import ZERO

CSV_COLUMNS = ["entry", "posted_at", "kind", "amount", "description", "reference", "corrects", "balance"]


def ledger_entries(student) -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.filter(student=student).select_related("institution", "corrects").order_by("pk")


def ledger_balance(student) -> Decimal:
    """What the student owes: the sum of the signed amounts (charges and corrections up, credits down)."""
    total = LedgerEntry.objects.filter(student=student).aggregate(total=Sum("amount"))["total"]
    return total if total is not None else ZERO


def ledger_rows(student) -> list[dict]:
    """The entries oldest first, each with the running balance after it."""
    running = ZERO
    rows = []
    for entry in ledger_entries(student):
        running += entry.amount
        rows.append({"entry": entry, "balance": running})
    return rows


def ledger_csv(student) -> str:
    """The ledger as CSV (comma-separated, amounts with a decimal point, two decimals), one row per entry with
    the running balance; the last row's balance is ``ledger_balance``."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in ledger_rows(student):
        entry = row["entry"]
        writer.writerow(
            [
                entry.pk,
                entry.posted_at.isoformat(timespec="seconds"),
                entry.kind,
                f"{entry.amount:.2f}",
                _safe(entry.description),
                entry.reference,
                entry.corrects_id or "",
                f"{row['balance']:.2f}",
            ]
        )
    return out.getvalue()


def _safe(text: str) -> str:
    """No spreadsheet formula injection: a cell starting with = + - @ is read as text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
