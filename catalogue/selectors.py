"""Reads of the catalogue. Views and APIs call these; none of them writes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from dataclasses import dataclass, field
from functools import lru_cache

from django.db import connection
from django.db.models import Prefetch, QuerySet
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from catalogue import personal
from catalogue.choices import CatalogueChoices, catalogue_choices
from catalogue.filters import YES_NO, CatalogueFilterSet
from catalogue.models import CatalogueStamp, Course, ECBand, Language, Level, Mode, Offering, Theme
from catalogue.search import FACET_ORDER, CatalogueQuery, SearchResult, catalogue_search
from catalogue.vocabulary import search_vocabulary
from institutions.models import AcademicPeriod, Institution, localised
from institutions.routes import ROUTE_BITS, Route


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool
    dom_id: str = ""  # the checkbox's id, unique on the page


@dataclass
class Facet:
    name: str
    label: str
    values: list[FacetValue] = field(default_factory=list)

    @property
    def has_selection(self) -> bool:
        return any(v.selected for v in self.values)


# Facet values recur on every page (codes, months, cities); slugify is slow enough to remember.
_slug = lru_cache(maxsize=4096)(slugify)


def _month_label(value: str) -> str:
    return _month_label_in(value, get_language() or "nl")


@lru_cache(maxsize=1024)
def _month_label_in(value: str, language: str) -> str:
    """A start month's label ("februari 2027"): a page labels every month, and formatting is slow enough to remember."""
    year, month = value.split("-")
    return formats.date_format(dt.date(int(year), int(month), 1), "F Y")


def label_facets(result: SearchResult, filterset: CatalogueFilterSet, choices: CatalogueChoices) -> list[Facet]:
    """Turn raw counts into labelled facets, in a fixed order; selected values stay even at 0."""
    data = filterset.form.cleaned_data if filterset.is_bound and filterset.is_valid() else {}
    inst_by_id = {pk: (code, label) for pk, code, label in choices.institutions}
    theme_by_bit = {1 << bit: (code, label) for bit, code, label in choices.themes}
    route_by_bit = {bit: (route, Route(route).label) for route, bit in ROUTE_BITS.items()}
    fixed = {
        "ec": dict(ECBand.choices),
        "language": dict(Language.choices),
        "level": dict(Level.choices),
        "mode": dict(Mode.choices),
        "open": dict(YES_NO),
        "microcredential": dict(YES_NO),
    }
    facets = []
    for name in FACET_ORDER:
        counts = result.counts.get(name, {})
        selected = set(data.get(name) or [])
        values: list[FacetValue] = []
        if name == "institution":
            items = [(inst_by_id[k][0], inst_by_id[k][1], n) for k, n in counts.items() if k in inst_by_id]
            items.sort(key=lambda item: item[1].lower())
        elif name == "theme":
            items = [(theme_by_bit[k][0], theme_by_bit[k][1], n) for k, n in counts.items() if k in theme_by_bit]
            items.sort(key=lambda item: item[1].lower())
        elif name == "route":
            items = [(route_by_bit[k][0], route_by_bit[k][1], n) for k, n in counts.items() if k in route_by_bit]
        elif name in ("open", "microcredential"):
            items = [("yes" if k else "no", fixed[name]["yes" if k else "no"], n) for k, n in counts.items()]
            items.sort(key=lambda item: item[0] != "yes")
        elif name == "month":
            items = sorted((k, _month_label(k), n) for k, n in counts.items())
        elif name == "city":
            items = sorted(((k, k or str(_("Online only")), n) for k, n in counts.items()), key=lambda item: item[1])
        else:
            order = list(fixed[name])
            items = sorted(
                ((k, fixed[name].get(k, k), n) for k, n in counts.items()),
                key=lambda item: order.index(item[0]) if item[0] in order else 99,
            )
        seen = set()
        for value, label, n in items:
            if n or value in selected:
                values.append(FacetValue(str(value), str(label), n, str(value) in selected))
                seen.add(str(value))
        for value in selected - seen:  # selected but absent from the counts: show it with 0 so it can be unticked
            values.append(FacetValue(str(value), str(value), 0, True))
        for number, facet_value in enumerate(values, start=1):
            facet_value.dom_id = f"f-{name}-{number}-{_slug(facet_value.value)}"
        facets.append(Facet(name=name, label=str(filterset.base_filters[name].label), values=values))
    return facets


@dataclass
class HomePeriod:
    name: str
    start_date: dt.date
    end_date: dt.date


def student_home_periods(user) -> list[HomePeriod]:
    """The logged-in student's home calendar (current and next academic year); empty for others."""
    profile = getattr(user, "student", None) if user.is_authenticated else None
    if profile is None:
        return []
    today = timezone.localdate()
    periods = (
        AcademicPeriod.objects.filter(institution_id=profile.home_institution_id, end_date__gte=today)
        .select_related("academic_year", "institution")
        .order_by("start_date")[:12]
    )
    return [
        HomePeriod(
            # No institution in the name: they are all the student's own ("At your home institution ...").
            f"{localised(p, 'name')} {p.academic_year.name}",
            p.start_date,
            p.end_date,
        )
        for p in periods
    ]


def overlapping_periods(home_periods: list[HomePeriod], start: dt.date, end: dt.date) -> list[HomePeriod]:
    return [p for p in home_periods if p.start_date <= end and start <= p.end_date]


def catalogue_stamp() -> dt.datetime | None:
    """When the catalogue last changed (``services.catalogue_stamp_touch``); None before it ever did.

    One plain statement: every catalogue request reads it (for the ETag), and building the ORM query cost
    more than running it does."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT changed_at FROM {CatalogueStamp._meta.db_table} WHERE id = 1")  # noqa: S608
        row = cursor.fetchone()
    if row is None:
        return None
    value = parse_datetime(row[0]) if isinstance(row[0], str) else row[0]
    if timezone.is_naive(value):  # SQLite keeps UTC without a zone; the ORM would have added it
        value = value.replace(tzinfo=dt.UTC)
    return value


def catalogue_etag(request, *extra, stamp: dt.datetime | None = None) -> str:
    """Changes when the catalogue changes, when the minute turns (enrolment windows are to the minute),
    and per language, user and URL. ``stamp``: ``catalogue_stamp()``, when the caller has read it."""
    stamp = stamp or catalogue_stamp()
    minute = timezone.now().strftime("%Y%m%d%H%M")
    user = request.user.pk if getattr(request, "user", None) and request.user.is_authenticated else "-"
    mine = personal.version(request.user) if user != "-" else ""  # precedents and requests change the page
    raw = "|".join(str(p) for p in (stamp, minute, get_language(), user, mine, request.get_full_path(), *extra))
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def offering_detail(*, offering_id: int) -> Offering:
    return (
        Offering.objects.select_related("institution", "period__academic_year", "course__unit", "module__unit")
        .prefetch_related(
            Prefetch("course__themes", queryset=Theme.objects.order_by("bit")),
            Prefetch("module__themes", queryset=Theme.objects.order_by("bit")),
            Prefetch("course__prerequisites", queryset=Course.objects.select_related("institution")),
            Prefetch("module__courses", queryset=Course.objects.order_by("code")),
        )
        .filter(is_archived=False)
        .get(pk=offering_id)
    )


def offerings_by_ids(ids: list[int]) -> list[Offering]:
    """Offerings in the order of ``ids`` (a search result's order), with what a card or API row needs."""
    found = {
        o.pk: o for o in Offering.objects.select_related("institution", "period", "course", "module").filter(pk__in=ids)
    }
    return [found[i] for i in ids if i in found]


def courses_queryset() -> QuerySet[Course]:
    return Course.objects.select_related("institution").prefetch_related(
        Prefetch("themes", queryset=Theme.objects.order_by("bit"))
    )


def catalogue_overview() -> dict:
    """Figures for the home page: three cheap counts."""
    return {
        "institutions": Institution.objects.count(),
        "offerings": Offering.objects.filter(is_archived=False).count(),
        "courses": Course.objects.count(),
    }


@dataclass
class Suggestions:
    """What to try instead of a question without results: the nearest themes (code, name) and words."""

    themes: list[tuple[str, str]]
    words: list[str]

    def __bool__(self) -> bool:
        return bool(self.themes or self.words)


def search_suggestions(*, text: str) -> Suggestions:
    """The themes and title words nearest to ``text``'s words, for a search that found nothing."""
    themes, words = search_vocabulary().suggestions(text)
    return Suggestions(themes=[(theme.code, theme.name) for theme in themes], words=words)


def run_catalogue_query(
    params,
    *,
    choices: CatalogueChoices | None = None,
    page: int,
    page_size: int,
    only: frozenset[int] | None = None,
) -> tuple[CatalogueQuery, SearchResult, CatalogueFilterSet]:
    """``only``: the offerings the ticked personal filters keep (``catalogue.personal``), or None for all."""
    choices = choices or catalogue_choices()
    filterset = CatalogueFilterSet(params, choices=choices)
    query = filterset.to_query(page=page, page_size=page_size)
    if only is not None:
        query = dataclasses.replace(query, only=tuple(sorted(only)))
    return query, catalogue_search(query), filterset


def personal_for(user, ticked: list[str]) -> tuple[list[dict], frozenset[int] | None, dict[int, list]]:
    """For the catalogue page: the personal filters that apply to ``user`` (name, label, ticked), the
    offerings the ticked ones keep together (None when none is ticked), and each offering's badges."""
    found = personal.applicable(user)
    kept = None
    badges: dict[int, list] = {}
    for personal_filter, offerings in found:
        if personal_filter.name in ticked:
            kept = offerings if kept is None else kept & offerings
        if personal_filter.badge:
            for offering_id in offerings:
                badges.setdefault(offering_id, []).append(personal_filter.badge)
    shown = [{"name": f.name, "label": f.label, "ticked": f.name in ticked} for f, _offerings in found]
    return shown, kept, badges
