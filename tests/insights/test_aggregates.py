"""Every aggregate of the zone dashboard against the hand-computed world in ``world.py`` (threshold 5)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from enrolment.models import RequestEvent
from insights import selectors
from insights.models import CubeMark, LeadTimeMark
from insights.panels import INSTITUTION, ZONE
from insights.suppression import suppress
from tests.factories import UserFactory
from tests.insights.world import T0, World

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator():
    return UserFactory(is_zone_coordinator=True)


def _panels(user, params=None, scope=ZONE, institution=None):
    with translation.override("en"):
        _filters, panels = selectors.dashboard(user, scope=scope, params=params or {}, institution=institution)
    return {p.key: p.table for p in panels}


def _rows(table):
    return {row.key: row.values for row in table.rows}


# -- suppression, by itself ------------------------------------------------------------------------------


def test_a_count_at_the_threshold_is_shown_and_one_under_it_is_hidden():
    hidden = suppress([[5], [4], [0]], column_totals=False, k=5)
    assert hidden.cells == [[False], [True], [False]]


def test_subtracting_from_the_total_would_give_a_hidden_cell_away_so_a_second_is_hidden():
    # 7 + 3 = 10 with the total shown: hiding the 3 alone, 10 - 7 gives it back; so the 7 goes too.
    hidden = suppress([[7, 3]], row_totals=True, column_totals=False, k=5)
    assert hidden.cells == [[True, True]]
    assert hidden.row_totals == [False]


def test_the_complement_is_the_smallest_count_above_zero():
    hidden = suppress([[2], [0], [9], [6]], k=5)
    assert hidden.cells == [[True], [False], [False], [True]]
    assert hidden.column_totals == [False]


def test_a_small_total_is_hidden_and_protected_as_well():
    # Column total 2 + 0 = 2 < 5: the total is hidden, and the cell 2 with it (primary both); nothing else.
    hidden = suppress([[2], [0]], k=5)
    assert hidden.cells == [[True], [False]] and hidden.column_totals == [True]


def test_the_threshold_is_a_setting(settings):
    assert suppress([[3], [2]], column_totals=False).cells == [[True], [True]]
    settings.INSIGHTS_SUPPRESSION_THRESHOLD = 3
    assert suppress([[3], [2]], column_totals=False).cells == [[False], [True]]


# -- the zone dashboard ----------------------------------------------------------------------------------


def test_flows_matrix_with_complementary_suppression(coordinator):
    w = World().build()
    table = _panels(coordinator)["flows"]
    # Requests home (rows) → host (columns), drafts left out:
    #        A  B  C | total          primary (<5): A→C 3, C→A 2, C's total 2, A's column total 2.
    #   A    0  7  3 | 10             row A has one hidden (3): hide 7.  totals row has one (2): hide 7.
    #   B    0  0  6 |  6             column C has one (3): hide 6 (B→C); then row B has one: hide its total 6.
    #   C    2  0  0 |  2             every row and column now has none or two or more hidden.
    #   tot  2  7  9 | 18
    assert [c.key for c in table.columns] == ["w-a", "w-b", "w-c", "total"]
    assert _rows(table) == {"w-a": [0, None, None, 10], "w-b": [0, 0, None, None], "w-c": [None, 0, 0, None]}
    assert table.totals == [None, None, 9, 18]
    assert table.suppressed == 8
    assert w  # the world is used for its side effects


def test_registrations_between_institutions(coordinator):
    World().build()
    table = _panels(coordinator)["flows-registered"]
    # Registered: A→B 5 (2 completed + 3 registered), B→C 6. Nothing under 5 anywhere.
    assert _rows(table) == {"w-a": [0, 5, 0, 5], "w-b": [0, 0, 6, 6], "w-c": [0, 0, 0, 0]}
    assert table.totals == [0, 5, 6, 11]
    assert table.suppressed == 0


def test_participation_per_institution(coordinator):
    World().build()
    table = _panels(coordinator)["participation-institution"]
    # out: A 10, B 6, C 2 → C hidden, B its complement.  in: A 2, B 7, C 9 → A hidden, B its complement.
    # registrations out: A 5, B 6, C 0; in: A 0, B 5, C 6: all shown.
    assert _rows(table) == {"w-a": [10, None, 5, 0], "w-b": [None, None, 6, 5], "w-c": [None, 9, 0, 6]}
    assert table.totals == [18, 18, 11, 11]


def test_participation_per_route(coordinator):
    World().build()
    table = _panels(coordinator)["participation-route"]
    # own pace 6/6, off the beaten path 9/5, MijnDiploma 0/0, modular 3/0 → 3 hidden, 6 (own pace) with it.
    assert _rows(table) == {
        "own_pace": [None, 6],
        "off_the_beaten_path": [9, 5],
        "my_diploma": [0, 0],
        "modular": [None, 0],
    }
    assert table.totals == [18, 11]


def test_participation_per_period(coordinator):
    World().build()
    table = _panels(coordinator)["participation-period"]
    assert _rows(table) == {"2026-2027/semester-1": [18, 11]}
    assert table.rows[0].label == "2026-2027 Semester 1"


def test_funnel_with_rates(coordinator):
    World().build()
    table = _panels(coordinator)["funnel"]
    # Per home: submitted, home approved, admitted, registered, completed.
    #   A 10, 9, 5, 5, 2    B 6, 6, 6, 6, 0    C 2, 0, 0, 0, 0       totals 18, 15, 11, 11, 2
    # submitted: C's 2 hidden, B's 6 its complement; completed: A's 2 and the total 2 hidden.
    # Rates (next step over this one, from the numbers as shown; hidden in, hidden out).
    assert _rows(table) == {
        "w-a": [10, 9, 5, 5, None, 90.0, 55.6, 100.0, None],
        "w-b": [None, 6, 6, 6, 0, None, 100.0, 100.0, 0.0],
        "w-c": [None, 0, 0, 0, 0, None, None, None, None],
    }
    assert table.totals == [18, 15, 11, 11, None, 83.3, 73.3, 100.0, None]


def test_lead_times_median_p90_and_deadlines(coordinator, settings):
    settings.ENROLMENT_HOST_DECISION_DAYS = 3
    World().build()
    table = _panels(coordinator)["lead-times"]
    # home: 1..6 days → median 3.5, p90 5.5 (rank 4.5 between 5 and 6); one after the 5-day deadline (hidden).
    # host: 2,2,2,2,2,10 → median 2, p90 6 (rank 4.5 between 2 and 10); one after 3 days (hidden).
    # registration: 1 day each.
    assert _rows(table) == {
        "home": [6, 3.5, 5.5, 10.0, None],
        "host": [6, 2.0, 6.0, 3, None],
        "registration": [6, 1.0, 1.0, None, 0],
    }


def test_route_pilots_and_the_warning_for_none(coordinator):
    w = World()
    w.c.piloted_routes = []
    w.c.save()
    w.build()
    panel = next(p for p in selectors.dashboard(coordinator, scope=ZONE, params={})[1] if p.key == "route-pilots")
    rows = _rows(panel.table)
    # A's students: off the beaten path 7, modular 3 (total 10); B's: own pace 6; C's: off the beaten path 2.
    # Columns: pilots, since, own pace, off the beaten path, MijnDiploma, modular, total.
    assert rows["w-a"][1] == "2026-09" and rows["w-a"][2:] == [0, None, 0, None, 10]
    assert rows["w-b"][2:] == [None, 0, 0, 0, None]
    assert rows["w-c"][:2] == ["—", ""] and rows["w-c"][2:] == [0, None, 0, 0, None]
    assert len(panel.warnings) == 1 and "W-C" in str(panel.warnings[0])


def test_trends_per_month(coordinator):
    World().build()
    table = _panels(coordinator)["trends"]
    assert _rows(table) == {"2026-09": [18, 15, 11]}


def test_filters_narrow_every_chart(coordinator):
    w = World().build()
    tables = _panels(coordinator, {"route": "own_pace"})
    assert _rows(tables["participation-route"]) == {"own_pace": [6, 6]}
    assert tables["flows"].totals[-1] == 6
    assert _panels(coordinator, {"year": "2025-2026"})["flows"].rows == []
    assert _panels(coordinator, {"period": "quarter-1"})["flows"].rows == []
    only_c = _panels(coordinator, {"institution": w.c.code})
    assert _rows(only_c["participation-institution"]).keys() == {"w-c"}
    assert only_c["flows"].totals[-1] == 11  # A→C 3, B→C 6, C→A 2
    assert _panels(coordinator, {"from": "2026-09-02"})["flows"].rows == []


def test_the_number_of_queries_does_not_grow_with_the_data(coordinator):
    # The summaries' marks exist: both reads below bring new events in, and refresh both the same way.
    LeadTimeMark.objects.create(pk=1)
    CubeMark.objects.create(pk=1, signature="", refreshed_at=timezone.now())
    World("s").build()
    with CaptureQueriesContext(connection) as small:
        selectors.dashboard(coordinator, scope=ZONE, params={})
    for prefix in ("m", "n", "o"):
        World(prefix).build()
    with CaptureQueriesContext(connection) as large:
        selectors.dashboard(coordinator, scope=ZONE, params={})
    assert len(large) == len(small)
    # One or two per chart, the names, and the three summaries brought up to date: the lead times, the cube (its
    # state, then in a savepoint a lock, its signature, the recount and its mark) and the settlement cells (the
    # same, with a delete and an insert for the recount). Read when current, each kept summary costs one
    # query (its state).
    assert len(small) <= 33


def test_the_institution_dashboard_counts_its_own(coordinator):
    w = World().build()
    staff = UserFactory()
    staff.staff_roles.create(institution=w.c, role="host_admissions")
    tables = _panels(staff, scope=INSTITUTION, institution=w.c)
    # Incoming to C: from A 3 (hidden), from B 6 (its complement), registrations A 0, B 6.
    assert _rows(tables["incoming"]) == {"w-a": [None, 0], "w-b": [None, 6]}
    assert tables["incoming"].totals == [9, 6]
    assert _rows(tables["outgoing"]) == {"w-a": [None, 0]}  # C → A: 2
    assert _rows(tables["queues"]) == {
        "home_decision": [None],  # C's own students, submitted: 2
        "host_decision": [None],  # A → C approved by home: 3
        "waitlisted": [0],
        "seat_offered": [0],
        "registering": [0],
    }
    assert _rows(tables["lead-times"])["host"][:3] == [6, 2.0, 6.0]


def test_the_funnel_counts_an_admission_the_student_left_afterwards(coordinator):
    w = World().build()
    # Five of B's students were admitted by C and then withdrew: still five admissions in the funnel.
    for _ in range(5):
        request = w.request(w.b, w.c, status="withdrawn", route="own_pace", approved_at=T0)
        for frm, to in [
            ("draft", "submitted"),
            ("submitted", "home_approved"),
            ("home_approved", "admitted"),
            ("admitted", "withdrawn"),
        ]:
            RequestEvent.objects.create(request=request, from_status=frm, to_status=to, reason="automatic")
    # And five denied by C: approved by home, never admitted.
    for _ in range(5):
        w.request(w.b, w.c, status="host_denied", route="own_pace", approved_at=T0)
    row = _rows(_panels(coordinator)["funnel"])["w-b"]
    # B: submitted 6 + 10, home approved 16, admitted 6 + 5, registered 6, completed 0.
    assert row[:5] == [16, 16, 11, 6, 0]
