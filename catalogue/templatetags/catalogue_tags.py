"""Template tags of the catalogue page."""

from __future__ import annotations

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext

register = template.Library()


@register.simple_tag
def facet_checkboxes(facet) -> str:
    """A facet's values as ``<li>`` checkboxes with their counts.

    The one loop of the page that runs for every facet value (about 85 on a broad question) is rendered
    here in one pass instead of by the template engine, which spent ~50 us per value resolving its seven
    variables; the markup is the same (docs/benchmarks.md, "Catalogue search")."""
    return format_html_join(
        "\n",
        '<li><input type="checkbox" name="{}" value="{}" id="{}"{}>'
        '<label for="{}">{} <span class="count">({})</span></label></li>',
        (
            (
                facet.name,
                value.value,
                value.dom_id,
                mark_safe(" checked") if value.selected else "",  # noqa: S308 (a constant)
                value.dom_id,
                value.label,
                intcomma(value.count),
            )
            for value in facet.values
        ),
    )


def seats_label(*, left: int, capacity: int) -> str:
    """ "12 seats left of 30", the seat bar's label."""
    left_text = ngettext("%(left)s seat left", "%(left)s seats left", left) % {"left": left}
    of_capacity = gettext("of %(capacity)s") % {"capacity": capacity}  # not inside an f-string: xgettext skips those
    return f"{left_text} {of_capacity}"


@register.simple_tag
def seat_bar(*, offering_id: int, capacity: int, taken: int) -> str:
    """The seat bar: a ``<meter>`` with its text label. A tag rather than an ``{% include %}``: it is drawn
    on every result card, and an include with its own context cost ~50 us a card."""
    left = max(capacity - taken, 0)
    return format_html(
        '<div class="seat-bar">\n  <label for="seats-{id}">{label}</label>\n'
        '  <meter id="seats-{id}" min="0" max="{capacity}" low="{capacity}" value="{taken}">{taken}/{capacity}</meter>\n'
        "</div>",
        id=offering_id,
        label=seats_label(left=left, capacity=capacity),
        capacity=capacity,
        taken=taken,
    )
