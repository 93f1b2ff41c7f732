"""The lead-time summary (``insights.models.LeadTime``) and a move that commits late: behind the mark of
event ids when it becomes visible, it is caught by beat's run, which also recomputes the recent moves."""

from __future__ import annotations

import pytest

from enrolment.models import EnrolmentRequest, RequestEvent, Status
from insights import tasks
from insights.models import LeadTime, LeadTimeMark
from insights.services import lead_times_refresh
from tests.insights.world import World

pytestmark = pytest.mark.django_db


def test_a_move_that_commits_after_the_mark_passed_it_is_caught_by_beats_run():
    world = World("a").build()
    lead_times_refresh()
    waiting = EnrolmentRequest.objects.filter(home_institution=world.c, status=Status.SUBMITTED).first()
    assert not LeadTime.objects.filter(request=waiting).exists()  # no move yet

    # The home decides; a refresh elsewhere has meanwhile seen a higher id that committed first, so this
    # event, visible only now, is behind the mark.
    event = RequestEvent.objects.create(
        request=waiting, from_status=Status.SUBMITTED, to_status=Status.HOME_APPROVED, reason="automatic"
    )
    LeadTimeMark.objects.filter(pk=1).update(last_event_id=event.pk + 1)

    # Control: a dashboard read follows the ids only and does not see it.
    lead_times_refresh()
    assert not LeadTime.objects.filter(request=waiting).exists()

    # Beat's run recomputes the recent moves too.
    tasks.refresh_lead_times()
    kept = LeadTime.objects.get(request=waiting)
    assert kept.home_days is not None and kept.home_days > 0
    assert LeadTimeMark.objects.get(pk=1).last_event_id == event.pk + 1  # the mark never goes back
