"""The search itself: text matching in two languages, typos, disjunctive facets, and the PostgreSQL
path agreeing with the portable one used on the SQLite demo default."""

import pytest
from django.db import connection, transaction

from catalogue.search import CatalogueQuery, _PostgresSearch, catalogue_search
from institutions.routes import ROUTE_BITS

pytestmark = pytest.mark.django_db


def codes(result):
    return sorted(row["code"] for row in result.rows)


def test_empty_query_lists_every_publicly_visible_offering(small_catalogue):
    result = catalogue_search(CatalogueQuery())
    assert result.total == 5
    assert codes(result) == ["DAT300", "ENE101", "ENE201", "LAW100", "MOD-DATA"]  # INT001 is for own students only


def test_dutch_and_english_stemming(small_catalogue):
    assert codes(catalogue_search(CatalogueQuery(text="energy"))) == ["ENE101", "ENE201"]
    assert codes(catalogue_search(CatalogueQuery(text="rechten"))) == ["LAW100"]  # Dutch stem of "recht"


def test_typos_are_forgiven_by_trigram_matching(small_catalogue):
    assert codes(catalogue_search(CatalogueQuery(text="machne lerning"))) == ["DAT300"]
    assert codes(catalogue_search(CatalogueQuery(text="offshre"))) == ["ENE201"]


def test_typos_in_module_titles_and_in_dutch_titles_are_forgiven_too(small_catalogue):
    """Titles are matched among the courses and the modules (migration 0008), in either language."""
    assert codes(catalogue_search(CatalogueQuery(text="profesionals"))) == ["MOD-DATA"]
    assert codes(catalogue_search(CatalogueQuery(text="windenergi"))) == ["ENE201"]


def test_ranking_puts_the_title_match_first(small_catalogue):
    result = catalogue_search(CatalogueQuery(text="data"))
    assert result.rows[0]["code"] == "MOD-DATA"


def test_facets_are_disjunctive(small_catalogue):
    tud = small_catalogue["institutions"]["tud"]
    hu = small_catalogue["institutions"]["hu"]
    result = catalogue_search(CatalogueQuery(institution=(tud.pk,)))
    assert result.total == 2
    # The institution facet ignores its own selection, so HU still shows what ticking it would add ...
    assert result.counts["institution"] == {hu.pk: 3, tud.pk: 2}
    # ... while every other facet counts within the selection.
    assert result.counts["language"] == {"en": 2}
    assert result.counts["mode"] == {"hybrid": 1, "online": 1}


def test_bitmask_facets_and_combined_filters(small_catalogue):
    energy = small_catalogue["themes"]["energy"]
    data = small_catalogue["themes"]["data"]
    result = catalogue_search(CatalogueQuery(theme=1 << energy.bit))
    assert codes(result) == ["ENE101", "ENE201"]
    assert result.counts["theme"][1 << data.bit] == 2  # ticking data would add ML and the module
    result = catalogue_search(CatalogueQuery(route=ROUTE_BITS["my_diploma"], language=("en",)))
    assert codes(result) == ["DAT300"]


def test_open_for_enrolment_now_and_microcredential(small_catalogue):
    assert codes(catalogue_search(CatalogueQuery(open=(True,)))) == ["DAT300", "ENE101", "LAW100", "MOD-DATA"]
    assert codes(catalogue_search(CatalogueQuery(open=(False,)))) == ["ENE201"]
    assert codes(catalogue_search(CatalogueQuery(microcredential=(True,)))) == ["MOD-DATA"]


def test_three_facets_and_a_row_failing_two_counts_nowhere(small_catalogue):
    query = CatalogueQuery(language=("en",), mode=("online",), ec=("3-5",))
    result = catalogue_search(query)
    assert codes(result) == ["DAT300"]
    # The module is online and English but 10 EC: it fails only the EC facet and counts there.
    assert result.counts["ec"] == {"3-5": 1, "5-10": 1}
    # Solar fails language and mode: it counts in neither.
    assert result.counts["mode"] == {"online": 1}


def test_sorting_and_paging(small_catalogue):
    by_ec = catalogue_search(CatalogueQuery(sort="ec_desc", page_size=2))
    assert [row["code"] for row in by_ec.rows] == ["MOD-DATA", "ENE201"]
    assert by_ec.num_pages == 3
    last = catalogue_search(CatalogueQuery(sort="ec_desc", page_size=2, page=3))
    assert [row["code"] for row in last.rows] == ["LAW100"]
    beyond = catalogue_search(CatalogueQuery(page=9))
    assert beyond.rows == [] and beyond.total == 5


QUERIES = [
    CatalogueQuery(),
    CatalogueQuery(language=("en",)),
    CatalogueQuery(language=("en", "nl"), mode=("online",)),
    CatalogueQuery(open=(True,), microcredential=(False,), level=("bachelor",)),
    CatalogueQuery(ec=("5-10",), city=("Utrecht", "Delft"), route=ROUTE_BITS["modular"] | ROUTE_BITS["own_pace"]),
    CatalogueQuery(month=("2027-02",), open=(True, False)),
    CatalogueQuery(text="energie"),
]


@pytest.mark.parametrize("query", QUERIES)
def test_postgres_and_portable_paths_agree(small_catalogue, query):
    fast = catalogue_search(query)
    portable = catalogue_search(query, portable=True)
    assert fast.total == portable.total
    assert {k: {v: n for v, n in c.items() if n} for k, c in fast.counts.items()} == {
        k: {v: n for v, n in c.items() if n} for k, c in portable.counts.items()
    }
    assert sorted(r["offering_id"] for r in fast.rows) == sorted(r["offering_id"] for r in portable.rows)


def test_paths_agree_on_the_demo_catalogue(demo_catalogue):
    from catalogue.models import Theme

    theme = Theme.objects.get(code="energy")
    for query in [
        CatalogueQuery(),
        CatalogueQuery(theme=1 << theme.bit, open=(True,)),
        CatalogueQuery(language=("nl",), level=("bachelor",), mode=("hybrid", "online"), ec=("5-10", "0-3")),
    ]:
        fast, portable = catalogue_search(query), catalogue_search(query, portable=True)
        assert fast.total == portable.total > 0
        assert {k: {v: n for v, n in c.items() if n} for k, c in fast.counts.items()} == {
            k: {v: n for v, n in c.items() if n} for k, c in portable.counts.items()
        }


@pytest.mark.parametrize("text", ["data", "energie", "project management", "machne lerning"])
def test_relevance_ranks_each_course_once_in_the_order_ranking_every_offering_gives(demo_catalogue, text):
    """The search ranks each course or module once (its offerings share its document and titles), not each
    offering: the order must be the one ranking every offering gives, ties broken by start date and id."""
    from catalogue.models import OfferingSearch

    first = catalogue_search(CatalogueQuery(text=text, page_size=100))
    pages = first.num_pages
    matches = [
        row["offering_id"]
        for page in range(1, pages + 1)
        for row in catalogue_search(CatalogueQuery(text=text, page_size=100, page=page)).rows
    ]
    assert len(set(matches)) == len(matches) == first.total  # every match on exactly one page
    teachables = set(OfferingSearch.objects.filter(pk__in=matches).values_list("kind", "code", "institution_id"))
    assert len(teachables) < len(matches)  # courses with several matching offerings: the grouping matters
    tsquery = _PostgresSearch.TSQUERY.replace("%(text)s", "%s")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT offering_id FROM {OfferingSearch._meta.db_table} WHERE offering_id = ANY(%s)"  # noqa: S608
            f" ORDER BY ts_rank_cd(document, {tsquery}) + greatest(word_similarity(%s, title_nl),"
            " word_similarity(%s, title_en)) DESC, start_date, offering_id",
            [matches, text, text, text, text],
        )
        every_offering_ranked = [row[0] for row in cursor.fetchall()]

    assert matches == every_offering_ranked


def _planner_settings() -> dict[str, str]:
    names = _PostgresSearch.settings_without_text
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"current_setting('{name}')" for name in names))
        return dict(zip(names, cursor.fetchone(), strict=True))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("server_side_binding", [False, True])
def test_the_searchs_planner_settings_end_with_its_statement(small_catalogue, monkeypatch, server_side_binding):
    """The search turns sequential scans, nested loops and more off for its own statement only: neither
    in autocommit (one simple query, one transaction) nor inside a caller's transaction do they stay. With
    server-side binding configured (no multi-statement queries) it takes the savepoint way."""
    if server_side_binding:
        monkeypatch.setitem(
            connection.settings_dict, "OPTIONS", {**connection.settings_dict["OPTIONS"], "server_side_binding": True}
        )
    before = _planner_settings()
    assert before["enable_seqscan"] == before["enable_nestloop"] == "on"  # the defaults, which the search turns off

    assert catalogue_search(CatalogueQuery(text="energy")).total == 2
    assert catalogue_search(CatalogueQuery(sort="title")).total == 5
    assert _planner_settings() == before

    with transaction.atomic():
        assert catalogue_search(CatalogueQuery(text="energy")).total == 2
        assert _planner_settings() == before
