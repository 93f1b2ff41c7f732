"""The machinery of ``manage.py bench enrolment_burst`` at a tiny size: a real gunicorn with two workers on
the test database, students logged in through allauth headless, concurrent HTTP clients. This checks that
the benchmark measures what it says and that the seats hold under it; the figures themselves are in
docs/benchmarks.md, measured at full size (a benchmark, not a timed test)."""

from django.db import connection
from django.test import override_settings
from rest_framework.test import APIClient

from bench import enrolment_burst
from bench.enrolment_burst import ServerConfig
from bench.views import FLOOR_TABLE, FLOOR_TABLE_SQL
from tests.factories import StudentProfileFactory

STUDENTS = 60
OFFERINGS = 3
SEATS = 5

FIELDS = {
    "requests",
    "requests_per_s",
    "p50_ms",
    "p95_ms",
    "errors",
    "admitted_max_per_offering",
    "overbooked",
    "floor_requests_per_s",
    "ratio",
    "decided_per_s",
    "post_ratio",
    "fcfs_order_violations",
}


def test_a_small_burst_over_http_fills_every_seat_and_never_overbooks(transactional_db):
    result = enrolment_burst.measure(
        students=STUDENTS,
        offerings=OFFERINGS,
        seats=SEATS,
        concurrency=16,
        server=ServerConfig(workers=2, worker_class="gthread", threads=2),
        warmup=8,
    )
    assert result.keys() >= FIELDS, result
    assert result["requests"] == STUDENTS
    assert result["errors"] == 0, result["statuses"]
    assert result["floor_errors"] == 0
    # The framework floor authenticates each request with the student's token: a refused one is an error.
    assert result["framework_floor_errors"] == 0
    assert result["framework_floor_requests_per_s"] > 0
    assert (
        abs(result["framework_ratio"] - result["framework_floor_requests_per_s"] / result["floor_requests_per_s"])
        < 0.01
    )
    assert result["overbooked"] == 0
    assert result["seats_taken_mismatch"] == 0
    assert result["admitted_max_per_offering"] == SEATS
    # Portal-managed institutions on both sides: admitted requests are registered at once.
    assert result["request_states"] == {"registered": OFFERINGS * SEATS, "waitlisted": STUDENTS - OFFERINGS * SEATS}
    assert result["requests_per_s"] > 0 and result["floor_requests_per_s"] > 0
    assert result["p50_ms"] <= result["p95_ms"]
    # Queued admission: every POST answered 202, a worker decided them all, first come first served.
    assert result["queued_admission"] is True
    assert result["statuses"] == {"202": STUDENTS}
    assert result["undecided"] == 0
    assert result["fcfs_order_violations"] == 0
    assert 0 < result["decided_per_s"] <= result["requests_per_s"] + 0.1  # decided after they were posted
    assert abs(result["ratio"] - result["decided_per_s"] / result["floor_requests_per_s"]) < 0.01
    assert abs(result["post_ratio"] - result["requests_per_s"] / result["floor_requests_per_s"]) < 0.01
    # Every change was queued for the notification worker after its commit: one task per batch, the batch's
    # events together (the burst's batches, and the warm-up's).
    assert 1 <= result["batches"] <= STUDENTS
    assert result["notifications_queued"] >= result["batches"]


def test_with_no_queue_worker_every_request_is_decided_inline_as_before(transactional_db):
    result = enrolment_burst.measure(
        students=20,
        offerings=2,
        seats=5,
        concurrency=8,
        server=ServerConfig(workers=2, worker_class="gthread", threads=2),
        warmup=4,
        queue_workers=0,
    )
    assert result["queued_admission"] is False
    assert result["statuses"] == {"201": 20}
    assert result["request_states"] == {"registered": 10, "waitlisted": 10}
    assert result["overbooked"] == 0
    assert result["decided_per_s"] == result["requests_per_s"]  # decided in the POST itself
    assert "fcfs_order_violations" not in result  # no arrival numbers without the queue


@override_settings(ROOT_URLCONF="portal.bench_urls")
def test_the_framework_floor_authenticates_like_the_api(db):
    """The framework floor is only a floor if it pays for the API's authentication: an anonymous request is
    refused and writes nothing, a signed-in student's writes its one row."""
    with connection.cursor() as cursor:
        cursor.execute(FLOOR_TABLE_SQL)
    client = APIClient()
    path = enrolment_burst.FRAMEWORK_FLOOR_PATH

    refused = client.post(path, {"offering": 1}, format="json", headers={"Idempotency-Key": "anonymous"})
    assert refused.status_code in (401, 403)

    client.force_login(StudentProfileFactory().user)
    answered = client.post(path, {"offering": 7}, format="json", headers={"Idempotency-Key": "signed-in"})
    assert answered.status_code == 201
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT idempotency_key, body FROM {FLOOR_TABLE}")  # noqa: S608 (a constant name)
        assert cursor.fetchall() == [("signed-in", "7")]
