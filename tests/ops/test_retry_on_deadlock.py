"""core.db.retry_on_deadlock: which failures run a service again, and when it must not."""

import pytest
from django.db import OperationalError, transaction
from psycopg import errors as pg_errors

from core.db import retry_on_deadlock


def _failing(cause: BaseException, failures: int):
    calls = []

    @retry_on_deadlock
    def service():
        calls.append(1)
        if len(calls) <= failures:
            raise OperationalError("aborted") from cause
        return "done"

    return service, calls


def test_a_deadlock_runs_the_service_again():
    service, calls = _failing(pg_errors.DeadlockDetected("deadlock detected"), failures=2)
    assert service() == "done"
    assert len(calls) == 3


def test_it_gives_up_after_the_last_attempt():
    service, calls = _failing(pg_errors.SerializationFailure("could not serialize"), failures=5)
    with pytest.raises(OperationalError):
        service()
    assert len(calls) == 3


def test_other_database_errors_are_not_retried():
    service, calls = _failing(pg_errors.UndefinedTable("no such table"), failures=1)
    with pytest.raises(OperationalError):
        service()
    assert len(calls) == 1


@pytest.mark.django_db
def test_inside_a_callers_transaction_nothing_is_retried():
    service, calls = _failing(pg_errors.DeadlockDetected("deadlock detected"), failures=1)
    with pytest.raises(OperationalError), transaction.atomic():
        service()
    assert len(calls) == 1
