"""Bad input: tampered ids, offerings the student may not see, circular prerequisites: a clear error and
nothing written."""

import pytest

from routes.mijndiploma.errors import (
    CircularPrerequisitesError,
    MijnDiplomaError,
    NotAllowedError,
    OfferingNotAllowedError,
    VersionNotFoundError,
)
from routes.mijndiploma.models import VersionItem
from routes.mijndiploma.services import composing, review
from tests.factories import StudentProfileFactory


@pytest.fixture
def draft(zone):
    version = zone.compose(zone.offer(code="KEPT1"))
    return version


def _items(version):
    return list(VersionItem.objects.filter(version=version).values_list("offering__course__code", flat=True))


def _save(zone, version, items, user=None):
    return composing.version_save(
        user=user or zone.student.user, version_id=version.pk, row_version=version.row_version, items=items
    )


@pytest.mark.parametrize("tampered", ["abc", "99999999", "-1", None, "1; DROP TABLE"])
def test_a_tampered_offering_id(zone, draft, tampered):
    with pytest.raises(OfferingNotAllowedError) as refused:
        _save(zone, draft, [{"offering": zone.offer().pk}, {"offering": tampered}])
    assert str(refused.value.message).startswith("One of the chosen offerings does not exist (")
    draft.refresh_from_db()
    assert _items(draft) == ["KEPT1"] and draft.row_version == 2


@pytest.mark.parametrize("tampered", ["abc", "0", "99999999"])
def test_a_tampered_version_id(zone, draft, tampered):
    with pytest.raises(VersionNotFoundError):
        composing.version_save(user=zone.student.user, version_id=tampered, row_version=2, items=[])
    assert _items(draft) == ["KEPT1"]


def test_another_students_version_is_not_found(zone, draft):
    intruder = StudentProfileFactory(home_institution=zone.home)
    with pytest.raises(VersionNotFoundError):
        _save(zone, draft, [], user=intruder.user)
    assert _items(draft) == ["KEPT1"]


def test_the_board_cannot_change_a_students_items(zone, draft):
    with pytest.raises(VersionNotFoundError):
        _save(zone, draft, [], user=zone.board)
    assert _items(draft) == ["KEPT1"]


@pytest.mark.parametrize(
    "hidden",
    [
        {"visible_partners": False},  # another institution's offering, not open to partners
        {"is_archived": True},
    ],
)
def test_an_invisible_offering_of_another_institution(zone, draft, hidden):
    offering = zone.offer(zone.x, code="HIDE1", **hidden)
    with pytest.raises(OfferingNotAllowedError) as refused:
        _save(zone, draft, [{"offering": offering.pk}])
    assert str(refused.value.message) == f"#{offering.pk} is not open to students of your institution."
    assert _items(draft) == ["KEPT1"]


def test_an_own_offering_closed_to_own_students(zone, draft):
    offering = zone.offer(code="HIDE2", visible_own_students=False)
    with pytest.raises(OfferingNotAllowedError):
        _save(zone, draft, [{"offering": offering.pk}])
    assert _items(draft) == ["KEPT1"]


def test_circular_prerequisites(zone, draft):
    a, b = zone.offer(code="CIRC1"), zone.offer(zone.x, code="CIRC2", quarter=2)
    c = zone.offer(zone.y, code="CIRC3")
    a.course.prerequisites.add(b.course)
    b.course.prerequisites.add(c.course)
    c.course.prerequisites.add(a.course)
    with pytest.raises(CircularPrerequisitesError) as refused:
        _save(zone, draft, [{"offering": a.pk}])
    assert str(refused.value.message) == (
        "The prerequisites of CIRC1, CIRC2, CIRC3 require each other in a circle, so they cannot be put in order. "
        "Ask the institutions concerned to correct their prerequisites, or leave one of these courses out."
    )
    draft.refresh_from_db()
    assert _items(draft) == ["KEPT1"] and draft.row_version == 2


def test_a_chain_without_a_circle_is_fine(zone, draft):
    a, b = zone.offer(code="CHAIN1", quarter=2), zone.offer(code="CHAIN2")
    a.course.prerequisites.add(b.course)
    saved = _save(zone, draft, [{"offering": b.pk}, {"offering": a.pk}])
    assert sorted(_items(saved)) == ["CHAIN1", "CHAIN2"]


def test_a_non_student_cannot_start(zone):
    with pytest.raises(NotAllowedError):
        composing.programme_start(user=zone.board)


def _rules(zone, user, **changes):
    values = {
        "ec_min": "10",
        "ec_max": "30",
        "outside_home_max": "15",
        "level_minimums": {"bachelor": 10},
        "core_course_ids": [],
    }
    return review.rules_set(user=user, programme_id=zone.student.programme_id, **{**values, **changes})


@pytest.mark.parametrize(
    "changes",
    [
        {"ec_max": "5"},  # below the minimum
        {"ec_min": "NaN"},
        {"outside_home_max": "-1"},
        {"level_minimums": {"doctorate": 10}},
        {"core_course_ids": ["99999999"]},
        {"core_course_ids": ["x"]},
    ],
)
def test_the_boards_rules_refuse_nonsense_and_keep_the_old_ones(zone, changes):
    with pytest.raises(MijnDiplomaError) as refused:
        _rules(zone, zone.board, **changes)
    assert refused.value.code == "invalid_rules"
    zone.rules.refresh_from_db()
    assert (zone.rules.ec_min, zone.rules.ec_max, zone.rules.outside_home_max) == (10, 30, 15)


def test_only_the_programmes_own_board_sets_its_rules(zone):
    with pytest.raises(NotAllowedError):
        _rules(zone, zone.other_board, ec_max="60")
    saved = _rules(zone, zone.board, ec_max="60", core_course_ids=[zone.offer(code="CORE9").course_id])
    assert saved.ec_max == 60 and list(saved.core_courses.values_list("code", flat=True)) == ["CORE9"]
