"""Small-cell suppression: counts of fewer than ``INSIGHTS_SUPPRESSION_THRESHOLD`` students are not shown,
and neither is any cell that could be worked out from the totals shown beside it.

The rule, in two passes over one table of counts with its totals:

1. **Primary**: any count with ``0 < n < k`` is hidden, totals included. Zero is shown: it names nobody.
2. **Complementary**: a row (cells and its row total) and a column (cells and its column total) are each one
   equation, ``total = sum of cells``. An equation with exactly one hidden member gives that member away by
   subtraction, so a second member is hidden too: the smallest count above zero that is still shown (a zero
   only when there is no other). Hiding one cell can leave another equation with one hidden member, so the
   pass repeats until no equation has exactly one.

Pure: no database, no Django beyond the setting's default; ``insights.selectors`` applies it to every count
table it shows. See ``docs/insights.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings

DEFAULT_THRESHOLD = 5


def threshold() -> int:
    return int(getattr(settings, "INSIGHTS_SUPPRESSION_THRESHOLD", DEFAULT_THRESHOLD))


@dataclass
class Suppressed:
    """Which cells of a table, and which of its totals, are hidden (``True``)."""

    cells: list[list[bool]]
    row_totals: list[bool]
    column_totals: list[bool]
    grand_total: bool


def suppress(
    cells: Sequence[Sequence[int]],
    *,
    row_totals: bool = False,
    column_totals: bool = True,
    k: int | None = None,
) -> Suppressed:
    """Which of ``cells`` to hide, given which totals are published beside them.

    ``row_totals``: each row's sum is shown; ``column_totals``: each column's sum is shown; both: the grand
    total too. Totals are computed here from the cells, so they always add up.
    """
    k = threshold() if k is None else k
    n_rows = len(cells)
    n_cols = len(cells[0]) if n_rows else 0
    # One grid: the cells, a column of row totals on the right, a row of column totals below.
    width = n_cols + (1 if row_totals else 0)
    height = n_rows + (1 if column_totals else 0)
    grid = [[0] * width for _ in range(height)]
    for r in range(n_rows):
        for c in range(n_cols):
            grid[r][c] = int(cells[r][c])
    if row_totals:
        for r in range(n_rows):
            grid[r][n_cols] = sum(grid[r][:n_cols])
    if column_totals:
        for c in range(width):
            grid[n_rows][c] = sum(grid[r][c] for r in range(n_rows))
    hidden = [[0 < grid[r][c] < k for c in range(width)] for r in range(height)]

    equations: list[list[tuple[int, int]]] = []
    if row_totals:
        equations += [[(r, c) for c in range(width)] for r in range(height)]
    if column_totals:
        equations += [[(r, c) for r in range(height)] for c in range(width)]

    changed = True
    while changed:
        changed = False
        for members in equations:
            if sum(hidden[r][c] for r, c in members) != 1:
                continue
            shown = [(grid[r][c] == 0, grid[r][c], r, c) for r, c in members if not hidden[r][c]]
            if not shown:
                continue
            _zero, _value, r, c = min(shown)
            hidden[r][c] = True
            changed = True

    return Suppressed(
        cells=[[hidden[r][c] for c in range(n_cols)] for r in range(n_rows)],
        row_totals=[hidden[r][n_cols] for r in range(n_rows)] if row_totals else [],
        column_totals=[hidden[n_rows][c] for c in range(n_cols)] if column_totals else [],
        grand_total=bool(row_totals and column_totals and hidden[n_rows][n_cols]),
    )
