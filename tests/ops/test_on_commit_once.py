"""``core.db.on_commit_once``: one callback per transaction however often it is asked for."""

import pytest
from django.db import transaction

from core.db import on_commit_once

pytestmark = pytest.mark.django_db


def test_asked_for_twice_it_runs_once_after_the_commit(django_capture_on_commit_callbacks):
    calls = []

    def work():
        calls.append(1)

    with django_capture_on_commit_callbacks(execute=True):
        on_commit_once(work)
        on_commit_once(work)
        assert calls == []  # not before the commit

    assert calls == [1]


def test_a_callback_rolled_back_with_its_savepoint_is_registered_again(django_capture_on_commit_callbacks):
    calls = []

    def work():
        calls.append(1)

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            on_commit_once(work)
            raise RuntimeError("rolled back")
        on_commit_once(work)

    assert calls == [1]
