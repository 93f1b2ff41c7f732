"""Catalogue search: one query for a page of results, one for every facet count.

Both run on ``OfferingSearch``, the flat row per offering. On PostgreSQL the facet counts come from a
single pass with ``GROUPING SETS``; text search combines Dutch and English stemming (``tsvector``) with
trigram word similarity (``pg_trgm``) so that typos still find something. On SQLite (the embedded demo
default) a portable ORM path answers the same questions with simpler ``icontains`` matching.

Facets are *disjunctive*: the counts of one facet ignore that facet's own selection, so a student can
tick a second institution and see how many results it adds. A row that fails exactly one facet's filter
counts only towards that facet; a row that fails two counts nowhere. ``_fail_dimension`` numbers that
one failing facet, so the whole thing is a plain ``count(*)`` per grouping set.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language

from catalogue.models import MAX_THEMES, OfferingSearch
from routes.models import ROUTE_BITS

SORTS = ("relevance", "start", "title", "ec_asc", "ec_desc", "seats")

# Facets whose value is one column of the search row, in a fixed order (their numbers in SQL).
COLUMN_FACETS: dict[str, str] = {
    "institution": "institution_id",
    "ec": "ec_band",
    "language": "language",
    "level": "level",
    "month": "start_month",
    "city": "city",
    "mode": "mode",
    "microcredential": "is_microcredential",
    "open": "open_now",
}
# Facets over a bitmask (a row may carry several values).
MASK_FACETS: dict[str, str] = {"theme": "theme_mask", "route": "route_mask"}
FACET_ORDER = (
    "institution",
    "open",
    "ec",
    "language",
    "level",
    "month",
    "city",
    "mode",
    "theme",
    "route",
    "microcredential",
)

RESULT_COLUMNS = (
    "offering_id",
    "institution_id",
    "kind",
    "code",
    "title_nl",
    "title_en",
    "summary_nl",
    "summary_en",
    "ec",
    "language",
    "level",
    "start_date",
    "end_date",
    "city",
    "mode",
    "is_microcredential",
    "enrol_opens_at",
    "enrol_closes_at",
    "capacity",
    "seats_taken",
)


@dataclass(frozen=True)
class CatalogueQuery:
    """A validated catalogue question. Build it with ``catalogue.filters.catalogue_query_from``."""

    text: str = ""
    institution: tuple[int, ...] = ()
    ec: tuple[str, ...] = ()  # EC bands, see catalogue.models.EC_BANDS
    language: tuple[str, ...] = ()
    level: tuple[str, ...] = ()
    month: tuple[str, ...] = ()
    city: tuple[str, ...] = ()
    mode: tuple[str, ...] = ()
    microcredential: tuple[bool, ...] = ()
    open: tuple[bool, ...] = ()
    theme: int = 0  # bitmask of selected themes
    route: int = 0  # bitmask of selected routes
    sort: str = ""
    page: int = 1
    page_size: int = 20

    @property
    def effective_sort(self) -> str:
        if self.sort:
            return self.sort
        return "relevance" if self.text else "start"


@dataclass
class SearchResult:
    total: int
    rows: list[dict]
    # facet name -> {value: count}; values with a count of 0 that are selected are kept.
    counts: dict[str, dict] = field(default_factory=dict)
    page: int = 1
    page_size: int = 20

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))


def catalogue_search(query: CatalogueQuery, *, now=None, portable: bool | None = None) -> SearchResult:
    """Answer ``query``: one page of rows plus every facet's counts. Reads only; takes no locks."""
    now = now or timezone.now()
    if portable is None:
        portable = connection.vendor != "postgresql"
    if portable:
        return _PortableSearch(query, now).run()
    return _PostgresSearch(query, now).run()


# --------------------------------------------------------------------------------------------------
# PostgreSQL: raw SQL, two statements.


class _PostgresSearch:
    table = OfferingSearch._meta.db_table

    def __init__(self, query: CatalogueQuery, now):
        self.q = query
        self.now = now

    def _text_condition(self, params: list) -> str:
        if not self.q.text:
            return "TRUE"
        params.extend([self.q.text, self.q.text, self.q.text, self.q.text])
        return (
            "(document @@ (websearch_to_tsquery('dutch', %s) || websearch_to_tsquery('english', %s))"
            " OR %s <%% title_nl OR %s <%% title_en)"
        )

    def _facet_conditions(self, params_by_facet: dict[str, list]) -> dict[str, str]:
        """SQL that is true when a row passes one facet's selection, for the facets that have one."""
        conditions: dict[str, str] = {}
        for name, column in COLUMN_FACETS.items():
            values = getattr(self.q, name)
            if not values:
                continue
            expr = self._open_expr(params_by_facet.setdefault(name, [])) if name == "open" else column
            conditions[name] = f"({expr} = ANY(%s))"
            params_by_facet.setdefault(name, []).append(list(values))
        for name, column in MASK_FACETS.items():
            mask = getattr(self.q, name)
            if mask:
                conditions[name] = f"({column} & %s <> 0)"
                params_by_facet[name] = [mask]
        return conditions

    def _open_expr(self, params: list) -> str:
        params.extend([self.now, self.now])
        return "(enrol_opens_at <= %s AND enrol_closes_at > %s)"

    def run(self) -> SearchResult:
        with connection.cursor() as cursor:
            rows = self._page(cursor)
            counts, total = self._facets(cursor)
        return SearchResult(total=total, rows=rows, counts=counts, page=self.q.page, page_size=self.q.page_size)

    def _page(self, cursor) -> list[dict]:
        params: list = []
        where = ["visible_public", self._text_condition(params)]
        by_facet: dict[str, list] = {}
        for name, condition in self._facet_conditions(by_facet).items():
            where.append(condition)
            params.extend(by_facet[name])
        order, order_params = self._order()
        sql = (
            f"SELECT {', '.join(RESULT_COLUMNS)} FROM {self.table} WHERE {' AND '.join(where)} "
            f"ORDER BY {order} LIMIT %s OFFSET %s"
        )
        cursor.execute(sql, [*params, *order_params, self.q.page_size, (self.q.page - 1) * self.q.page_size])
        return [dict(zip(RESULT_COLUMNS, row, strict=True)) for row in cursor.fetchall()]

    def _order(self) -> tuple[str, list]:
        sort = self.q.effective_sort
        title = "title_en" if (get_language() or "nl").startswith("en") else "title_nl"
        if sort == "relevance" and self.q.text:
            text = self.q.text
            rank = (
                "ts_rank_cd(document, websearch_to_tsquery('dutch', %s) || websearch_to_tsquery('english', %s))"
                " + greatest(word_similarity(%s, title_nl), word_similarity(%s, title_en))"
            )
            return f"{rank} DESC, start_date, offering_id", [text, text, text, text]
        return {
            "title": (f"{title}, start_date, offering_id", []),
            "ec_asc": ("ec, start_date, offering_id", []),
            "ec_desc": ("ec DESC, start_date, offering_id", []),
            "seats": ("capacity - seats_taken DESC, start_date, offering_id", []),
        }.get(sort, ("start_date, offering_id", []))

    def _facets(self, cursor) -> tuple[dict[str, dict], int]:
        params: list = []
        text = self._text_condition(params)
        by_facet: dict[str, list] = {}
        conditions = self._facet_conditions(by_facet)
        fail_params: list = []
        fail_exprs = []
        for name, condition in conditions.items():
            fail_exprs.append((name, f"NOT {condition}"))
        # Which facet (1-based) a row fails; 0 when it passes all. Rows failing two are dropped below.
        if fail_exprs:
            cases = []
            for index, (name, expr) in enumerate(fail_exprs, start=1):
                cases.append(f"WHEN {expr} THEN {index}")
                fail_params.extend(by_facet[name])
            fail_dimension = f"CASE {' '.join(cases)} ELSE 0 END"
            fail_count_params: list = []
            sums = []
            for name, expr in fail_exprs:
                sums.append(f"({expr})::int")
                fail_count_params.extend(by_facet[name])
            fail_filter = f"AND ({' + '.join(sums)}) <= 1"
        else:
            fail_dimension, fail_count_params, fail_filter = "0", [], ""

        open_params: list = []
        open_expr = self._open_expr(open_params)
        mask_aggs = []
        for name, column in MASK_FACETS.items():
            for bit in range(_mask_width(name)):
                mask_aggs.append(f"count(*) FILTER (WHERE {column} & {1 << bit} <> 0)")
        columns = list(COLUMN_FACETS.values())
        sets = ", ".join(f"({c})" for c in columns)
        sql = f"""
            WITH hits AS MATERIALIZED (
                SELECT {fail_dimension} AS fdim, institution_id, ec_band, language, level, start_month, city, mode,
                       is_microcredential, {open_expr} AS open_now, theme_mask, route_mask
                FROM {self.table}
                WHERE visible_public AND {text} {fail_filter}
            )
            SELECT fdim, GROUPING({", ".join(columns)}) AS g, {", ".join(columns)}, count(*) AS n,
                   NULL::bigint[] AS bits
            FROM hits GROUP BY fdim, GROUPING SETS ({sets})
            UNION ALL
            SELECT fdim, -1, {", ".join("NULL" for _ in columns)}, count(*), ARRAY[{", ".join(mask_aggs) or "0"}]
            FROM hits GROUP BY fdim
        """
        cursor.execute(sql, [*fail_params, *open_params, *params, *fail_count_params])
        return self._assemble(cursor.fetchall(), list(conditions))

    def _assemble(self, result_rows, active: list[str]) -> tuple[dict[str, dict], int]:
        facet_number = {name: index for index, name in enumerate(active, start=1)}
        names = list(COLUMN_FACETS)
        width = len(names)
        counts: dict[str, dict] = {name: {} for name in FACET_ORDER}
        total = 0
        for row in result_rows:
            fdim, grouping, values, n, bits = row[0], row[1], row[2 : 2 + width], row[2 + width], row[3 + width]
            if grouping == -1:
                if fdim == 0:
                    total += n
                offset = 0
                for name in MASK_FACETS:
                    width_here = _mask_width(name)
                    if fdim in (0, facet_number.get(name)):
                        bucket = counts[name]
                        for bit in range(width_here):
                            bucket[1 << bit] = bucket.get(1 << bit, 0) + bits[offset + bit]
                    offset += width_here
                continue
            # GROUPING() has a 1 bit for every column *not* in this set; the set's column has a 0 bit.
            index = next(i for i in range(width) if not grouping & (1 << (width - 1 - i)))
            name = names[index]
            if fdim not in (0, facet_number.get(name)):
                continue
            bucket = counts[name]
            bucket[values[index]] = bucket.get(values[index], 0) + n
        return counts, total


def _mask_width(name: str) -> int:
    return len(ROUTE_BITS) if name == "route" else MAX_THEMES


# --------------------------------------------------------------------------------------------------
# Portable (SQLite demo default): the same questions through the ORM.


class _PortableSearch:
    def __init__(self, query: CatalogueQuery, now):
        self.q = query
        self.now = now

    def _base(self) -> QuerySet:
        qs = OfferingSearch.objects.filter(visible_public=True)
        if self.q.text:
            text = Q()
            for word in self.q.text.split():
                text &= (
                    Q(title_nl__icontains=word)
                    | Q(title_en__icontains=word)
                    | Q(summary_nl__icontains=word)
                    | Q(summary_en__icontains=word)
                    | Q(code__icontains=word)
                )
            qs = qs.filter(text)
        return qs

    def _open_q(self) -> Q:
        return Q(enrol_opens_at__lte=self.now, enrol_closes_at__gt=self.now)

    def _condition(self, name: str) -> Q | None:
        if name in MASK_FACETS:
            mask = getattr(self.q, name)
            return Q(**{f"{MASK_FACETS[name]}_sel__gt": 0}) if mask else None
        values = getattr(self.q, name)
        if not values:
            return None
        if name == "open":
            if set(values) == {True, False}:
                return Q()
            return self._open_q() if values[0] else ~self._open_q()
        return Q(**{f"{COLUMN_FACETS[name]}__in": values})

    def _filtered(self, qs: QuerySet, skip: str | None = None) -> QuerySet:
        for name, column in MASK_FACETS.items():
            mask = getattr(self.q, name)
            if mask and name != skip:
                qs = qs.annotate(**{f"{column}_sel": F(column).bitand(mask)})
        for name in FACET_ORDER:
            if name == skip:
                continue
            condition = self._condition(name)
            if condition is not None:
                qs = qs.filter(condition)
        return qs

    def run(self) -> SearchResult:
        base = self._base()
        matching = self._filtered(base)
        total = matching.count()
        title = "title_en" if (get_language() or "nl").startswith("en") else "title_nl"
        order = {
            "title": (title, "start_date", "offering_id"),
            "ec_asc": ("ec", "start_date", "offering_id"),
            "ec_desc": ("-ec", "start_date", "offering_id"),
            "seats": ("seats_taken", "start_date", "offering_id"),
        }.get(self.q.effective_sort, ("start_date", "offering_id"))
        start = (self.q.page - 1) * self.q.page_size
        rows = list(matching.order_by(*order).values(*RESULT_COLUMNS)[start : start + self.q.page_size])
        counts: dict[str, dict] = {}
        for name in FACET_ORDER:
            others = self._filtered(base, skip=name)
            if name in MASK_FACETS:
                column = MASK_FACETS[name]
                counts[name] = {
                    1 << bit: others.annotate(_b=F(column).bitand(1 << bit)).filter(_b__gt=0).count()
                    for bit in range(_mask_width(name))
                }
            elif name == "open":
                n_open = others.filter(self._open_q()).count()
                counts[name] = {True: n_open, False: others.count() - n_open}
            else:
                column = COLUMN_FACETS[name]
                counts[name] = dict(others.values_list(column).annotate(n=Count("pk")).values_list(column, "n"))
        return SearchResult(total=total, rows=rows, counts=counts, page=self.q.page, page_size=self.q.page_size)
