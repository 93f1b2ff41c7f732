"""Catalogue search: a page of results and every facet count, from ``OfferingSearch``, the flat row per offering.

On PostgreSQL one statement answers both, the facet counts in a single pass with ``GROUPING SETS``; text
search combines Dutch and English stemming (``tsvector``) with trigram word similarity (``pg_trgm``) so
that typos still find something. On SQLite (the embedded demo default) a portable ORM path answers the
same questions word by word with ``icontains``, reading a word one edit away from a title word as that word
(``catalogue.vocabulary``). On both, a question that names a theme also finds the runs carrying it, and
without text or a chosen sort the runs open for enrolment now come first, then those opening later.

Facets are *disjunctive*: the counts of one facet ignore that facet's own selection, so a student can
tick a second institution and see how many results it adds. A row that fails exactly one facet's filter
counts only towards that facet; a row that fails two counts nowhere (see ``_PostgresSearch``). The
PostgreSQL path's design and measurements: docs/benchmarks.md.
"""

from __future__ import annotations

import math
from contextlib import nullcontext
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import get_language

from catalogue.models import MAX_THEMES, FacetCount, OfferingSearch
from catalogue.vocabulary import Vocabulary, search_vocabulary, stems_of, title_q, words_of
from institutions.routes import ROUTE_BITS

SORTS = ("relevance", "open", "start", "title", "ec_asc", "ec_desc", "seats")

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
    """A validated catalogue question. Build it with ``catalogue.filters.CatalogueFilterSet.to_query``."""

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
    only: tuple[int, ...] | None = None  # the offerings a personal filter keeps (catalogue.personal); None: all

    @property
    def effective_sort(self) -> str:
        """Without a chosen sort: relevance for a text question, otherwise what a student can still enrol in
        first (open now, then opening soon, then closed or started runs). Relevance without text is that too."""
        if self.sort and not (self.sort == "relevance" and not self.text):
            return self.sort
        return "relevance" if self.text else "open"


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
    vocabulary = search_vocabulary() if query.text else None
    if portable:
        return _PortableSearch(query, now, vocabulary).run()
    return _PostgresSearch(query, now, vocabulary).run()


# The default order, "open": runs open for enrolment now, then those whose window opens later, then the rest
# (closed, so started or about to). Within each, by start date. The same on both databases.
ENROLMENT_BUCKET_SQL = (
    "(CASE WHEN enrol_opens_at <= %(now)s AND enrol_closes_at > %(now)s THEN 0"
    " WHEN enrol_opens_at > %(now)s THEN 1 ELSE 2 END)"
)


# --------------------------------------------------------------------------------------------------
# PostgreSQL: raw SQL, one statement for the page and every facet count.

# The facet counts come from two grouping sets: where and when an offering runs, and what is taught.
# PostgreSQL's cost is per grouping set and per row, so two wide sets count about twice as fast as one set
# per facet; each facet's counts are then summed from its set's groups (a few hundred per set) in Python.
# The first set is the key order of the index ``offeringsearch_facets`` (migration 0004), so PostgreSQL
# counts it on the sorted index without hashing. "open" is grouped by the enrolment window and decided per
# group; bitmasks are grouped by value and split into bits in Python.
GROUPED_COLUMNS = (
    ("institution_id", "city", "mode", "start_month", "enrol_opens_at", "enrol_closes_at"),
    ("theme_mask", "ec_band", "language", "level", "is_microcredential", "route_mask"),
)
FACET_SETS = (
    ("institution", "city", "mode", "month", "open"),
    ("theme", "ec", "language", "level", "microcredential", "route"),
)
assert sorted(name for facet_set in FACET_SETS for name in facet_set) == sorted(FACET_ORDER)
# Everything the page's sort orders read, besides the grouped columns.
SORT_COLUMNS = ("start_date", "offering_id", "ec", "capacity", "seats_taken", "title_nl", "title_en")


class _PostgresSearch:
    """One statement: the page (part 0) ``UNION ALL`` the grouped facet counts (part 1).

    Without text, both parts read only indexes (migration 0004), never the wide search rows: the counts an
    index-only scan of ``offeringsearch_facets``, the page's ids an index-only walk of
    ``offeringsearch_page`` in start-date order (or a top-N over it for the other sorts). With text, the
    matching rows are read once, into a ``MATERIALIZED`` CTE that both parts share.

    Facets are disjunctive: ``fdim`` is the one ticked facet a row fails (1-based; 0 when it passes all),
    rows failing two are left out, and each group counts its rows per ``fdim``: a facet adds the rows that
    pass everything and those that fail only itself.
    """

    table = OfferingSearch._meta.db_table
    # Planner settings for this statement only, set with ``set_config(..., is_local => true)`` in the same
    # round trip as the statement (``run``), so they end with its transaction and never reach other
    # statements:
    # - enable_seqscan off: the planner prices the trigram operators like a cheap comparison and would
    #   rather call word_similarity() on every row than read the GIN indexes;
    # - nested loop and merge joins off: the one join (rows to their title's similarity) must hash; row
    #   estimates over a CTE are guesses, and a nested loop over a broad question's hits would not end in time;
    # - jit off: compiling costs more than these plans run for;
    # - work_mem: the CTE of a broad text search (every offering mentions a "project") stays in memory.
    settings = {
        "enable_seqscan": "off",
        "enable_nestloop": "off",
        "enable_mergejoin": "off",
        "jit": "off",
        "work_mem": "64MB",
    }
    # With text, also sorting made dear: the planner expects a few dozen hits from the CTE and groups them by
    # sorting (titles for their similarity, courses and modules for their rank); for a broad question's
    # hits hashing is much faster (docs/benchmarks.md). The page's top-N has no other way and stays a sort.
    settings_with_text = {**settings, "enable_sort": "off"}
    # Without text, also no bitmap scans: every column such a question filters and sorts by is in
    # ``offeringsearch_page``, but for the sorts other than start date the planner would rather collect
    # the public rows through a bitmap and read all of them from the table, which
    # is slower than sorting an index-only scan of that index (docs/benchmarks.md). Text questions need bitmaps for the GIN indexes.
    settings_without_text = {**settings, "enable_bitmapscan": "off"}

    # Named parameters, so that a fragment may appear more than once in the statement.
    TSQUERY = "(websearch_to_tsquery('dutch', %(text)s) || websearch_to_tsquery('english', %(text)s))"
    # Typos: a title matches when the text is word-similar to it (``title %> text``, similarity above the
    # threshold, the form the GIN trigram index answers). That depends on the title alone, and an offering's
    # titles are its course's or module's, so the titles are matched among the courses and modules (their
    # trigram indexes, migration 0008), and the offerings carrying them are found by equality (btree). One
    # set for both languages: a title matches whichever column holds it.
    TITLES = (
        "titles AS MATERIALIZED (SELECT ARRAY(SELECT title_nl FROM catalogue_course WHERE title_nl %%> %(text)s"
        " UNION SELECT title_en FROM catalogue_course WHERE title_en %%> %(text)s"
        " UNION SELECT title_nl FROM catalogue_module WHERE title_nl %%> %(text)s"
        " UNION SELECT title_en FROM catalogue_module WHERE title_en %%> %(text)s)::varchar[] AS matched)"
    )
    MATCHED = "(SELECT matched FROM titles)::varchar[]"
    TEXT = f"(document @@ {TSQUERY} OR title_nl = ANY({MATCHED}) OR title_en = ANY({MATCHED}))"
    # A question naming a theme also finds the runs carrying it (catalogue.vocabulary.Vocabulary.themes_named).
    TEXT_OR_THEME = f"({TEXT[1:-1]} OR theme_mask & %(text_themes)s <> 0)"
    OPEN = "(enrol_opens_at <= %(now)s AND enrol_closes_at > %(now)s)"

    def __init__(self, query: CatalogueQuery, now, vocabulary: Vocabulary | None = None):
        self.q = query
        self.now = now
        self.text_themes = vocabulary.themes_named(query.text) if vocabulary and query.text else 0
        self.params: dict = {
            "text_themes": self.text_themes,
            "text": query.text,
            "now": now,
            "limit": query.page_size,
            "offset": (query.page - 1) * query.page_size,
            "only": list(query.only or ()),
        }
        self.active: list[str] = []
        # A personal filter's offerings (a few hundred at most: a student's precedents or open runs).
        self.public = "visible_public AND offering_id = ANY(%(only)s)" if query.only is not None else "visible_public"

    def _facet_conditions(self) -> list[tuple[str, str]]:
        """(facet, SQL true when a row passes that facet's selection) for the facets that have one."""
        conditions = []
        for name in COLUMN_FACETS:
            values = getattr(self.q, name)
            if values:
                self.params[f"facet_{name}"] = list(values)
                value = self.OPEN if name == "open" else COLUMN_FACETS[name]
                conditions.append((name, f"({value} = ANY(%(facet_{name})s))"))
        for name, column in MASK_FACETS.items():
            mask = getattr(self.q, name)
            if mask:
                self.params[f"facet_{name}"] = mask
                conditions.append((name, f"({column} & %(facet_{name})s <> 0)"))
        return conditions

    def _order(self, relevance: bool) -> list[tuple[str, bool]]:
        """The page order as (expression, descending); the last key is unique, so pages never overlap."""
        if relevance:
            return [("text_rank + title_similarity", True), ("start_date", False), ("offering_id", False)]
        title = "title_en" if (get_language() or "nl").startswith("en") else "title_nl"
        first = {
            "open": [(ENROLMENT_BUCKET_SQL, False)],
            "title": [(title, False)],
            "ec_asc": [("ec", False)],
            "ec_desc": [("ec", True)],
            "seats": [("capacity - seats_taken", True)],
        }.get(self.q.effective_sort, [])
        return [*first, ("start_date", False), ("offering_id", False)]

    def sql(self) -> str:
        """The statement; its named parameters are in ``self.params``, the ticked facets in ``self.active``.

        Identifiers and operators come from the constants above; every value is a parameter.
        """
        conditions = self._facet_conditions()
        self.active = [name for name, _sql in conditions]
        fdim = " ".join(f"WHEN NOT {sql} THEN {i}" for i, (_name, sql) in enumerate(conditions, 1))
        fdim = f"CASE {fdim} ELSE 0 END" if conditions else "0"
        failures = " + ".join(f"(NOT {sql})::int" for _name, sql in conditions) or "0"
        passes_all = " AND ".join(sql for _name, sql in conditions) or "TRUE"
        grouped = [column for columns in GROUPED_COLUMNS for column in columns]
        relevance = bool(self.q.text) and self.q.effective_sort == "relevance"
        order_by = ", ".join(f"{expr}{' DESC' if desc else ''}" for expr, desc in self._order(relevance))
        paging = "LIMIT %(limit)s OFFSET %(offset)s"
        ctes = []
        if self.q.text:
            teachable = ("kind", "code") if relevance else ()
            ctes.append(self.TITLES)
            ctes.append(
                f"hits AS MATERIALIZED (SELECT {', '.join(SORT_COLUMNS + teachable + GROUPED_COLUMNS[0] + GROUPED_COLUMNS[1])}"  # noqa: S608
                f", {fdim} AS fdim FROM {self.table}"
                f" WHERE {self.public} AND {self.TEXT_OR_THEME if self.text_themes else self.TEXT}"
                f" AND {failures} <= 1)"
            )
            source = "hits WHERE fdim = 0"
            if relevance:
                # word_similarity() depends on the titles alone: once per distinct pair, not once per row.
                ctes.append(
                    "similarity AS MATERIALIZED (SELECT title_nl, title_en, greatest(word_similarity(%(text)s,"
                    " title_nl), word_similarity(%(text)s, title_en)) AS title_similarity"
                    " FROM hits WHERE fdim = 0 GROUP BY title_nl, title_en)"
                )
                # ts_rank_cd() depends on the document alone, which is its course's or module's: once per
                # course or module (one of its rows, read again by primary key), not once per offering.
                ctes.append(
                    f"ranks AS MATERIALIZED (SELECT kind, code, institution_id, ts_rank_cd(document, {self.TSQUERY})"  # noqa: S608
                    f" AS text_rank FROM {self.table} WHERE offering_id = ANY((SELECT array_agg(first) FROM"
                    " (SELECT min(offering_id) AS first FROM hits WHERE fdim = 0 GROUP BY kind, code, institution_id)"
                    " AS one_each)::bigint[]))"
                )
                source = (
                    "hits JOIN similarity USING (title_nl, title_en) JOIN ranks USING (kind, code, institution_id)"
                    " WHERE fdim = 0"
                )
            facets_from = "hits"
        else:
            # Sorted by anything but start date, the page may walk that order's index (migration 0009), which
            # holds every facet column: no table rows are read, and it stops once twenty rows pass.
            source = f"{self.table} WHERE {self.public} AND {passes_all}"
            facets_from = (
                f"(SELECT {fdim} AS fdim, {', '.join(grouped)} FROM {self.table}"  # noqa: S608
                f" WHERE {self.public} AND {failures} <= 1) hits"
            )
        # The page's ids in order, as one array: the rows are then fetched by primary key, without a join.
        ctes.append(
            f"page AS MATERIALIZED (SELECT ARRAY(SELECT offering_id FROM {source}"  # noqa: S608
            f" ORDER BY {order_by} {paging}) AS ids)"
        )
        # One count per value of fdim, so the grouping keys stay in index order (no fdim among them).
        per_fdim = ", ".join(f"count(*) FILTER (WHERE fdim = {i})" for i in range(len(conditions) + 1))
        grouping = f"GROUPING({GROUPED_COLUMNS[0][0]})"
        sets = ", ".join(f"({', '.join(columns)})" for columns in GROUPED_COLUMNS)
        groups = f"GROUP BY GROUPING SETS ({sets})"
        if not self.q.text and not conditions and self.q.only is None:
            # Browsing (no text, nothing ticked) counts the whole public catalogue: its counts are kept up to
            # date per group (FacetCount, migration 0006), so read those instead of every row.
            facets_from, grouping, per_fdim = FacetCount._meta.db_table, "grouping_set", "sum(rows)"
            groups = f"GROUP BY grouping_set, {', '.join(grouped)} HAVING sum(rows) > 0"
        result = ", ".join(f"s.{column}" for column in RESULT_COLUMNS)
        result_nulls = ", ".join("NULL" for _ in RESULT_COLUMNS)
        # One value per facet, in FACET_SETS order: the window's two columns become "open now".
        values = ", ".join(grouped[:4] + [self.OPEN] + grouped[6:])
        value_nulls = ", ".join("NULL" for _ in range(len(grouped) - 1))
        return (
            f"WITH {', '.join(ctes)} SELECT 0 AS part, array_position((SELECT ids FROM page), s.offering_id),"  # noqa: S608
            f" {result}, NULL AS grouping_set, {value_nulls}, NULL::bigint[] AS counts FROM {self.table} s"
            " WHERE s.offering_id = ANY((SELECT ids FROM page)::bigint[])"
            f" UNION ALL SELECT 1, NULL, {result_nulls}, {grouping}, {values},"
            f" ARRAY[{per_fdim}] FROM {facets_from} {groups}"
        )

    def run(self) -> SearchResult:
        sql = self.sql()
        settings = self.settings_with_text if self.q.text else self.settings_without_text
        configure = "SELECT " + ", ".join(f"set_config('{name}', '{value}', true)" for name, value in settings.items())
        # The settings and the statement go as one simple query, which PostgreSQL runs as one transaction:
        # the settings end with it. One round trip instead of four (BEGIN, settings, statement, ROLLBACK).
        # That needs parameters bound on the client (Django's default for psycopg); with server-side binding,
        # and inside a caller's transaction (where the settings would last until its end), the two run in a
        # savepoint that is rolled back (nothing was written).
        one_query = not connection.settings_dict.get("OPTIONS", {}).get("server_side_binding")
        in_savepoint = connection.in_atomic_block or not one_query
        with (
            transaction.atomic(using=connection.alias) if in_savepoint else nullcontext(),
            connection.cursor() as cursor,
        ):
            if one_query:
                cursor.execute(f"{configure}; {sql}", self.params)
                cursor.nextset()
            else:
                cursor.execute(configure)
                cursor.execute(sql, self.params)
            result_rows = cursor.fetchall()
            if in_savepoint:
                transaction.set_rollback(True, using=connection.alias)
        width = len(RESULT_COLUMNS)
        page = sorted((row for row in result_rows if row[0] == 0), key=lambda row: row[1])
        rows = [dict(zip(RESULT_COLUMNS, row[2 : 2 + width], strict=True)) for row in page]
        groups = [row[2 + width :] for row in result_rows if row[0] == 1]
        counts, total = self._assemble(groups)
        return SearchResult(total=total, rows=rows, counts=counts, page=self.q.page, page_size=self.q.page_size)

    def _assemble(self, groups) -> tuple[dict[str, dict], int]:
        """Each facet's counts from its set's groups: the rows that pass every facet plus, for a ticked
        facet, those that fail only that one."""
        facet_number = {name: index for index, name in enumerate(self.active, start=1)}
        counts: dict[str, dict] = {name: {} for name in FACET_ORDER}
        # Per set: (facet, its position among the values, its fdim number or None, bit width if a mask).
        plan = [
            [
                (name, position, facet_number.get(name), _mask_width(name) if name in MASK_FACETS else 0)
                for position, name in enumerate(FACET_SETS[0] + FACET_SETS[1])
                if name in facet_set
            ]
            for facet_set in FACET_SETS
        ]
        bits_of: dict[int, list[int]] = {}  # mask value -> its bits; a few dozen distinct masks
        # Column by column rather than group by group: a broad question has 800 groups of five or six facets,
        # and one pass per facet over its set's groups costs half of one pass per group over the facets.
        by_set: tuple[list, list] = ([], [])
        for group in groups:
            by_set[group[0]].append(group)
        total = 0
        for grouping_set, rows in enumerate(by_set):
            if not rows:
                continue
            # GROUPING(first column of set 0) is 0 for the groups of set 0 and 1 for those of set 1.
            passing = [row[-1][0] for row in rows]
            if grouping_set == 0:
                total = sum(passing)
            for name, position, number, width in plan[grouping_set]:
                column = 1 + position
                numbers = [p + row[-1][number] for p, row in zip(passing, rows, strict=True)] if number else passing
                bucket = counts[name]
                if width:
                    for row, n in zip(rows, numbers, strict=True):
                        if not n:
                            continue
                        if not bucket:  # every bit is listed, with 0 when no row has it
                            bucket.update((1 << bit, 0) for bit in range(width))
                        value = row[column]
                        bits = bits_of.get(value)
                        if bits is None:
                            bits = bits_of[value] = [1 << bit for bit in range(width) if value & (1 << bit)]
                        for bit in bits:
                            bucket[bit] += n
                else:
                    get = bucket.get
                    for row, n in zip(rows, numbers, strict=True):
                        if n:
                            value = row[column]
                            bucket[value] = get(value, 0) + n
        return counts, total


def _mask_width(name: str) -> int:
    return len(ROUTE_BITS) if name == "route" else MAX_THEMES


# --------------------------------------------------------------------------------------------------
# Portable (SQLite demo default): the same questions through the ORM.


# Beyond this many matches the portable path keeps the text condition in every statement (SQLite allows
# 32,766 parameters in one statement).
MAX_MATCHED_KEYS = 20_000


class _PortableSearch:
    """Text matches word by word: each word is in a title, a summary or the code, is in a title without its
    plural or inflection ending, or is one edit away from a title word (a typo, read as that word). A question
    that names a theme also finds the runs carrying it."""

    def __init__(self, query: CatalogueQuery, now, vocabulary: Vocabulary | None = None):
        self.q = query
        self.now = now
        self.vocabulary = vocabulary

    def _base(self) -> QuerySet:
        qs = OfferingSearch.objects.filter(visible_public=True)
        if self.q.only is not None:
            qs = qs.filter(pk__in=self.q.only)
        if self.q.text:
            text = Q()
            for word in self.q.text.split():
                matches = (
                    Q(title_nl__icontains=word)
                    | Q(title_en__icontains=word)
                    | Q(summary_nl__icontains=word)
                    | Q(summary_en__icontains=word)
                    | Q(code__icontains=word)
                )
                parts = words_of(word)
                typo_of = [close for part in parts for close in self._close_words(part)]
                stems = [stem for part in parts for stem in stems_of(part)]
                if typo_of or stems:
                    matches |= title_q(typo_of + stems)
                text &= matches
            themes = self.vocabulary.themes_named(self.q.text) if self.vocabulary else 0
            if themes:
                qs = qs.annotate(_text_themes=F("theme_mask").bitand(themes))
                text |= Q(_text_themes__gt=0)
            qs = qs.filter(text)
            # The text is matched once: the page and every facet count then read the matching rows by key,
            # instead of running a dozen LIKE clauses over every row for each of their thirty-odd statements.
            matching = list(qs.values_list("pk", flat=True)[: MAX_MATCHED_KEYS + 1])
            if len(matching) <= MAX_MATCHED_KEYS:
                qs = OfferingSearch.objects.filter(pk__in=matching)
        return qs

    def _close_words(self, word: str) -> list[str]:
        return self.vocabulary.close_words(word) if self.vocabulary else []

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
            # Most seats left first, as on PostgreSQL.
            "seats": ((F("capacity") - F("seats_taken")).desc(), "start_date", "offering_id"),
            "open": ("_bucket", "start_date", "offering_id"),
        }.get(self.q.effective_sort, ("start_date", "offering_id"))
        if self.q.effective_sort == "open":
            matching = matching.annotate(
                _bucket=Case(
                    When(self._open_q(), then=Value(0)),
                    When(enrol_opens_at__gt=self.now, then=Value(1)),
                    default=Value(2),
                    output_field=IntegerField(),
                )
            )
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
