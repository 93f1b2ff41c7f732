"""Grade scales: the four ways institutions in the zone write a score, each with its pass threshold.

Pure Python, no models: a score is parsed into a canonical text and a verdict, or refused with a message
that says what the scale allows. The pass thresholds are the zone's usual ones (written in
``docs/results.md``): 5.5 on the Dutch 1-10 scale, 55 on 0-100, D- on the US letter scale.
"""

from __future__ import annotations

import dataclasses
import decimal
import enum

from django.utils.translation import gettext_lazy as _

from core.i18n import lazy_format


class Scale(enum.StrEnum):
    NL10 = "1-10"
    PASS_FAIL = "pass-or-fail"  # noqa: S105 (a scale's name, not a password)
    PERCENT = "0-100"
    LETTER = "US letter"

    @property
    def label(self):
        return SCALE_LABELS[self]


SCALE_LABELS = {
    Scale.NL10: _("1 to 10 (pass from 5.5)"),
    Scale.PASS_FAIL: _("pass or fail"),
    Scale.PERCENT: _("0 to 100 (pass from 55)"),
    Scale.LETTER: _("US letter, A+ to F (pass from D-)"),
}
SCALE_CHOICES = [(scale.value, SCALE_LABELS[scale]) for scale in Scale]

# Best first: the order decides what "at least D-" means.
LETTERS = ("A+", "A", "A-", "B+", "B", "B-", "C+", "C", "C-", "D+", "D", "D-", "F")
LOWEST_PASSING_LETTER = "D-"
PASS_WORDS = {"pass": True, "passed": True, "voldaan": True, "v": True, "fail": False, "failed": False}
PASS_WORDS |= {"niet voldaan": False, "nv": False}
NL10_PASS = decimal.Decimal("5.5")
PERCENT_PASS = decimal.Decimal("55")


class ScaleError(ValueError):
    """A score the scale does not allow; ``message`` says what it does allow."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclasses.dataclass(frozen=True)
class Grade:
    scale: Scale
    score: str  # canonical: "7.5", "72", "pass", "B+"
    passed: bool

    def number(self) -> decimal.Decimal | None:
        """The score as a number on a numeric scale, else None."""
        if self.scale in (Scale.NL10, Scale.PERCENT):
            return decimal.Decimal(self.score)
        return None


def scale_of(value: str) -> Scale:
    try:
        return Scale(value)
    except ValueError:
        known = ", ".join(scale.value for scale in Scale)
        raise ScaleError(
            lazy_format(_("Unknown grade scale %(scale)s; use one of %(known)s."), scale=value, known=known)
        ) from None


def _decimal(raw: str, *, low: int, high: int, scale: Scale) -> decimal.Decimal:
    text = raw.strip().replace(",", ".")
    try:
        number = decimal.Decimal(text)
    except decimal.InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number.as_tuple().exponent < -1 or not low <= number <= high:
        raise ScaleError(
            lazy_format(
                _(
                    "%(score)s is not a score on the scale %(scale)s: give a number from %(low)s to %(high)s with at most one decimal."
                ),
                score=raw,
                scale=scale.value,
                low=low,
                high=high,
            )
        )
    return number.quantize(decimal.Decimal("0.1")) if number.as_tuple().exponent < 0 else number


def parse(scale: Scale | str, raw: str) -> Grade:
    """The grade ``raw`` on ``scale``. Raises ScaleError for anything the scale does not allow."""
    scale = scale if isinstance(scale, Scale) else scale_of(scale)
    raw = str(raw or "").strip()
    if scale == Scale.NL10:
        number = _decimal(raw, low=1, high=10, scale=scale)
        return Grade(scale, str(number), number >= NL10_PASS)
    if scale == Scale.PERCENT:
        number = _decimal(raw, low=0, high=100, scale=scale)
        return Grade(scale, str(number), number >= PERCENT_PASS)
    if scale == Scale.PASS_FAIL:
        verdict = PASS_WORDS.get(raw.lower())
        if verdict is None:
            raise ScaleError(lazy_format(_("%(score)s is not pass or fail."), score=raw))
        return Grade(scale, "pass" if verdict else "fail", verdict)
    letter = raw.upper()
    if letter not in LETTERS:
        raise ScaleError(lazy_format(_("%(score)s is not a US letter grade: use A+ to D- or F."), score=raw))
    return Grade(scale, letter, LETTERS.index(letter) <= LETTERS.index(LOWEST_PASSING_LETTER))
