"""Recording results: who may (the host's admissions, for its own offerings), from which state
(registered; completed for a later attempt), when (from the offering's end date), and corrections that
keep the history. Every refusal writes nothing."""

import datetime as dt

import pytest

from enrolment.models import RequestEvent, Status
from results.errors import NotHostError, NotRegisteredError, ResultError, StaleResultError, TooEarlyError
from results.models import Result
from results.services.results import (
    MAX_CSV_BYTES,
    ResultInput,
    current_result,
    result_correct,
    result_from_system,
    result_record,
    results_import_csv,
)

pytestmark = pytest.mark.django_db


def good(zone, **overrides):
    values = {"scale": "1-10", "score": "7.5", "ec": "5", "assessed_on": zone.offering.end_date, "examiner": "Dr. Vos"}
    return ResultInput(**(values | overrides))


def test_the_host_records_a_result_and_the_enrolment_completes(zone):
    request = zone.registered()
    result = result_record(user=zone.host_admissions, request_id=request.pk, data=good(zone))
    request.refresh_from_db()
    assert request.status == Status.COMPLETED
    assert (result.score, result.passed, result.ec, result.examiner, result.attempt) == ("7.5", True, 5, "Dr. Vos", 1)
    assert result.recorded_by == zone.host_admissions and result.source == Result.Source.PORTAL
    event = RequestEvent.objects.filter(request=request).latest("pk")
    assert (event.to_status, event.reason, event.actor) == (Status.COMPLETED, "result_recorded", zone.host_admissions)


def test_a_result_before_the_end_date_is_refused(zone):
    request = zone.registered()
    zone.offering.end_date = zone.today + dt.timedelta(days=1)
    zone.offering.save(update_fields=["end_date"])
    with pytest.raises(TooEarlyError, match="end date"):
        result_record(user=zone.host_admissions, request_id=request.pk, data=good(zone, assessed_on=zone.today))
    request.refresh_from_db()
    assert request.status == Status.REGISTERED and not Result.objects.exists()


@pytest.mark.parametrize("who", ["other_admissions", "home_approver", "student"])
def test_only_the_hosts_admissions_record(zone, who):
    request = zone.registered()
    user = zone.student.user if who == "student" else getattr(zone, who)
    with pytest.raises(NotHostError):
        result_record(user=user, request_id=request.pk, data=good(zone))
    assert not Result.objects.exists()


def test_a_host_cannot_record_for_another_institutions_offering(zone):
    """The axis "for which institution": the other host's own admissions may, ours may not."""
    request = zone.registered(offering=zone.other_offering)
    with pytest.raises(NotHostError):
        result_record(user=zone.host_admissions, request_id=request.pk, data=good(zone))
    result_record(user=zone.other_admissions, request_id=request.pk, data=good(zone))
    assert Result.objects.get().request == request


@pytest.mark.parametrize("status", [Status.ADMITTED, Status.WITHDRAWN, Status.CANCELLED])
def test_only_from_registered_or_completed(zone, status):
    request = zone.registered(status=status)
    with pytest.raises(NotRegisteredError):
        result_record(user=zone.host_admissions, request_id=request.pk, data=good(zone))
    assert not Result.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"score": "11"}, "not a score"),
        ({"score": "4.0", "ec": "5"}, "A fail earns 0 EC"),
        ({"ec": "6"}, "at most 5"),
        ({"ec": "lots"}, "not a number of EC"),
        ({"assessed_on": "31-01-2027"}, "not a date"),
        ({"scale": "stars"}, "Unknown grade scale"),
        ({"attempt": "0"}, "attempt"),
    ],
)
def test_bad_values_are_refused_with_the_rule(zone, overrides, message):
    request = zone.registered()
    with pytest.raises(ResultError, match=message):
        result_record(user=zone.host_admissions, request_id=request.pk, data=good(zone, **overrides))
    request.refresh_from_db()
    assert request.status == Status.REGISTERED and not Result.objects.exists()


def test_a_correction_keeps_the_history(zone):
    request = zone.registered()
    first = result_record(user=zone.host_admissions, request_id=request.pk, data=good(zone, score="5.0", ec="0"))
    with pytest.raises(ResultError, match="why"):
        result_correct(user=zone.host_admissions, result_id=first.pk, data=good(zone), reason=" ")
    second = result_correct(
        user=zone.host_admissions, result_id=first.pk, data=good(zone, score="6.5"), reason="Exam re-marked"
    )
    assert current_result(request) == second
    assert (second.corrects, second.reason, second.passed) == (first, "Exam re-marked", True)
    first.refresh_from_db()
    assert (first.score, first.is_current) == ("5.0", False)  # unchanged, and still there
    assert list(Result.objects.filter(request=request).order_by("pk")) == [first, second]
    # Correcting the old one again is refused: the latest wins.
    with pytest.raises(StaleResultError):
        result_correct(user=zone.host_admissions, result_id=first.pk, data=good(zone, score="9.0"), reason="again")
    assert Result.objects.count() == 2


def test_a_later_attempt_follows_a_fail(zone):
    request = zone.registered()
    result_record(user=zone.host_admissions, request_id=request.pk, data=good(zone, score="4.0", ec="0"))
    with pytest.raises(ResultError, match="Attempt 1 already has a result"):
        result_record(user=zone.host_admissions, request_id=request.pk, data=good(zone))
    resit = result_record(user=zone.host_admissions, request_id=request.pk, data=good(zone, attempt=2))
    assert current_result(request) == resit and resit.passed


def csv_bytes(*rows, header="offering,student,scale,score,ec,date,examiner"):
    return ("\n".join([header, *rows]) + "\n").encode()


def row(zone, email="ruth@student.example", score="8.0", code="RS101-A", ec="5"):
    return f"{code},{email},1-10,{score},{ec},{zone.offering.end_date.isoformat()},Dr. Vos"


def test_a_good_csv_records_every_row(zone):
    from tests.factories import StudentProfileFactory

    other = StudentProfileFactory(home_institution=zone.home, user__email="tom@student.example")
    first, second = zone.registered(), zone.registered(who=other)
    report = results_import_csv(
        user=zone.host_admissions,
        institution_id=zone.host.pk,
        content=csv_bytes(row(zone), row(zone, email="TOM@student.example", score='"6,0"')),
    )
    assert report.ok and len(report.written) == 2
    assert {r.request_id: r.score for r in Result.objects.all()} == {first.pk: "8.0", second.pk: "6.0"}
    assert set(Result.objects.values_list("source", flat=True)) == {Result.Source.CSV}


@pytest.mark.parametrize(
    ("content", "expect"),
    [
        ("wrong_columns", "columns are not right"),
        ("unknown_student", "No student nobody@student.example"),
        ("out_of_scale", "not a score"),
        ("tampered_offering", "No student ruth@student.example registered for offering RS202-A"),
        ("twice", "twice"),
        ("huge", "larger than"),
        ("not_utf8", "not UTF-8"),
        ("empty", "no rows"),
    ],
)
def test_a_bad_csv_is_reported_and_writes_nothing(zone, content, expect):
    request = zone.registered()
    zone.registered(offering=zone.other_offering)  # a request of another host: its code must not resolve
    files = {
        "wrong_columns": csv_bytes(row(zone), header="course,email,scale,score,ec,date,examiner"),
        "unknown_student": csv_bytes(row(zone), row(zone, email="nobody@student.example")),
        "out_of_scale": csv_bytes(row(zone, score="12")),
        "tampered_offering": csv_bytes(row(zone), row(zone, code="RS202-A")),
        "twice": csv_bytes(row(zone), row(zone)),
        "huge": csv_bytes(*[row(zone)] * (MAX_CSV_BYTES // 40)),
        "not_utf8": csv_bytes(row(zone)).replace(b"Vos", b"V\xf6s"),
        "empty": csv_bytes(),
    }
    report = results_import_csv(user=zone.host_admissions, institution_id=zone.host.pk, content=files[content])
    assert not report.ok and not report.written
    messages = report.problem + " ".join(message for _line, message in report.rejected)
    assert expect in messages
    if report.rejected:
        assert all(line >= 2 for line, _message in report.rejected)  # the file's own line numbers
    request.refresh_from_db()
    assert request.status == Status.REGISTERED and not Result.objects.exists()


def test_a_csv_row_refused_late_rolls_back_the_rows_before_it(zone):
    """A row that passes the first check but fails on recording (its offering has not ended) undoes the
    rows already written in the same file."""
    from tests.factories import StudentProfileFactory

    other = StudentProfileFactory(home_institution=zone.home, user__email="tom@student.example")
    zone.registered()
    late = zone.registered(who=other)
    content = csv_bytes(row(zone), row(zone, email="tom@student.example", score="99"))
    report = results_import_csv(user=zone.host_admissions, institution_id=zone.host.pk, content=content)
    assert [line for line, _m in report.rejected] == [3] and not report.written
    assert not Result.objects.exists() and late.results.count() == 0


def test_only_the_hosts_admissions_import(zone):
    with pytest.raises(NotHostError):
        results_import_csv(user=zone.other_admissions, institution_id=zone.host.pk, content=csv_bytes(row(zone)))


def course_result(zone, **overrides):
    return {
        "state": "completed",
        "pass": "passed",
        "score": "8.5",
        "resultDate": zone.offering.end_date.isoformat(),
        "studyLoad": {"studyLoadUnit": "ects", "value": 5},
    } | overrides


def test_a_result_from_the_hosts_system_completes_and_is_idempotent(zone):
    request = zone.registered()
    first = result_from_system(request_id=request.pk, course_result=course_result(zone))
    again = result_from_system(request_id=request.pk, course_result=course_result(zone))
    request.refresh_from_db()
    assert first == again and request.status == Status.COMPLETED
    assert (first.source, first.recorded_by, first.score) == (Result.Source.SYSTEM, None, "8.5")
    corrected = result_from_system(request_id=request.pk, course_result=course_result(zone, score="9"))
    assert corrected.corrects == first and corrected.reason


def test_an_unfinished_result_from_the_system_is_not_recorded(zone):
    request = zone.registered()
    assert result_from_system(request_id=request.pk, course_result=course_result(zone, state="in progress")) is None
    assert not Result.objects.exists()
