"""Issue #2 "Must show": the catalogue page with facets at 10,000 and 100,000 offerings.

Per size: a database of its own (``<NAME>_<size>``) holding exactly that many demo offerings, seeded once by
``DemoSeeder`` and reused by later runs; ``VACUUM ANALYZE``; an untimed warm-up over questions that are not
in the measured mix; then every question of a fixed, seeded mix of distinct questions is asked once

* through Django: a ``django.test.Client`` GET of ``/catalogue/?...`` (middleware, URL, view, filters,
  search, template), the time a visitor waits for the HTML page with its facets;
* through ``catalogue_search`` alone (the two statements plus assembling the counts, no view);
* as the *floor*: the same question as hand-written SQL (page + single-pass ``GROUPING SETS`` facet counts)
  over a raw psycopg connection, so ``ratio`` is what the whole stack costs over the database work.

Nothing is cached between questions: the catalogue page has no result cache, and each question is distinct.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from urllib.parse import urlencode

import psycopg
from django.core.management import CommandError
from django.db import connection, reset_queries
from django.http import QueryDict
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench import database, percentile, require_postgresql
from catalogue.choices import catalogue_choices
from catalogue.filters import CatalogueFilterSet, parse_paging
from catalogue.models import MAX_THEMES, ECBand, Language, Level, Mode, Offering, OfferingSearch
from catalogue.search import RESULT_COLUMNS, CatalogueQuery, catalogue_search
from catalogue.services import catalogue_stamp_touch
from catalogue.vocabulary import search_vocabulary
from demo.seeder import DemoSeeder
from institutions.routes import ROUTE_BITS, Route

HELP = "Catalogue page with facets: p50/p95 through Django against hand-written SQL, per catalogue size."
DEFAULT_SIZES = "10000,100000"
KINDS = ("empty", "text", "text_facets", "facets")
# Share of each kind in the mix; "facets" means three or more facets ticked, no text.
KIND_SHARE = {"empty": 0.10, "text": 0.30, "text_facets": 0.30, "facets": 0.30}
STOPWORDS = {"and", "for", "the", "van", "voor", "een", "met", "het", "der", "den", "introduction", "inleiding"}
SORT_VARIANTS = ("", "open", "start", "title", "ec_asc", "ec_desc", "seats")
PAGE_WEIGHTS = {1: 70, 2: 15, 3: 10, 10: 5}


def add_arguments(parser) -> None:
    parser.add_argument(
        "--offerings",
        default=DEFAULT_SIZES,
        help=f"Comma-separated catalogue sizes, measured in this order (default {DEFAULT_SIZES}).",
    )
    parser.add_argument("--mix", type=int, default=200, help="Distinct questions in the measured mix (default 200).")
    parser.add_argument(
        "--warmup", type=int, default=60, help="Untimed warm-up questions, not in the mix (default 60)."
    )
    parser.add_argument("--rounds", type=int, default=1, help="Times each question of the mix is asked (default 1).")
    parser.add_argument("--seed", type=int, default=2026, help="Seed of the question mix (default 2026).")
    parser.add_argument(
        "--in-place",
        action="store_true",
        help="Grow or trim the configured database itself instead of using one database per size.",
    )


def run(
    *, stdout, offerings: str, mix: int, warmup: int, rounds: int, seed: int, in_place: bool = False, **_options
) -> list[dict]:
    require_postgresql()
    try:
        sizes = [int(part) for part in offerings.split(",") if part.strip()]
    except ValueError:
        raise CommandError("--offerings takes whole numbers separated by commas, e.g. 10000,100000") from None
    if not sizes or any(not 1 <= size <= 1_000_000 for size in sizes):
        raise CommandError("each size in --offerings must be between 1 and 1,000,000")
    if mix < len(KINDS) or warmup < 1 or rounds < 1:
        raise CommandError("--mix must be at least 4, --warmup and --rounds at least 1")
    base = connection.settings_dict["NAME"]
    results = []
    for size in sizes:
        with nullcontext() if in_place else database(f"{base}_{size}"):
            prepare_catalogue(size)
            result = measure(mix_size=mix, warmup_size=warmup, rounds=rounds, seed=seed)
        stdout.write(json.dumps(result))
        results.append(result)
    return results


# --------------------------------------------------------------------------------------------------
# The catalogue


def prepare_catalogue(offerings: int) -> None:
    """Make the catalogue hold exactly ``offerings`` offerings with complete search rows, then analyse it.

    DemoSeeder only adds. Seeding up from a smaller catalogue can leave a few more than asked (its plan
    depends on the target), so any surplus is removed, newest first.
    """
    DemoSeeder(offerings=offerings).run()
    surplus = Offering.objects.count() - offerings
    if surplus > 0:
        # Never a run the demo's scenarios enrolled someone in (an enrolment keeps its offering).
        spare = Offering.objects.filter(enrolment_requests__isnull=True).order_by("-pk")
        ids = list(spare.values_list("pk", flat=True)[:surplus])
        Offering.objects.filter(pk__in=ids).delete()  # search rows go with them (CASCADE)
        catalogue_stamp_touch()
    if OfferingSearch.objects.count() != offerings:
        raise CommandError(f"the search index does not hold {offerings} rows; run search_index_refresh")
    tables = ", ".join(model._meta.db_table for model in (OfferingSearch, Offering))
    with connection.cursor() as cursor:
        # VACUUM sets the visibility map, so index-only scans work as they would once autovacuum has run;
        # inside a transaction (the test suite) only ANALYZE is possible.
        cursor.execute(f"{'ANALYZE' if connection.in_atomic_block else 'VACUUM (ANALYZE)'} {tables}")


# --------------------------------------------------------------------------------------------------
# The question mix


@dataclass(frozen=True)
class Vocabulary:
    """What real questions are made of, read from the catalogue itself (in a fixed order)."""

    words: list[str]
    institutions: list[str]
    themes: list[str]
    months: list[str]
    cities: list[str]

    @classmethod
    def load(cls) -> Vocabulary:
        titles = OfferingSearch.objects.values_list("title_nl", "title_en").distinct()
        words = set()
        for pair in titles:
            for word in " ".join(pair).lower().split():
                if len(word) >= 4 and word.isalpha() and word not in STOPWORDS:
                    words.add(word)
        choices = catalogue_choices()
        rows = OfferingSearch.objects.filter(visible_public=True)
        return cls(
            words=sorted(words),
            institutions=sorted(code for _pk, code, _label in choices.institutions),
            themes=sorted(code for _bit, code, _label in choices.themes),
            months=sorted(rows.values_list("start_month", flat=True).distinct()),
            cities=sorted(c for c in rows.values_list("city", flat=True).distinct() if c),
        )


@dataclass(frozen=True)
class BenchQuery:
    kind: str
    querystring: str


def _typo(word: str, rng: random.Random) -> str:
    """One slip of the keyboard somewhere inside the word: a letter dropped, swapped or doubled."""
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 2)
    return rng.choice(
        (
            word[:i] + word[i + 1 :],
            word[:i] + word[i + 1] + word[i] + word[i + 2 :],
            word[:i] + word[i] + word[i:],
        )
    )


def _text(vocab: Vocabulary, rng: random.Random) -> str:
    words = rng.sample(vocab.words, k=rng.choice((1, 1, 2)))
    if rng.random() < 0.3:
        words[0] = _typo(words[0], rng)
    return " ".join(words)


def _facets(vocab: Vocabulary, rng: random.Random, count: int) -> list[tuple[str, str]]:
    pools: dict[str, list[str]] = {
        "institution": vocab.institutions,
        "open": ["yes", "no"],
        "ec": ECBand.values,
        "language": Language.values,
        "level": Level.values,
        "month": vocab.months,
        "city": vocab.cities,
        "mode": Mode.values,
        "theme": vocab.themes,
        "route": Route.values,
        "microcredential": ["yes", "no"],
    }
    single = {"open", "microcredential", "route", "language"}
    params = []
    for name in rng.sample(sorted(name for name, pool in pools.items() if pool), k=count):
        many = 1 if name in single else rng.choice((1, 1, 2))
        params += [(name, value) for value in rng.sample(pools[name], k=min(many, len(pools[name])))]
    return params


def _question(kind: str, vocab: Vocabulary, rng: random.Random) -> list[tuple[str, str]]:
    params: list[tuple[str, str]] = []
    if kind in ("text", "text_facets"):
        params.append(("q", _text(vocab, rng)))
    if kind == "text_facets":
        params += _facets(vocab, rng, rng.choice((1, 2)))
    elif kind == "facets":
        params += _facets(vocab, rng, rng.choice((3, 3, 4, 5)))
    sort = rng.choice(SORT_VARIANTS)
    if kind in ("text", "text_facets") and rng.random() < 0.5:
        sort = rng.choice(("", "relevance"))  # most text questions keep the relevance order
    if sort:
        params.append(("sort", sort))
    page = rng.choices(list(PAGE_WEIGHTS), weights=list(PAGE_WEIGHTS.values()))[0]
    if kind == "empty":
        page = rng.randint(1, 5)  # the empty question varies only by sort and page
    if page > 1:
        params.append(("page", str(page)))
    return params


def query_mix(vocab: Vocabulary, size: int, seed: int, *, exclude: frozenset[str] = frozenset()) -> list[BenchQuery]:
    """``size`` distinct questions, the same for the same catalogue and seed, none of them in ``exclude``."""
    rng = random.Random(seed)
    quotas = {kind: max(1, round(size * KIND_SHARE[kind])) for kind in KINDS}
    quotas["text"] += size - sum(quotas.values())
    seen = set(exclude)
    mix: list[BenchQuery] = []
    for kind, quota in quotas.items():
        made = attempts = 0
        while made < quota:
            attempts += 1
            if attempts > quota * 200:
                raise CommandError(f"could not make {quota} distinct {kind!r} questions from this catalogue")
            querystring = urlencode(sorted(_question(kind, vocab, rng)))
            if querystring in seen:
                continue
            seen.add(querystring)
            mix.append(BenchQuery(kind, querystring))
            made += 1
    rng.shuffle(mix)
    return mix


def parse_query(querystring: str, choices) -> CatalogueQuery:
    """The ``CatalogueQuery`` the page builds from this query string (same filter set, same validation)."""
    params = QueryDict(querystring)
    page, page_size = parse_paging(params)
    return CatalogueFilterSet(params, choices=choices).to_query(page=page, page_size=page_size)


# --------------------------------------------------------------------------------------------------
# The floor: the same question in hand-written SQL over a raw psycopg connection


@dataclass
class FloorResult:
    total: int
    counts: dict[str, dict]
    ids: list[int]
    sql_ms: float  # from sending the statement to holding every row in Python


# The values a facet is counted by: (its grouping set, SQL for its value in a group).
FLOOR_VALUES = {
    "institution": (0, "institution_id"),
    "city": (0, "city"),
    "mode": (0, "mode"),
    "month": (0, "start_month"),
    "open": (0, "(enrol_opens_at <= %(now)s AND enrol_closes_at > %(now)s)"),
    "theme": (1, "theme_mask"),
    "ec": (1, "ec_band"),
    "language": (1, "language"),
    "level": (1, "level"),
    "microcredential": (1, "is_microcredential"),
    "route": (1, "route_mask"),
}
FLOOR_SETS = (
    "institution_id, city, mode, start_month, enrol_opens_at, enrol_closes_at",
    "theme_mask, ec_band, language, level, is_microcredential, route_mask",
)
FLOOR_TSQUERY = "(websearch_to_tsquery('dutch', %(text)s) || websearch_to_tsquery('english', %(text)s))"
FLOOR_ORDER = {
    "open": "CASE WHEN enrol_opens_at <= %(now)s AND enrol_closes_at > %(now)s THEN 0"
    " WHEN enrol_opens_at > %(now)s THEN 1 ELSE 2 END, start_date, offering_id",
    "start": "start_date, offering_id",
    "title": "{title}, start_date, offering_id",
    "ec_asc": "ec, start_date, offering_id",
    "ec_desc": "ec DESC, start_date, offering_id",
    "seats": "capacity - seats_taken DESC, start_date, offering_id",
    "relevance": "text_rank + title_similarity DESC, start_date, offering_id",
}


class FloorSearch:
    """Answers a ``CatalogueQuery`` with one hand-written statement: a page of rows and all facet counts.

    The same plan as ``catalogue.search`` (indexes, one pass, two grouping sets), written independently:
    ticked facets are bits of ``fails``, a row failing two is left out, and a facet counts the rows with
    ``fails`` 0 or its own bit. ``tests/catalogue/test_bench.py`` checks that both give the same answers.
    """

    def __init__(self, conn: psycopg.Connection, *, language: str = "nl"):
        self.conn = conn
        self.title = "title_en" if language == "en" else "title_nl"

    @classmethod
    def connect(cls) -> psycopg.Connection:
        """A plain psycopg connection to Django's database, with the planner settings catalogue.search
        sets per statement (here for the whole session: they cost the floor no round trip)."""
        params = connection.get_connection_params()
        for key in ("context", "cursor_factory", "prepare_threshold", "server_side_binding"):
            params.pop(key, None)
        params["options"] = (
            f"{params.get('options', '')} -c enable_seqscan=off -c enable_nestloop=off -c enable_mergejoin=off"
            " -c jit=off -c work_mem=64MB"
        )
        return psycopg.connect(**params, autocommit=True, prepare_threshold=None)

    def run(self, q: CatalogueQuery, now) -> FloorResult:
        params: dict = {"now": now, "text": q.text, "limit": q.page_size, "offset": (q.page - 1) * q.page_size}
        # A question naming a theme also finds the runs carrying it: which themes it names is read in Python,
        # from the catalogue's words, as catalogue.search does.
        params["text_themes"] = search_vocabulary().themes_named(q.text) if q.text else 0
        ticked: list[tuple[str, str]] = []
        for name in ("institution", "ec", "language", "level", "month", "city", "mode", "microcredential", "open"):
            if getattr(q, name):
                params[name] = list(getattr(q, name))
                ticked.append((name, f"{FLOOR_VALUES[name][1]} = ANY(%({name})s)"))
        for name, column in (("theme", "theme_mask"), ("route", "route_mask")):
            if getattr(q, name):
                params[name] = getattr(q, name)
                ticked.append((name, f"{column} & %({name})s <> 0"))
        bit = {name: 1 << i for i, (name, _sql) in enumerate(ticked)}
        fails = " + ".join(f"CASE WHEN {sql} THEN 0 ELSE {bit[name]} END" for name, sql in ticked) or "0"
        sort = q.effective_sort
        order = FLOOR_ORDER[sort].format(title=self.title)
        counts = ", ".join(
            ["count(*) FILTER (WHERE fails = 0)"] + [f"count(*) FILTER (WHERE fails = {bit[n]})" for n, _s in ticked]
        )
        values = ", ".join(sql for _set, sql in FLOOR_VALUES.values())
        if q.text:
            rank = sort == "relevance"
            sql = (
                "WITH similar_titles AS MATERIALIZED (SELECT ARRAY(SELECT t FROM (SELECT title_nl FROM catalogue_course"  # noqa: S608
                " WHERE title_nl %%> %(text)s UNION SELECT title_en FROM catalogue_course WHERE title_en %%> %(text)s"
                " UNION SELECT title_nl FROM catalogue_module WHERE title_nl %%> %(text)s UNION SELECT title_en"
                " FROM catalogue_module WHERE title_en %%> %(text)s) AS m(t))::varchar[] AS titles),"
                " hits AS MATERIALIZED (SELECT offering_id, start_date, ec, capacity, seats_taken, title_nl,"
                f" title_en, kind, code, {FLOOR_SETS[0]}, {FLOOR_SETS[1]}, {fails} AS fails FROM catalogue_offeringsearch"
                f" WHERE visible_public AND (document @@ {FLOOR_TSQUERY}"
                " OR title_nl = ANY((SELECT titles FROM similar_titles)::varchar[])"
                " OR title_en = ANY((SELECT titles FROM similar_titles)::varchar[])"
                " OR theme_mask & %(text_themes)s <> 0)"
                f" AND ({fails}) & ({fails} - 1) = 0),"
                " titles AS MATERIALIZED (SELECT title_nl, title_en, greatest(word_similarity(%(text)s, title_nl),"
                " word_similarity(%(text)s, title_en)) AS title_similarity FROM hits WHERE fails = 0"
                " GROUP BY title_nl, title_en),"
                " ranked AS MATERIALIZED (SELECT kind, code, institution_id, ts_rank_cd(document,"
                f" {FLOOR_TSQUERY}) AS text_rank FROM catalogue_offeringsearch WHERE offering_id = ANY((SELECT"
                " array_agg(first) FROM (SELECT min(offering_id) AS first FROM hits WHERE fails = 0 GROUP BY kind,"
                " code, institution_id) AS f)::bigint[])),"
                " page AS MATERIALIZED (SELECT ARRAY(SELECT offering_id FROM hits"
                f"{' JOIN titles USING (title_nl, title_en) JOIN ranked USING (kind, code, institution_id)' if rank else ''}"
                " WHERE fails = 0"
                f" ORDER BY {order} LIMIT %(limit)s OFFSET %(offset)s) AS ids)"
            )
            facets_from = "hits"
        else:
            where = " AND ".join(["visible_public", *(s for _n, s in ticked)])
            sql = (
                "WITH page AS MATERIALIZED (SELECT ARRAY(SELECT offering_id FROM catalogue_offeringsearch"  # noqa: S608
                f" WHERE {where} ORDER BY {order} LIMIT %(limit)s OFFSET %(offset)s) AS ids)"
            )
            facets_from = (
                f"(SELECT {fails} AS fails, {FLOOR_SETS[0]}, {FLOOR_SETS[1]} FROM catalogue_offeringsearch"  # noqa: S608
                f" WHERE visible_public AND ({fails}) & ({fails} - 1) = 0) hits"
            )
        sql += (
            " SELECT 0, array_position((SELECT ids FROM page), s.offering_id), s.offering_id,"  # noqa: S608
            f" {', '.join('NULL' for _ in FLOOR_VALUES)}, NULL::bigint[],"
            f" {', '.join(f's.{c}' for c in RESULT_COLUMNS if c != 'offering_id')} FROM catalogue_offeringsearch s"
            " WHERE s.offering_id = ANY((SELECT ids FROM page)::bigint[])"
            f" UNION ALL SELECT 1, GROUPING(institution_id), NULL, {values}, ARRAY[{counts}],"
            f" {', '.join('NULL' for c in RESULT_COLUMNS if c != 'offering_id')}"
            f" FROM {facets_from} GROUP BY GROUPING SETS (({FLOOR_SETS[0]}), ({FLOOR_SETS[1]}))"
        )
        # As catalogue.search: no bitmap scans for a question without text, sorting made dear for one with
        # text (untimed, like its set_config).
        self.conn.execute(f"SET enable_bitmapscan = {'on' if q.text else 'off'}")
        self.conn.execute(f"SET enable_sort = {'off' if q.text else 'on'}")
        started = time.perf_counter_ns()
        rows = self.conn.execute(sql, params).fetchall()
        sql_ms = _ms(started)
        return self._assemble(rows, [name for name, _sql in ticked], sql_ms)

    @staticmethod
    def _assemble(rows, ticked: list[str], sql_ms: float) -> FloorResult:
        counts: dict[str, dict] = {name: {} for name in FLOOR_VALUES}
        page = sorted((row for row in rows if row[0] == 0), key=lambda row: row[1])
        total = 0
        for part, grouping_set, _offering, *rest in rows:
            if part == 0:
                continue
            values, per_fails = rest[: len(FLOOR_VALUES)], rest[len(FLOOR_VALUES)]
            if grouping_set == 0:
                total += per_fails[0]
            for (name, (facet_set, _sql)), value in zip(FLOOR_VALUES.items(), values, strict=True):
                if facet_set != grouping_set:
                    continue
                n = per_fails[0] + (per_fails[ticked.index(name) + 1] if name in ticked else 0)
                if not n:
                    continue
                if name in ("theme", "route"):
                    for i in range(len(ROUTE_BITS) if name == "route" else MAX_THEMES):
                        if value & (1 << i):
                            counts[name][1 << i] = counts[name].get(1 << i, 0) + n
                else:
                    counts[name][value] = counts[name].get(value, 0) + n
        return FloorResult(total=total, counts=counts, ids=[row[2] for row in page], sql_ms=sql_ms)


# --------------------------------------------------------------------------------------------------
# Measuring


@contextmanager
def _served_like_production() -> Iterator[None]:
    """DEBUG off (templates without debug bookkeeping), the test client's host allowed, and the one-line
    request log kept quiet so that stdout carries only the results (the middleware still runs)."""
    request_log = logging.getLogger("portal.request")
    level = request_log.level
    request_log.setLevel(logging.WARNING)
    try:
        with override_settings(DEBUG=False, ALLOWED_HOSTS=["testserver"]):
            yield
    finally:
        request_log.setLevel(level)


def _ms(started: int) -> float:
    return (time.perf_counter_ns() - started) / 1e6


def measure(*, mix_size: int = 200, warmup_size: int = 60, rounds: int = 1, seed: int = 2026) -> dict:
    """Measure the catalogue as it is now in the default database; one result dict (see the module doc)."""
    require_postgresql()
    load_before = os.getloadavg()[0]
    vocab = Vocabulary.load()
    mix = query_mix(vocab, mix_size, seed)
    warmup = query_mix(vocab, warmup_size, seed + 1, exclude=frozenset(q.querystring for q in mix))
    choices = catalogue_choices()
    parsed = {q.querystring: parse_query(q.querystring, choices) for q in (*mix, *warmup)}
    client = Client()
    page_ms: list[float] = []
    search_ms: list[float] = []
    floor_ms: list[float] = []
    queries: list[int] = []
    by_kind: dict[str, list[float]] = {kind: [] for kind in KINDS}
    floor_by_kind: dict[str, list[float]] = {kind: [] for kind in KINDS}
    with _served_like_production(), FloorSearch.connect() as conn:
        floor = FloorSearch(conn)

        def ask(question: BenchQuery, step: int, timed: bool) -> None:
            query = parsed[question.querystring]
            # Rotate which of the three goes first, so that no path always meets a cold cache or a warm one.
            for part in (0, 1, 2)[step % 3 :] + (0, 1, 2)[: step % 3]:
                started = time.perf_counter_ns()
                if part == 0:
                    reset_queries()  # the context counts from the log's length, which maxes out at 9,000
                    with CaptureQueriesContext(connection) as captured:
                        response = client.get(f"/catalogue/?{question.querystring}")
                    elapsed = _ms(started)
                    if response.status_code != 200:
                        raise CommandError(f"/catalogue/?{question.querystring} answered {response.status_code}")
                    if timed:
                        page_ms.append(elapsed)
                        by_kind[question.kind].append(elapsed)
                        queries.append(len(captured))
                elif part == 1:
                    catalogue_search(query)
                    if timed:
                        search_ms.append(_ms(started))
                else:
                    result = floor.run(query, timezone.now())
                    if timed:
                        floor_ms.append(result.sql_ms)
                        floor_by_kind[question.kind].append(result.sql_ms)

        for step, question in enumerate(warmup):
            ask(question, step, timed=False)
        gc.collect()
        for step, question in enumerate(question for _round in range(rounds) for question in mix):
            ask(question, step, timed=True)

    p95, floor_p95 = round(percentile(page_ms, 95), 1), round(percentile(floor_ms, 95), 1)
    return {
        "offerings": Offering.objects.count(),
        "mix_size": len(mix) * rounds,
        "distinct_queries": len({q.querystring for q in mix}),
        "rounds": rounds,
        "warmup_queries": len(warmup),
        "p50_ms": round(percentile(page_ms, 50), 1),
        "p95_ms": p95,
        "max_ms": round(max(page_ms), 1),
        "queries": max(queries),
        "queries_mean": round(sum(queries) / len(queries), 2),
        "search_p50_ms": round(percentile(search_ms, 50), 1),
        "search_p95_ms": round(percentile(search_ms, 95), 1),
        "floor_p50_ms": round(percentile(floor_ms, 50), 1),
        "floor_p95_ms": floor_p95,
        "ratio": round(p95 / floor_p95, 2),
        "p95_ms_by_kind": {kind: round(percentile(times, 95), 1) for kind, times in by_kind.items() if times},
        "floor_p95_ms_by_kind": {
            kind: round(percentile(times, 95), 1) for kind, times in floor_by_kind.items() if times
        },
        "cpus": os.cpu_count(),
        # The machine is shared: the 1-minute load average before and after, to read the figures by.
        "load_1min": [round(load_before, 1), round(os.getloadavg()[0], 1)],
    }
