"""The catalogue's facet counts kept up to date by PostgreSQL (``FacetCount``, migration 0006): equal to a
recount after every kind of write, folded without changing, read by the browse page, and written without
writers waiting on each other."""

import threading

import pytest
from django.db import OperationalError, connection, connections, transaction
from django.utils import timezone, translation

from catalogue import signals
from catalogue.models import FacetCount, Offering, OfferingSearch
from catalogue.search import GROUPED_COLUMNS, CatalogueQuery, _PostgresSearch, catalogue_search
from catalogue.services import facet_counts_compact, search_index_refresh

pytestmark = pytest.mark.django_db

GROUPED = [column for columns in GROUPED_COLUMNS for column in columns]


def _recount() -> dict[tuple, int]:
    """The public search rows counted per group now, the way the search counts them."""
    sets = ", ".join(f"({', '.join(columns)})" for columns in GROUPED_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT GROUPING({GROUPED[0]}), {', '.join(GROUPED)}, count(*) FROM {OfferingSearch._meta.db_table}"  # noqa: S608
            f" WHERE visible_public GROUP BY GROUPING SETS ({sets})"
        )
        return {tuple(row[:-1]): row[-1] for row in cursor.fetchall()}


def _kept() -> dict[tuple, int]:
    """The kept counts: each group's signed rows summed, groups that sum to nothing left out."""
    totals: dict[tuple, int] = {}
    for row in FacetCount.objects.values_list("grouping_set", *GROUPED, "rows"):
        totals[row[:-1]] = totals.get(row[:-1], 0) + row[-1]
    return {group: n for group, n in totals.items() if n}


def _refresh(*offerings: Offering) -> None:
    search_index_refresh(offering_ids=[o.pk for o in offerings])


def test_the_kept_counts_equal_a_recount_after_every_kind_of_write(small_catalogue):
    offerings = small_catalogue["offerings"]
    assert _kept() == _recount()
    assert sum(n for group, n in _recount().items() if group[0] == 0) == 5  # every public row, once per set

    # An update that moves a row to other groups (city and mode are grouped; capacity is not).
    Offering.objects.filter(pk=offerings["solar"].pk).update(city="Zwolle", mode="hybrid", capacity=99)
    _refresh(offerings["solar"])
    assert _kept() == _recount()

    # Hidden from the public, and visible again: the row leaves its groups and comes back.
    Offering.objects.filter(pk=offerings["law"].pk).update(is_archived=True)
    _refresh(offerings["law"])
    assert _kept() == _recount()
    assert sum(n for group, n in _kept().items() if group[0] == 0) == 4
    Offering.objects.filter(pk=offerings["hidden"].pk).update(visible_partners=True)
    _refresh(offerings["hidden"])
    assert _kept() == _recount()

    # A deleted offering takes its search row with it.
    offerings["wind"].delete()
    assert _kept() == _recount()

    # Refreshing rows that did not change writes no counts at all.
    rows_before = FacetCount.objects.count()
    search_index_refresh()
    assert FacetCount.objects.count() == rows_before


def test_only_grouped_columns_move_the_counts(small_catalogue):
    solar = small_catalogue["offerings"]["solar"]
    rows_before = FacetCount.objects.count()
    # Seats and titles are on the search row but in no group.
    OfferingSearch.objects.filter(pk=solar.pk).update(seats_taken=3, title_en="Solar Energy, Revised")
    assert FacetCount.objects.count() == rows_before


def test_folding_keeps_every_count_in_one_row_per_group(small_catalogue):
    offerings = small_catalogue["offerings"]
    for city in ("Zwolle", "Utrecht", "Zwolle"):
        Offering.objects.filter(pk=offerings["solar"].pk).update(city=city)
        _refresh(offerings["solar"])
    before = _kept()
    assert FacetCount.objects.count() > len(before)  # signed rows piled up

    facet_counts_compact()

    assert _kept() == before == _recount()
    assert FacetCount.objects.count() == len(before)
    assert not FacetCount.objects.filter(rows__lte=0).exists()


@pytest.mark.django_db(transaction=True)
def test_deleting_offerings_folds_the_counts_once_after_commit(small_catalogue, monkeypatch):
    """The search rows go with their offerings by cascade, not through search_index_refresh; the counts are
    folded all the same once the deletion commits, once however many offerings it deleted."""
    folds = []

    def counted_fold():
        folds.append(1)
        facet_counts_compact()

    monkeypatch.setattr(signals, "facet_counts_compact", counted_fold)
    facet_counts_compact()
    offerings = small_catalogue["offerings"]
    with transaction.atomic():
        Offering.objects.filter(pk__in=[offerings["wind"].pk, offerings["law"].pk]).delete()

    assert _kept() == _recount()
    assert FacetCount.objects.count() == len(_kept())  # one row per group: folded
    assert folds == [1]  # once for the transaction, not once per offering


@pytest.mark.django_db(transaction=True)  # TRUNCATE refuses to run after writes with deferred checks pending
def test_truncating_the_search_rows_empties_the_counts(small_catalogue):
    assert FacetCount.objects.exists()
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {OfferingSearch._meta.db_table}")
    assert not FacetCount.objects.exists()


def test_browsing_reads_the_kept_counts_and_a_ticked_facet_counts_rows(small_catalogue):
    """The browse question answers from ``FacetCount``: a count planted there shows, and the total with it.
    A question with a facet ticked counts the rows themselves and does not see it."""
    hu = small_catalogue["institutions"]["hu"]
    browse = catalogue_search(CatalogueQuery())
    assert browse.counts["institution"][hu.pk] == 3

    kept = FacetCount.objects.filter(grouping_set=0, institution_id=hu.pk).first()
    FacetCount.objects.create(**{f: getattr(kept, f) for f in ["grouping_set", *GROUPED]}, rows=4)

    planted = catalogue_search(CatalogueQuery())
    assert planted.counts["institution"][hu.pk] == 7
    assert planted.total == browse.total + 4
    assert catalogue_search(CatalogueQuery(language=("nl", "en"))).counts["institution"][hu.pk] == 3


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("second_row", ["law", "solar"])
def test_two_writers_in_one_group_do_not_wait_for_each_other(small_catalogue, second_row):
    """Each statement appends its own signed rows: a transaction that moved a search row out of a group and
    has not committed yet does not hold up a second one moving another row of the same group. (The search
    rows are written directly: ``search_index_refresh`` also bumps the one catalogue stamp, whose row lock
    orders refreshes by itself.) The control writes the first transaction's own row a second time, which must
    wait for its row lock: it shows that waiting is caught."""
    offerings = small_catalogue["offerings"]
    first_wrote, second_done = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                # solar is on campus in Utrecht, in the same group as law
                OfferingSearch.objects.filter(pk=offerings["solar"].pk).update(mode="online")
                first_wrote.set()
                second_done.wait(timeout=10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert first_wrote.wait(timeout=10)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")  # waiting would fail with LockNotAvailable
        try:
            with transaction.atomic():
                OfferingSearch.objects.filter(pk=offerings[second_row].pk).update(mode="hybrid")
            outcome["second"] = "committed"
        except OperationalError as error:
            outcome["second"] = type(error.__cause__).__name__
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")
            second_done.set()
    finally:
        thread.join(timeout=20)

    assert outcome["second"] == ("committed" if second_row == "law" else "LockNotAvailable")
    assert _kept() == _recount()
    facet_counts_compact()
    assert _kept() == _recount()


def _plan(query: CatalogueQuery) -> str:
    search = _PostgresSearch(query, timezone.now())
    sql = search.sql()
    with transaction.atomic(), connection.cursor() as cursor:
        # Sorting made dear: the planner takes any index that gives the page order, if it may use it.
        dear = {"enable_sort": "off", "enable_incremental_sort": "off"}
        for name, value in {**search.settings_without_text, **dear}.items():
            cursor.execute("SELECT set_config(%s, %s, true)", [name, value])
        cursor.execute(f"EXPLAIN {sql}", search.params)
        plan = "\n".join(line for (line,) in cursor.fetchall())
        transaction.set_rollback(True)
    return plan


ORDER_INDEXES = [  # (sort, language of the page, index)
    ("title", "nl", "offeringsearch_order_title_nl"),
    ("title", "en", "offeringsearch_order_title_en"),
    ("ec_asc", "nl", "offeringsearch_order_ec"),
    ("ec_desc", "nl", "offeringsearch_order_ec_desc"),
    ("seats", "en", "offeringsearch_order_seats"),
]


@pytest.mark.parametrize(("sort", "language", "index"), ORDER_INDEXES)
def test_questions_without_text_walk_their_orders_index_without_reading_the_table(
    small_catalogue, sort, language, index
):
    """Migration 0009: browsing and questions with facets ticked, sorted, may walk their order's index and
    stop after the page; the index holds every facet column, so the walk reads no table rows (an index-only
    scan), even when sorting is made so dear that the planner would take any index it may use."""
    for question in (
        CatalogueQuery(sort=sort),
        CatalogueQuery(sort=sort, language=("en",)),
        CatalogueQuery(sort=sort, city=("Delft", "Utrecht"), mode=("online",), open=(True,), theme=1 << 3),
    ):
        with translation.override(language):
            plan = _plan(question)
        assert f"Index Only Scan using {index} on" in plan, question
        assert "offeringsearch_sort_" not in plan  # migration 0007's browse-only indexes are gone


@pytest.mark.parametrize(("sort", "language", "index"), ORDER_INDEXES)
def test_a_walk_in_sort_order_gives_the_same_pages_as_sorting(small_catalogue, sort, language, index):
    """The walk and a top-N over the page index answer alike: browsing, a combination some offerings pass,
    and one nobody offers."""
    questions = [CatalogueQuery(sort=sort, page_size=2, page=page) for page in (1, 2, 3)] + [
        CatalogueQuery(sort=sort, language=("nl",), page_size=2),
        CatalogueQuery(sort=sort, city=("Delft",), mode=("online",), page_size=2),
    ]
    with translation.override(language):
        assert f"using {index} on" in _plan(questions[0])
        walked = [catalogue_search(question) for question in questions]
        with connection.cursor() as cursor:
            cursor.execute(f"DROP INDEX {index}")  # inside the test's transaction, which is rolled back
        assert f"using {index} on" not in _plan(questions[0])
        for question, walk in zip(questions, walked, strict=True):
            top_n = catalogue_search(question)
            assert [r["offering_id"] for r in walk.rows] == [r["offering_id"] for r in top_n.rows], question
            assert (walk.total, walk.counts) == (top_n.total, top_n.counts)
        assert sum(len(walk.rows) for walk in walked[:3]) == walked[0].total  # the pages cover every offering once
