"""Grade conversion: a score on one scale to the home institution's scale, through a table of points.

Pure Python over plain values (the table's rows, threshold and rounding), so the rules are tested on their own:
1. a letter (or any exact point) takes its row's value; a number between two numeric points is interpolated
   linearly; below the lowest or above the highest point it takes that point's value;
2. the table's rounding rule applies (half up, to a tenth, a half or a whole number);
3. the pass threshold keeps the verdict: a pass never converts below the threshold (it becomes the
   threshold), and a fail never converts to it or above (it becomes the highest value below it).
"""

from __future__ import annotations

import dataclasses
import decimal
from collections.abc import Iterable

from results.scales import Grade, Scale

D = decimal.Decimal
STEPS = {"tenth": D("0.1"), "half": D("0.5"), "whole": D("1")}


class ConversionError(ValueError):
    pass


@dataclasses.dataclass(frozen=True)
class Table:
    rows: tuple[tuple[str, D], ...]  # (from score, to value)
    pass_threshold: D
    rounding: str = "tenth"


def round_half_up(value: D, rounding: str) -> D:
    step = STEPS[rounding]
    return ((value / step).quantize(D("1"), rounding=decimal.ROUND_HALF_UP) * step).quantize(D("0.1"))


def convert(grade: Grade, table: Table) -> D:
    """``grade`` on the table's target scale. Raises ConversionError when the table has no point for it."""
    if grade.scale == Scale.PASS_FAIL:
        raise ConversionError("a pass or fail has no grade to convert")
    exact = {score.upper(): value for score, value in table.rows}
    if grade.score.upper() in exact:
        value = exact[grade.score.upper()]
    else:
        number = grade.number()
        points = sorted((D(score), value) for score, value in table.rows if _numeric(score))
        if number is None or not points:
            raise ConversionError(f"no row for {grade.score}")
        value = _interpolate(number, points)
    value = round_half_up(value, table.rounding)
    step = STEPS[table.rounding]
    if grade.passed and value < table.pass_threshold:
        return table.pass_threshold
    if not grade.passed and value >= table.pass_threshold:
        return table.pass_threshold - step
    return value


def _numeric(score: str) -> bool:
    try:
        return D(score).is_finite()
    except decimal.InvalidOperation:
        return False


def _interpolate(x: D, points: Iterable[tuple[D, D]]) -> D:
    points = list(points)
    if x <= points[0][0]:
        return points[0][1]
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        if x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return points[-1][1]
