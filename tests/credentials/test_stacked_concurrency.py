"""Two issues of one whole for one holder at the same moment (two module credentials' listeners finishing
together): the holder's row lock serialises them, so one credential is issued and both get it. The control
takes the lock away and holds both inside the window between "none issued yet" and the insert: then both
try to issue, and only the partial unique constraint (one issued stacked credential per definition and
holder) stops the second."""

import threading

import pytest
from django.db import IntegrityError, connection

from credentials import selectors, services
from credentials.models import IssuedCredential

from .test_stacked import passed, stack, whole

__all__ = ["stack"]  # the fixture, imported for pytest


class _Immediately:
    """``on_commit`` runs at once outside a test transaction: nothing to capture."""

    def __init__(self, execute=True):
        pass

    def __enter__(self):
        return []

    def __exit__(self, *exc):
        return False


def _race(definition, holder, *, window):
    barrier = threading.Barrier(2)
    outcomes = []

    def issue():
        try:
            barrier.wait(timeout=10)
            outcomes.append(services.stacked_credential_issue(definition=definition, holder=holder).pk)
        except IntegrityError:
            outcomes.append("refused by the constraint")
        finally:
            connection.close()

    read = selectors.stack_components

    def slow_read(**kwargs):
        found = read(**kwargs)
        window()
        return found

    selectors.stack_components = slow_read
    try:
        threads = [threading.Thread(target=issue) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        selectors.stack_components = read
    return outcomes


@pytest.fixture
def complete(stack):
    """All three module credentials issued before the whole had a definition: nothing stacked yet."""
    for index in range(3):
        passed(stack, index, _Immediately)
    assert not IssuedCredential.objects.filter(result__isnull=True).exists()
    return whole(stack)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_issues_of_a_whole_issue_it_once(stack, complete):
    outcomes = _race(complete, stack.learner, window=lambda: threading.Event().wait(0.3))
    (issued,) = IssuedCredential.objects.filter(result__isnull=True)
    assert outcomes == [issued.pk, issued.pk]


@pytest.mark.django_db(transaction=True)
def test_control_without_the_holders_lock_both_try_and_the_constraint_refuses_one(stack, complete, monkeypatch):
    monkeypatch.setattr(services, "_lock_holder", lambda holder: None)
    inside = threading.Barrier(2)
    outcomes = _race(complete, stack.learner, window=lambda: inside.wait(timeout=10))
    (issued,) = IssuedCredential.objects.filter(result__isnull=True)
    assert sorted(outcomes, key=str) == sorted([issued.pk, "refused by the constraint"], key=str)
