"""The announcement of granted credit entries that apps above results listen to (credentials issues on it)."""

import pytest

from results.models import Recognition
from results.services import recognition as recognition_services
from results.services.recognition import recognised_subscribe, recognition_decide

from .test_recognition import board, record

__all__ = ["board"]  # the fixture, imported for pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard(monkeypatch):
    monkeypatch.setattr(recognition_services, "_recognised_subscribers", [])
    calls = []
    recognised_subscribe(calls.append)
    recognised_subscribe(calls.append)  # twice is once
    return calls


def test_a_granted_credit_entry_is_announced_once_after_commit(board, heard, django_capture_on_commit_callbacks):
    request = board.registered()
    record(board, request)
    item = Recognition.objects.get(request=request)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        recognition_decide(user=board.board, recognition_id=item.pk, recognised=True, reason="Fits", counts_as="minor")
    assert heard == []  # not before the commit
    for callback in callbacks:
        callback()
    assert heard == [item.pk]


def test_a_denial_is_not_announced(board, heard, django_capture_on_commit_callbacks):
    request = board.registered()
    record(board, request)
    item = Recognition.objects.get(request=request)
    with django_capture_on_commit_callbacks(execute=True):
        recognition_decide(user=board.board, recognition_id=item.pk, recognised=False, reason="Overlaps")
    assert heard == []
