"""Template tags of the catalogue page."""

from __future__ import annotations

from functools import lru_cache
from html import escape

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext

from catalogue.filters import SORT_CHOICES
from catalogue.models import Mode

register = template.Library()

# The page's two loops that run per facet value (about 100 on a broad question) and per result card are
# rendered by the tags below in one pass each, instead of by the template engine, whose cost per variable and tag was
# half the page's (docs/benchmarks.md, "Catalogue
# search"). Every text that comes from the catalogue goes through ``escape`` (the standard library's, which
# django.utils.html.escape calls, without its lazy-string wrapper); tests/catalogue/test_bad_input.py puts
# markup in each. The markup is the one the template had.


def _count(n: int) -> str:
    return str(n) if n < 1000 else intcomma(n)  # grouping ("1,234" / "1.234") is only needed from 1,000


def facet_checkboxes(facet) -> str:
    """A facet's values as ``<li>`` checkboxes with their counts."""
    name = escape(facet.name)
    return "\n".join(
        f'<li><input type="checkbox" name="{name}" value="{escape(value.value)}" id="{escape(value.dom_id)}"'
        f'{" checked" if value.selected else ""}><label for="{escape(value.dom_id)}">{escape(value.label)}'
        f' <span class="count">({_count(value.count)})</span></label></li>'
        for value in facet.values
    )


@register.simple_tag
def facet_fieldsets(facets) -> SafeString:
    """One ``<fieldset>`` per facet that has values, each a list of checkboxes."""
    return mark_safe(  # noqa: S308 (every interpolated text is escaped)
        "\n".join(
            f'<fieldset class="facet" id="facet-{escape(facet.name)}">\n  <legend>{escape(str(facet.label))}</legend>\n'
            f"  <ul>\n{facet_checkboxes(facet)}\n  </ul>\n</fieldset>"
            for facet in facets
            if facet.values
        )
    )


@register.simple_tag
def personal_fieldset(personal_filters: list[dict]) -> SafeString:
    """The filters that depend on who is looking ("counts for my programme", "eligible for me"), for a
    signed-in student only."""
    if not personal_filters:
        return mark_safe("")
    items = "\n".join(
        f'<li><input type="checkbox" name="for_me" value="{escape(f["name"])}" id="for-me-{escape(f["name"])}"'
        f'{" checked" if f["ticked"] else ""}><label for="for-me-{escape(f["name"])}">{escape(str(f["label"]))}</label></li>'
        for f in personal_filters
    )
    legend = escape(gettext("For me"))
    return mark_safe(  # noqa: S308 (every interpolated text is escaped)
        f'<fieldset class="facet" id="facet-for-me">\n  <legend>{legend}</legend>\n  <ul>\n{items}\n  </ul>\n</fieldset>'
    )


@register.simple_tag
def sort_options(selected: str) -> SafeString:
    """The sort orders as ``<option>`` elements, ``selected`` marked, in one pass rather than six template nodes each."""
    return mark_safe(  # noqa: S308 (the values are fixed codes, the labels escaped)
        "\n".join(
            f'<option value="{value}"{" selected" if value == selected else ""}>{escape(str(label))}</option>'
            for value, label in SORT_CHOICES
        )
    )


# Stands for the offering's id while the address is reversed; replaced by each card's id.
_URL_MARKER = 987654321


@register.simple_tag
def result_cards(cards: list[dict], home_periods: list) -> SafeString:
    """The result cards as ``<li class="card">`` items (``cards`` as ``catalogue.views._cards`` makes them).

    ``home_periods``: the signed-in student's own periods; when there are any, each card says which of them
    it falls in."""
    # The offering page's address, reversed once per page rather than once per card.
    url = reverse("catalogue:offering", args=[_URL_MARKER]).replace(str(_URL_MARKER), "{}")
    modes = {mode.value: escape(str(mode.label)) for mode in Mode}
    microcredential = escape(gettext("Microcredential"))
    open_now = escape(gettext("Open for enrolment"))
    falls_in = escape(gettext("At your home institution this falls in:"))
    outside = escape(gettext("Outside your home institution's periods."))
    ec_title = escape(
        gettext("European credits: 1 EC is 28 hours of study")
    )  # not in an f-string: xgettext skips those
    ec = f'<abbr title="{ec_title}">EC</abbr>'
    items = []
    for card in cards:
        where = modes.get(card["mode"], modes[Mode.ON_CAMPUS]) + (f", {escape(card['city'])}" if card["city"] else "")
        badges = (f' · <span class="badge">{microcredential}</span>' if card["is_microcredential"] else "") + (
            f' · <span class="badge open">{open_now}</span>' if card["is_open"] else ""
        )
        badges += "".join(
            f' · <span class="badge mine">{escape(str(label))}</span>' for label in card.get("badges", ())
        )
        if not home_periods:
            periods = ""
        elif card["home_periods"]:
            names = ", ".join(escape(period.name) for period in card["home_periods"])
            periods = f'\n  <p class="home-periods">{falls_in} {names}</p>'
        else:
            periods = f'\n  <p class="home-periods">{outside}</p>'
        items.append(
            f'<li class="card">\n  <h3><a href="{url.format(int(card["offering_id"]))}">{escape(card["title"])}</a></h3>\n'
            f'  <p class="meta"><span class="institution">{escape(card["institution"])}</span> ·'
            f" <span>{escape(card['ec_text'])} {ec}</span> · <span>{escape(card['dates'])}</span> ·"
            f" <span>{where}</span>{badges}</p>\n"
            f'  <p class="summary">{escape(card["summary"])}</p>\n'
            f"  {seat_bar(offering_id=card['offering_id'], capacity=card['capacity'], taken=card['seats_taken'])}"
            f"{periods}\n</li>"
        )
    return mark_safe("\n".join(items))  # noqa: S308 (every interpolated text is escaped)


def seats_label(*, left: int, capacity: int) -> str:
    """ "12 seats left of 30", the seat bar's label."""
    return _seats_label(left, capacity, get_language())


@lru_cache(maxsize=4096)
def _seats_label(left: int, capacity: int, language: str | None) -> str:
    # Per language (part of the key); a page labels twenty seat bars with the same words.
    left_text = ngettext("%(left)s seat left", "%(left)s seats left", left) % {"left": left}
    of_capacity = gettext("of %(capacity)s") % {"capacity": capacity}  # not inside an f-string: xgettext skips those
    return f"{left_text} {of_capacity}"


@register.simple_tag
def seat_bar(*, offering_id: int, capacity: int, taken: int) -> str:
    """The seat bar: a ``<meter>`` of the seats LEFT, as its text label says, so a course with many seats
    left shows a long bar and a full one an empty bar in the meter's "bad" colour, with "Full" in words
    (colour is never the only sign). A tag rather than an ``{% include %}``: it is drawn on every result
    card, and an include builds a context of its own for every card."""
    offering_id, capacity, taken = int(offering_id), int(capacity), int(taken)  # numbers: nothing to escape
    left = max(capacity - taken, 0)
    label = escape(seats_label(left=left, capacity=capacity))
    full = left == 0
    if full:
        full_text = escape(gettext("Full"))  # not in an f-string: xgettext skips those
        label = f'<strong class="full">{full_text}:</strong> {label}'
    # Fewer than a fifth left is "low" (the meter's warning colour), none at all below it.
    low, high = max(1, capacity // 5), max(1, capacity // 2)
    return mark_safe(  # noqa: S308 (the label is escaped, the rest are numbers)
        f'<div class="seat-bar{" is-full" if full else ""}">\n  <label for="seats-{offering_id}">{label}</label>\n'
        f'  <meter id="seats-{offering_id}" min="0" max="{max(capacity, 1)}" low="{low}" high="{high}"'
        f' optimum="{max(capacity, 1)}" value="{left}">{left}/{capacity}</meter>\n</div>'
    )
