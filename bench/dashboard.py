"""``bench dashboard``: the zone dashboard (``/insights/``, every chart, as the coordinator asks for it) at
10,000 and 100,000 enrolment requests with about ten audit events each, on PostgreSQL.

Each size gets a database of its own (``<name>_dashboard_<size>``, created and migrated when missing; kept, so
a second run measures at once). The zone (21 institutions, 10 offerings each, the students) is made with the
ORM; the requests and their events with set-based ``INSERT ... SELECT generate_series(...)`` statements, since
the services' one-request-at-a-time path would take hours on this machine and is not what is measured.

Measured: the page through Django's test client (URL routing, middleware, the selectors, the template), and
the API answer with the same aggregates. Printed per size: one JSON object with ``p50_ms``, ``p95_ms`` and
``queries`` (per dashboard request), the API's figures, how long generating took, and how long the summaries
beat keeps took to bring up to date (``lead_times_refresh_s``: incremental, so 0 once current;
``cube_refresh_s`` and ``settlement_cells_refresh_s``: the request cube and billing's settlement cells
recomputed whole, as beat does in any minute something moved).
"""

from __future__ import annotations

import json
import time
from contextlib import nullcontext

from django.core.management import CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from accounts.models import User
from bench import database, percentile, require_postgresql
from bench.zone import bench_institution, bench_offering, bench_period
from billing.models_settlement import SettlementMark
from billing.services.settlement_cells import settlement_cells_refresh
from enrolment.models import EnrolmentRequest, RequestEvent
from insights.models import CubeMark
from insights.services import cube_refresh, lead_times_refresh

HELP = "The zone dashboard's page and API at growing numbers of enrolment requests (10 audit events each)."
DEFAULT_SIZES = "10000,100000"
INSTITUTIONS = 21
OFFERINGS_PER_HOST = 10
STUDENTS = 5000
EVENTS_PER_REQUEST = 10
COORDINATOR = "coordinator@bench.flexportal.example"


def add_arguments(parser) -> None:
    parser.add_argument(
        "--requests",
        default=DEFAULT_SIZES,
        help=f"Comma-separated numbers of requests, measured in this order (default {DEFAULT_SIZES}).",
    )
    parser.add_argument("--rounds", type=int, default=30, help="Timed dashboard requests per size (default 30).")
    parser.add_argument("--warmup", type=int, default=3, help="Untimed dashboard requests first (default 3).")
    parser.add_argument(
        "--in-place", action="store_true", help="Use the configured database itself instead of one per size."
    )


def run(*, stdout, requests: str, rounds: int, warmup: int, in_place: bool = False, **_options) -> list[dict]:
    require_postgresql()
    try:
        sizes = [int(part) for part in requests.split(",") if part.strip()]
    except ValueError:
        raise CommandError("--requests takes whole numbers separated by commas, e.g. 10000,100000") from None
    if not sizes or any(not 1 <= size <= STUDENTS * INSTITUTIONS * OFFERINGS_PER_HOST for size in sizes):
        raise CommandError("each size in --requests must be between 1 and 1,050,000")
    if rounds < 2 or warmup < 0:
        raise CommandError("--rounds must be at least 2 and --warmup at least 0")
    base = connection.settings_dict["NAME"]
    results = []
    for size in sizes:
        with nullcontext() if in_place else database(f"{base}_dashboard_{size}"):
            generated = prepare(size)
            result = {"requests": size, "events": RequestEvent.objects.count(), **generated}
            result |= refresh_summaries()
            result |= measure(rounds=rounds, warmup=warmup)
        stdout.write(json.dumps(result))
        results.append(result)
    return results


def prepare(size: int) -> dict:
    """Make the database hold exactly ``size`` submitted requests with ``EVENTS_PER_REQUEST`` events each."""
    started = time.perf_counter()
    zone()
    if EnrolmentRequest.objects.count() != size or RequestEvent.objects.count() != size * EVENTS_PER_REQUEST:
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE enrolment_requestevent, enrolment_enrolmentrequest CASCADE")
        with transaction.atomic():
            generate(size)
        with connection.cursor() as cursor:
            analyse = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
            cursor.execute(f"{analyse} enrolment_enrolmentrequest, enrolment_requestevent")
        return {"generated_s": round(time.perf_counter() - started, 1)}
    return {"generated_s": 0.0}


def refresh_summaries() -> dict:
    """Bring the dashboards' summaries up to date, as beat keeps them, timing the full recounts of the request
    cube and the settlement cells (what beat's tasks cost in each minute in which anything moved)."""
    started = time.perf_counter()
    lead_times_refresh()
    lead_s = time.perf_counter() - started
    CubeMark.objects.filter(pk=1).delete()  # as if the audit trail had moved: a full recount
    started = time.perf_counter()
    cube_refresh()
    cube_s = time.perf_counter() - started
    SettlementMark.objects.filter(pk=1).delete()  # the same for the settlement cells
    started = time.perf_counter()
    settlement_cells_refresh()
    return {
        "lead_times_refresh_s": round(lead_s, 2),
        "cube_refresh_s": round(cube_s, 2),
        "settlement_cells_refresh_s": round(time.perf_counter() - started, 2),
    }


def zone() -> None:
    """21 institutions with a period and 10 offerings each, 5,000 students and the coordinator; made once."""
    institutions = [
        bench_institution(f"dash{i:02d}", f"{60 + i:02d}DB", kind="wo", integration="portal")
        for i in range(INSTITUTIONS)
    ]
    for institution in institutions:
        period = bench_period(institution)
        for n in range(OFFERINGS_PER_HOST):
            bench_offering(
                institution,
                period,
                f"DASH-{institution.code}-{n}",
                200,
                title_nl=f"Dashboardvak {n}",
                title_en=f"Dashboard course {n}",
            )
    User.objects.get_or_create(email=COORDINATOR, defaults={"is_zone_coordinator": True, "first_name": "Bench"})
    homes = [i.pk for i in institutions]
    with connection.cursor() as cursor:
        # The students, in one statement each for users and profiles (unusable passwords: they never log in).
        cursor.execute(
            """
            INSERT INTO accounts_user (password, is_superuser, email, first_name, last_name, is_staff, is_active,
                                       date_joined, is_zone_coordinator, preferred_language)
            SELECT '!', false, 'dash' || g || '@bench.flexportal.example', 'Bench', 'Student ' || g, false, true,
                   now(), false, 'nl'
            FROM generate_series(1, %s) g
            ON CONFLICT (email) DO NOTHING
            """,
            [STUDENTS],
        )
        cursor.execute(
            """
            INSERT INTO accounts_studentprofile (user_id, home_institution_id, student_number, is_actively_enrolled,
                                                kind)
            SELECT u.id, (%s::bigint[])[1 + (u.id %% %s)], '', true, 'student'
            FROM accounts_user u
            WHERE u.email LIKE 'dash%%@bench.flexportal.example'
              AND NOT EXISTS (SELECT 1 FROM accounts_studentprofile p WHERE p.user_id = u.id)
            """,
            [homes, len(homes)],
        )


def generate(size: int) -> None:
    """``size`` requests (student ``g mod S``, offering ``g div S``: every pair distinct) and their events, in two
    statements. Times: submitted over the last 540 days; home decides within 0-12 days, host within 0-15."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.id, p.home_institution_id FROM accounts_studentprofile p JOIN accounts_user u ON u.id = p.user_id "
            "WHERE u.email LIKE 'dash%%@bench.flexportal.example' ORDER BY p.id"
        )
        students = cursor.fetchall()
        cursor.execute(
            "SELECT o.id, o.institution_id FROM catalogue_offering o JOIN institutions_institution i "
            "ON i.id = o.institution_id WHERE i.code LIKE 'dash%%' ORDER BY o.id"
        )
        offerings = cursor.fetchall()
        cursor.execute(
            """
            INSERT INTO enrolment_enrolmentrequest (
                public_id, student_id, offering_id, home_institution_id, host_institution_id, route, status,
                motivation, document, rank, home_step, home_registration_ref, host_registration_ref,
                created_at, updated_at, submitted_at, decision_due_at, home_approved_at, host_decision_due_at,
                home_registered_at, host_registered_at)
            SELECT gen_random_uuid(), s.student, s.offering, s.home, s.host,
                   (ARRAY['own_pace', 'off_the_beaten_path', 'my_diploma', 'modular'])[1 + (g * 7) %% 4],
                   s.status, '', '', 1, 0, '', '', s.submitted, s.submitted, s.submitted,
                   s.submitted + interval '10 days',
                   CASE WHEN s.status NOT IN ('submitted', 'home_denied') THEN s.approved END,
                   CASE WHEN s.status NOT IN ('submitted', 'home_denied') THEN s.approved + interval '10 days' END,
                   CASE WHEN s.status IN ('registered', 'completed') THEN s.approved + s.host_days + interval '1 day' END,
                   CASE WHEN s.status IN ('registered', 'completed') THEN s.approved + s.host_days + interval '1 day' END
            FROM generate_series(0::bigint, %s - 1) g
            CROSS JOIN LATERAL (
                SELECT (%s::bigint[])[1 + g %% %s] AS student, (%s::bigint[])[1 + g %% %s] AS home,
                       (%s::bigint[])[1 + (g / %s) %% %s] AS offering, (%s::bigint[])[1 + (g / %s) %% %s] AS host,
                       (g * 2654435761) %% 100 AS b,
                       now() - ((g * 7919) %% 540) * interval '1 day' - (g %% 24) * interval '1 hour' AS submitted,
                       ((g * 31) %% 288) * interval '1 hour' AS home_hours,
                       ((g * 17) %% 360) * interval '1 hour' AS host_days
            ) AS r
            CROSS JOIN LATERAL (
                SELECT r.student, r.home, r.offering, r.host, r.submitted, r.host_days,
                       r.submitted + r.home_hours AS approved,
                       -- the end state, from a fixed spread (percentages): most go the whole way
                       CASE
                       WHEN r.b < 30 THEN 'completed' WHEN r.b < 50 THEN 'registered' WHEN r.b < 58 THEN 'home_denied'
                       WHEN r.b < 66 THEN 'host_denied' WHEN r.b < 72 THEN 'cancelled' WHEN r.b < 77 THEN 'waitlisted'
                       WHEN r.b < 83 THEN 'home_approved' WHEN r.b < 90 THEN 'submitted' WHEN r.b < 95 THEN 'admitted'
                       ELSE 'withdrawn'
                       END AS status
            ) AS s
            """,
            [
                size,
                [s[0] for s in students],
                len(students),
                [s[1] for s in students],
                len(students),
                [o[0] for o in offerings],
                len(students),
                len(offerings),
                [o[1] for o in offerings],
                len(students),
                len(offerings),
            ],
        )
        # Ten events per request: the road it took (up to four steps: submitted, the home decision, the host
        # decision, registration) as far as it got, then notes on the way (reminders, comments) to make up ten.
        cursor.execute(
            """
            INSERT INTO enrolment_requestevent (request_id, from_status, to_status, actor_role, reason, comment, at)
            SELECT r.id, m.from_status, m.to_status, 'system', m.reason, '', m.at
            FROM (
                SELECT q.*, CASE WHEN q.status = 'submitted' THEN 1
                                 WHEN q.status IN ('home_denied', 'home_approved', 'cancelled') THEN 2
                                 WHEN q.status IN ('host_denied', 'waitlisted', 'admitted', 'withdrawn') THEN 3
                                 ELSE 4 END AS reached
                FROM enrolment_enrolmentrequest q
            ) r
            CROSS JOIN generate_series(1, %s) k
            CROSS JOIN LATERAL (
                SELECT
                    CASE WHEN k > r.reached THEN r.status WHEN k = 1 THEN 'draft' WHEN k = 2 THEN 'submitted'
                         WHEN k = 3 THEN 'home_approved' ELSE 'admitted' END AS from_status,
                    CASE WHEN k > r.reached THEN r.status
                         WHEN k = 1 THEN 'submitted'
                         WHEN k = 2 THEN CASE WHEN r.status = 'home_denied' THEN 'home_denied' ELSE 'home_approved' END
                         WHEN k = 3 THEN CASE WHEN r.status IN ('host_denied', 'waitlisted') THEN r.status
                                              ELSE 'admitted' END
                         ELSE 'registered' END AS to_status,
                    CASE WHEN k > r.reached THEN 'other' ELSE 'automatic' END AS reason,
                    CASE WHEN k > r.reached THEN r.submitted_at + k * interval '3 days'
                         WHEN k = 1 THEN r.submitted_at
                         WHEN k = 2 THEN coalesce(r.home_approved_at, r.submitted_at + interval '2 days')
                         WHEN k = 3 THEN r.home_approved_at + ((r.id * 17) %% 360) * interval '1 hour'
                         ELSE r.host_registered_at END AS at
            ) AS m
            """,
            [EVENTS_PER_REQUEST],
        )


def measure(*, rounds: int, warmup: int) -> dict:
    coordinator = User.objects.get(email=COORDINATOR)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(coordinator)
    out = {}
    with override_settings(DEBUG=False, ALLOWED_HOSTS=["testserver"]):
        for name, path in (("page", "/insights/"), ("api", "/api/insights/zone/")):
            for _ in range(warmup):
                client.get(path)
            times, queries = [], set()
            for _ in range(rounds):
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    response = client.get(path)
                    times.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    raise CommandError(f"{path} answered {response.status_code}")
                queries.add(len(captured))
            out[name] = {
                "p50_ms": round(percentile(times, 50), 1),
                "p95_ms": round(percentile(times, 95), 1),
                "queries": sorted(queries)[0] if len(queries) == 1 else sorted(queries),
            }
    page = out.pop("page")
    return {**page, "api": out["api"]}
