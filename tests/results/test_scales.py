"""The grade scales: what each accepts, its canonical form, and its pass threshold at the boundary."""

import pytest

from results.scales import Scale, ScaleError, parse


@pytest.mark.parametrize(
    ("scale", "raw", "score", "passed"),
    [
        (Scale.NL10, "5.5", "5.5", True),  # the boundary passes
        (Scale.NL10, "5,4", "5.4", False),  # a Dutch decimal comma, just below
        (Scale.NL10, "10", "10", True),
        (Scale.NL10, "1", "1", False),
        (Scale.PERCENT, "55", "55", True),
        (Scale.PERCENT, "54.9", "54.9", False),
        (Scale.PASS_FAIL, "Voldaan", "pass", True),
        (Scale.PASS_FAIL, "fail", "fail", False),
        (Scale.LETTER, "d-", "D-", True),  # the lowest pass
        (Scale.LETTER, "F", "F", False),
        (Scale.LETTER, "A+", "A+", True),
    ],
)
def test_each_scale_parses_and_decides(scale, raw, score, passed):
    grade = parse(scale, raw)
    assert (grade.score, grade.passed) == (score, passed)


@pytest.mark.parametrize(
    ("scale", "raw"),
    [
        (Scale.NL10, "11"),
        (Scale.NL10, "0.9"),
        (Scale.NL10, "7.25"),  # at most one decimal
        (Scale.NL10, "NaN"),
        (Scale.NL10, "seven"),
        (Scale.PERCENT, "101"),
        (Scale.PERCENT, "-1"),
        (Scale.PASS_FAIL, "maybe"),
        (Scale.LETTER, "E"),
        (Scale.LETTER, ""),
    ],
)
def test_out_of_scale_is_refused_with_a_message(scale, raw):
    with pytest.raises(ScaleError) as caught:
        parse(scale, raw)
    assert str(caught.value.message)


def test_an_unknown_scale_names_the_known_ones():
    with pytest.raises(ScaleError, match="1-10"):
        parse("stars", "5")
