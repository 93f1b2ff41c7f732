"""Catalogue pages: public, no login. Thin: validation and answers come from filters/selectors."""

from __future__ import annotations

from functools import lru_cache

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from catalogue.errors import InvalidCatalogueQuery
from catalogue.filters import CatalogueFilterSet, parse_paging
from catalogue.models import Offering
from catalogue.selectors import (
    catalogue_choices,
    catalogue_etag,
    catalogue_overview,
    catalogue_stamp,
    label_facets,
    offering_detail,
    overlapping_periods,
    personal_for,
    run_catalogue_query,
    search_suggestions,
    student_home_periods,
)


def _cacheable(response, etag: str):
    response["ETag"] = f'"{etag}"'
    patch_cache_control(response, private=True, no_cache=True)
    patch_vary_headers(response, ("Cookie", "Accept-Language", "HX-Request"))
    return response


# A card's dates and EC, formatted in ``language`` (the active one, part of the cache key). Offerings share a
# few hundred dates and EC values, and formatting is slow enough to remember.
@lru_cache(maxsize=4096)
def _date_text(value, language: str) -> str:
    return date_format(value, "j M Y")


@lru_cache(maxsize=256)
def _ec_text(value, language: str) -> str:
    return floatformat(value, "-1")


def _cards(rows: list[dict], institutions: dict[int, str], home_periods, badges: dict[int, list]) -> list[dict]:
    """The result cards, with their text formatted here once rather than by filters per card."""
    language = get_language() or "nl"
    english = language.startswith("en")
    now = timezone.now()
    cards = []
    for row in rows:
        start, end = _date_text(row["start_date"], language), _date_text(row["end_date"], language)
        cards.append(
            {
                **row,
                "title": (row["title_en"] if english else row["title_nl"]) or row["title_nl"],
                "summary": (row["summary_en"] if english else row["summary_nl"]) or row["summary_nl"],
                "institution": institutions.get(row["institution_id"], ""),
                "dates": f"{start} – {end}",
                "ec_text": _ec_text(row["ec"], language),
                "is_open": row["enrol_opens_at"] <= now < row["enrol_closes_at"],
                "home_periods": overlapping_periods(home_periods, row["start_date"], row["end_date"]),
                "badges": badges.get(row["offering_id"], ()),
            }
        )
    return cards


@require_GET
def catalogue(request):
    is_htmx = request.headers.get("HX-Request") == "true"
    stamp = catalogue_stamp()
    etag = catalogue_etag(request, is_htmx, stamp=stamp)
    not_modified = get_conditional_response(request, etag=f'"{etag}"')
    if not_modified is not None:
        return not_modified
    template = "catalogue/_body.html" if is_htmx else "catalogue/catalogue.html"
    choices = catalogue_choices(stamp=stamp)
    mine, kept, badges = personal_for(request.user, request.GET.getlist("for_me"))
    try:
        page, page_size = parse_paging(request.GET)
        query, result, filterset = run_catalogue_query(
            request.GET, choices=choices, page=page, page_size=page_size, only=kept
        )
    except InvalidCatalogueQuery as error:
        context = {
            "errors": error.errors,
            "filterset": CatalogueFilterSet(None, choices=choices),
            "facets": [],
            "cards": [],
        }
        return render(request, template, context, status=400)
    home_periods = student_home_periods(request.user)
    institutions = {pk: label for pk, _code, label in choices.institutions}
    facets = label_facets(result, filterset, choices)
    context = {
        "filterset": filterset,
        "query": query,
        "result": result,
        "facets": facets,
        "cards": _cards(result.rows, institutions, home_periods, badges),
        "personal_filters": mine,
        "home_periods": home_periods,
        "page_beyond_end": result.total and query.page > result.num_pages,
        "pagination": _pagination(request.GET, query.page, result.num_pages),
        "suggestions": search_suggestions(text=query.text) if query.text and not result.total else None,
        # Phones show the filters behind a "Filters" button; it stays open while the student ticks them.
        "filters_open": is_htmx and any(facet.has_selection for facet in facets),
    }
    return _cacheable(render(request, template, context), etag)


def _pagination(params, page: int, num_pages: int) -> dict[str, str] | None:
    """The previous and next pages' addresses (the same question, another page), or None for one page.
    From past the last page (an old link, the question's results since shrunk) "previous" is the last page.
    Built here once, not twice per page by the template from the query string."""
    if num_pages <= 1:
        return None
    rest = params.copy()
    rest.pop("page", None)
    start = f"?{rest.urlencode()}&page=" if rest else "?page="
    return {
        "previous": f"{start}{min(page - 1, num_pages)}" if page > 1 else "",
        "next": f"{start}{page + 1}" if page < num_pages else "",
    }


@require_GET
def offering(request, offering_id: int):
    try:
        item = offering_detail(offering_id=offering_id)
    except Offering.DoesNotExist:
        raise Http404 from None
    if not (item.visible_partners or item.visible_guests or item.visible_professionals):
        raise Http404
    home_periods = student_home_periods(request.user)
    context = {
        "offering": item,
        "teachable": item.teachable,
        "home_periods": home_periods,
        "overlap": overlapping_periods(home_periods, item.start_date, item.end_date),
        "is_open": item.is_open_for_enrolment(),
        "badges": personal_for(request.user, [])[2].get(item.pk, ()),
    }
    return render(request, "catalogue/offering_detail.html", context)


def home(request: HttpRequest) -> HttpResponse:
    """The portal's front door: the joint catalogue at a glance, and the ways in."""
    return render(request, "home.html", {"overview": catalogue_overview()})
