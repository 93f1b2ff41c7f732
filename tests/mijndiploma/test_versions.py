"""Versions: a draft is saved with the row version read, submitted whole and frozen, decided by the home
board (approve, deny, ask for changes with comments per item); a change after a decision is a new version;
a stale save or approval answers 409 with nothing written."""

import pytest

from core.errors import WrongStateError
from routes.mijndiploma.errors import (
    NotAllowedError,
    NotCompliantError,
    NotEditableError,
    StaleVersionError,
    VersionNotFoundError,
)
from routes.mijndiploma.models import ProgrammeVersion, VersionEvent, VersionItem
from routes.mijndiploma.services import composing, review
from tests.factories import StaffRoleFactory


def _valid(zone):
    return zone.compose(zone.offer(ec=5, code="HOME1"), zone.offer(zone.x, ec=5, quarter=2, code="XCRS1"))


def _submit(zone, version):
    return composing.version_submit(user=zone.student.user, version_id=version.pk, row_version=version.row_version)


def test_each_save_bumps_the_row_version(zone):
    version = zone.compose(zone.offer())
    assert version.row_version == 2
    again = composing.version_save(user=zone.student.user, version_id=version.pk, row_version=2, items=[])
    assert again.row_version == 3
    assert not again.items.exists()


def test_a_stale_save_answers_409_and_writes_nothing(zone):
    offering = zone.offer(code="KEEP1")
    version = zone.compose(offering)
    with pytest.raises(StaleVersionError) as refused:
        composing.version_save(user=zone.student.user, version_id=version.pk, row_version=1, items=[])
    assert refused.value.status_code == 409
    assert refused.value.extra == {"current_row_version": 2}
    assert list(VersionItem.objects.filter(version=version).values_list("offering_id", flat=True)) == [offering.pk]


def test_submit_freezes_the_version(zone):
    version = _submit(zone, _valid(zone))
    assert version.status == "submitted" and version.submitted_at
    with pytest.raises(NotEditableError):
        composing.version_save(user=zone.student.user, version_id=version.pk, row_version=version.row_version, items=[])
    assert version.items.count() == 2


def test_submit_refuses_a_programme_that_breaks_the_rules(zone):
    version = zone.compose(zone.offer(ec=5))
    with pytest.raises(NotCompliantError) as refused:
        _submit(zone, version)
    assert refused.value.extra == {"reasons": ["ec_under", "level_minimum"]}
    version.refresh_from_db()
    assert version.status == "draft"


def test_the_board_asks_for_changes_with_a_comment_on_one_item_then_approves_version_2(zone):
    version = _submit(zone, _valid(zone))
    item = version.items.get(offering__course__code="XCRS1")
    decided = review.version_decide(
        user=zone.board,
        version_id=version.pk,
        row_version=version.row_version,
        decision="ask_changes",
        item_comments={item.pk: "Take the English-taught run."},
    )
    assert decided.status == "changes_requested"
    item.refresh_from_db()
    assert item.board_comment == "Take the English-taught run."
    second = composing.version_new(user=zone.student.user)
    assert second.number == 2 and second.status == "draft"
    assert sorted(second.items.values_list("offering_id", flat=True)) == sorted(
        version.items.values_list("offering_id", flat=True)
    )
    _submit(zone, ProgrammeVersion.objects.get(pk=second.pk))
    second.refresh_from_db()
    approved = review.version_decide(
        user=zone.board, version_id=second.pk, row_version=second.row_version, decision="approve"
    )
    assert approved.status == "approved" and approved.decided_by == zone.board
    assert list(VersionEvent.objects.filter(version=second).values_list("verb", flat=True)) == ["submit", "approve"]


def test_approving_a_later_version_supersedes_the_earlier_approval(zone):
    first = _submit(zone, _valid(zone))
    review.version_decide(user=zone.board, version_id=first.pk, row_version=first.row_version, decision="approve")
    second = composing.version_new(user=zone.student.user)
    second = _submit(zone, ProgrammeVersion.objects.get(pk=second.pk))
    review.version_decide(user=zone.board, version_id=second.pk, row_version=second.row_version, decision="approve")
    first.refresh_from_db()
    assert first.status == "superseded"


def test_a_stale_version_approval_answers_409(zone):
    """Board member A opens version 1; B asks for changes; the student submits version 2; A's approval of
    version 1 is refused as stale, and nothing changes."""
    version = _submit(zone, _valid(zone))
    seen_by_a = version.row_version
    colleague = StaffRoleFactory(institution=zone.home, role="exam_board").user
    review.version_decide(
        user=colleague, version_id=version.pk, row_version=seen_by_a, decision="ask_changes", comment="Add a minor."
    )
    second = composing.version_new(user=zone.student.user)
    _submit(zone, ProgrammeVersion.objects.get(pk=second.pk))
    with pytest.raises(StaleVersionError) as refused:
        review.version_decide(user=zone.board, version_id=version.pk, row_version=seen_by_a, decision="approve")
    assert refused.value.status_code == 409
    assert dict(ProgrammeVersion.objects.filter(composed=version.composed).values_list("number", "status")) == {
        1: "changes_requested",
        2: "submitted",
    }


def test_a_stale_row_version_on_the_current_version_answers_409(zone):
    version = _submit(zone, _valid(zone))
    with pytest.raises(StaleVersionError):
        review.version_decide(
            user=zone.board, version_id=version.pk, row_version=version.row_version - 1, decision="approve"
        )
    version.refresh_from_db()
    assert version.status == "submitted"


def test_a_decided_version_cannot_be_decided_again(zone):
    version = _submit(zone, _valid(zone))
    decided = review.version_decide(
        user=zone.board, version_id=version.pk, row_version=version.row_version, decision="deny"
    )
    with pytest.raises(WrongStateError):
        review.version_decide(
            user=zone.board, version_id=version.pk, row_version=decided.row_version, decision="approve"
        )


def test_only_the_board_of_the_home_institution_decides(zone):
    version = _submit(zone, _valid(zone))
    with pytest.raises(VersionNotFoundError):  # another institution's board does not see it at all
        review.version_decide(
            user=zone.other_board, version_id=version.pk, row_version=version.row_version, decision="approve"
        )
    approver = StaffRoleFactory(institution=zone.home, role="home_approver").user
    with pytest.raises(VersionNotFoundError):
        review.version_decide(user=approver, version_id=version.pk, row_version=version.row_version, decision="approve")
    with pytest.raises(NotAllowedError):  # the student sees it but is no board
        review.version_decide(
            user=zone.student.user, version_id=version.pk, row_version=version.row_version, decision="approve"
        )
    version.refresh_from_db()
    assert version.status == "submitted"


def test_the_board_does_not_see_drafts(zone):
    version = _valid(zone)
    with pytest.raises(VersionNotFoundError):
        review.version_decide(
            user=zone.board, version_id=version.pk, row_version=version.row_version, decision="approve"
        )


def test_no_new_version_while_one_is_open(zone):
    _valid(zone)
    with pytest.raises(Exception) as refused:
        composing.version_new(user=zone.student.user)
    assert refused.value.code == "version_open"
    assert ProgrammeVersion.objects.count() == 1


def test_asking_changes_needs_a_comment(zone):
    version = _submit(zone, _valid(zone))
    with pytest.raises(Exception) as refused:
        review.version_decide(
            user=zone.board, version_id=version.pk, row_version=version.row_version, decision="ask_changes"
        )
    assert refused.value.code == "comment_required"
    version.refresh_from_db()
    assert version.status == "submitted"
