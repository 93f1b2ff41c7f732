"""The catalogue benchmark's machinery at a tiny size: its JSON, a query count that does not grow with the
catalogue, a fixed mix of distinct questions, and a floor that does the same work as catalogue_search.

The floor runs on a connection of its own, which only sees committed rows: hence ``transaction=True``.
"""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from bench.catalogue import KINDS, FloorSearch, Vocabulary, parse_query, prepare_catalogue, query_mix
from catalogue.choices import catalogue_choices
from catalogue.models import Offering, OfferingSearch
from catalogue.search import catalogue_search

pytestmark = pytest.mark.django_db(transaction=True)

FIELDS = {
    "offerings",
    "mix_size",
    "distinct_queries",
    "p50_ms",
    "p95_ms",
    "queries",
    "queries_mean",
    "search_p50_ms",
    "search_p95_ms",
    "floor_p50_ms",
    "floor_p95_ms",
    "ratio",
    "p95_ms_by_kind",
    "floor_p95_ms_by_kind",
}


def nonzero(counts: dict) -> dict:
    return {facet: {value: n for value, n in values.items() if n} for facet, values in counts.items()}


def test_command_prints_one_json_object_per_size_with_a_flat_query_count():
    out = StringIO()
    call_command(
        "bench", "catalogue", "--offerings", "300,600", "--mix", "20", "--warmup", "5", "--in-place", stdout=out
    )
    small, large = (json.loads(line) for line in out.getvalue().splitlines())
    assert small.keys() >= FIELDS and large.keys() >= FIELDS
    assert (small["offerings"], large["offerings"]) == (300, 600)
    assert Offering.objects.count() == OfferingSearch.objects.count() == 600  # seeded up, surplus trimmed
    assert small["mix_size"] == small["distinct_queries"] == 20
    assert set(small["p95_ms_by_kind"]) == set(small["floor_p95_ms_by_kind"]) == set(KINDS)
    assert 0 < small["p50_ms"] <= small["p95_ms"] and 0 < small["floor_p50_ms"] <= small["floor_p95_ms"]
    assert small["ratio"] == round(small["p95_ms"] / small["floor_p95_ms"], 2)
    # Every page costs the same statements, whatever the size of the catalogue.
    assert small["queries"] == large["queries"] and small["queries_mean"] == large["queries_mean"]


def test_mix_is_fixed_distinct_and_apart_from_the_warm_up():
    prepare_catalogue(300)
    vocabulary = Vocabulary.load()
    mix = query_mix(vocabulary, 40, seed=1)
    assert mix == query_mix(vocabulary, 40, seed=1)
    assert len({q.querystring for q in mix}) == 40
    assert {q.kind for q in mix} == set(KINDS)
    assert any("q=" in q.querystring for q in mix) and any("sort=" in q.querystring for q in mix)
    warm_up = query_mix(vocabulary, 20, seed=2, exclude=frozenset(q.querystring for q in mix))
    assert not {q.querystring for q in warm_up} & {q.querystring for q in mix}


def test_floor_finds_the_same_totals_counts_and_page_as_catalogue_search():
    prepare_catalogue(400)
    choices = catalogue_choices()
    now = timezone.now()
    mix = query_mix(Vocabulary.load(), 30, seed=3)
    with FloorSearch.connect() as conn:
        floor = FloorSearch(conn)
        for question in mix:
            query = parse_query(question.querystring, choices)
            expected = catalogue_search(query, now=now)
            found = floor.run(query, now)
            assert found.total == expected.total, question.querystring
            assert nonzero(found.counts) == nonzero(expected.counts), question.querystring
            assert found.ids == [row["offering_id"] for row in expected.rows], question.querystring
    assert any(catalogue_search(parse_query(q.querystring, choices)).total for q in mix if "q=" in q.querystring)
