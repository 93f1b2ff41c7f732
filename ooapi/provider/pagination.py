"""OOAPI pagination: ``pageSize``/``pageNumber`` in, ``hasPreviousPage``/``hasNextPage``/``totalPages`` out.
A page past the end is an empty page, not an error."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from django.db.models import QuerySet


def page_of(rows: QuerySet | Sequence, *, number: int, size: int) -> tuple[list, int]:
    """The rows of page ``number`` and the total count: two queries for a queryset, whatever ``size``."""
    total = rows.count() if isinstance(rows, QuerySet) else len(rows)
    start = (number - 1) * size
    return list(rows[start : start + size]), total


def page_body(items: list[dict], *, number: int, size: int, total: int) -> dict[str, Any]:
    return {
        "pageSize": size,
        "pageNumber": number,
        "hasPreviousPage": number > 1,
        "hasNextPage": number * size < total,
        "totalPages": max(1, math.ceil(total / size)),
        "items": items,
    }


def paginated(rows: QuerySet | Sequence, query: dict, to_item: Callable[[Any], dict]) -> dict[str, Any]:
    number, size = query.get("pageNumber") or 1, query["pageSize"]
    page, total = page_of(rows, number=number, size=size)
    return page_body([to_item(row) for row in page], number=number, size=size, total=total)
