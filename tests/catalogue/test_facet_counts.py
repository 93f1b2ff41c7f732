"""The catalogue's facet counts kept up to date by PostgreSQL (``FacetCount``, migration 0006): equal to a
recount after every kind of write, folded without changing, read by the browse page, and written without
writers waiting on each other."""

import threading

import pytest
from django.db import OperationalError, connection, connections, transaction
from django.utils import timezone

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
        for name, value in {**search.settings_without_text, "enable_sort": "off"}.items():
            cursor.execute("SELECT set_config(%s, %s, true)", [name, value])
        cursor.execute(f"EXPLAIN {sql}", search.params)
        plan = "\n".join(line for (line,) in cursor.fetchall())
        transaction.set_rollback(True)
    return plan


@pytest.mark.parametrize(
    ("sort", "index"), [("ec_desc", "offeringsearch_sort_ec_desc"), ("title", "offeringsearch_sort_title")]
)
def test_browsing_walks_an_index_per_sort_order_and_a_ticked_facet_does_not(small_catalogue, sort, index):
    """Migration 0007: the browse question, sorted, walks its order's index and stops after the page; with a
    facet ticked the question never walks one (it would read rows until twenty pass), even when sorting is
    made so dear that the planner would take any index it may use."""
    assert index in _plan(CatalogueQuery(sort=sort))
    assert "offeringsearch_sort_" not in _plan(CatalogueQuery(sort=sort, language=("en",)))
