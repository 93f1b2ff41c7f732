"""The home examination board reviews a submitted version: approve, deny, or ask for changes with a
comment on each item concerned; and sets its programmes' composition rules.

A decision names the version and the ``row_version`` the board member read: approving what someone else
has decided on, or a version that is no longer the current one, answers 409 (``StaleVersionError``)
before the lifecycle is asked.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction

from catalogue.models import Course, Level
from institutions.models import Programme
from routes.mijndiploma import lifecycle
from routes.mijndiploma.errors import (
    BAD_RULES_MESSAGE,
    COMMENT_REQUIRED_MESSAGE,
    UNKNOWN_DECISION_MESSAGE,
    UNKNOWN_ITEM_MESSAGE,
    MijnDiplomaError,
    NotAllowedError,
    StaleVersionError,
)
from routes.mijndiploma.models import ProgrammeRules, ProgrammeVersion, VersionStatus
from routes.mijndiploma.permissions import is_board_of, may_decide
from routes.mijndiploma.services.composing import lock_version, stale_check


def version_decide(
    *,
    user,
    version_id,
    row_version,
    decision: str,
    comment: str = "",
    item_comments: dict | None = None,
) -> ProgrammeVersion:
    """Decide on a submitted version: ``approve``, ``deny`` or ``ask_changes`` (with at least one comment).

    Locks the composed programme, then the version (``lock_version``). Raises VersionNotFoundError (404) for a version the
    user may not see, NotAllowedError (403) for anyone but the board of the student's home institution,
    StaleVersionError (409) for a stale ``row_version`` or a version that is not the latest,
    WrongStateError (409) unless submitted, MijnDiplomaError (400) for an unknown decision or item.
    Approving supersedes the previously approved version in the same transaction. All or nothing.
    """
    verb = lifecycle.DECISIONS.get(decision)
    if verb is None:
        raise MijnDiplomaError(UNKNOWN_DECISION_MESSAGE, code="unknown_decision")
    item_comments = {str(k): (v or "").strip()[:2000] for k, v in (item_comments or {}).items()}
    comment = (comment or "").strip()[:2000]
    with transaction.atomic():
        version = lock_version(user, version_id)
        if not may_decide(user, version):
            raise NotAllowedError()
        latest = version.composed.versions.order_by("-number").values_list("pk", flat=True).first()
        if latest != version.pk:
            raise StaleVersionError()
        stale_check(version, row_version)
        lifecycle.VERSION.check(version, verb)
        items = {str(item.pk): item for item in version.items.all()}
        if set(item_comments) - set(items):
            raise MijnDiplomaError(UNKNOWN_ITEM_MESSAGE, code="unknown_item")
        if verb is lifecycle.ASK_CHANGES and not comment and not any(item_comments.values()):
            raise MijnDiplomaError(COMMENT_REQUIRED_MESSAGE, code="comment_required")
        for pk, text in item_comments.items():
            if items[pk].board_comment != text:
                items[pk].board_comment = text
                items[pk].save(update_fields=["board_comment"])
        if verb is lifecycle.APPROVE:
            previous = (
                ProgrammeVersion.objects.select_for_update()
                .filter(composed_id=version.composed_id, status=VersionStatus.APPROVED)
                .first()
            )
            if previous is not None:
                lifecycle.VERSION.transition(previous, verb=lifecycle.SUPERSEDE, actor=user)
        version.decided_by = user
        version.decision_comment = comment
        version.row_version += 1
        lifecycle.VERSION.transition(
            version,
            verb=verb,
            extra_fields=["decided_by", "decision_comment", "row_version"],
            actor=user,
            comment=comment,
        )
        return version


def _decimal(value, *, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise MijnDiplomaError(BAD_RULES_MESSAGE, code="invalid_rules", extra={"field": field}) from None
    if not number.is_finite() or number < 0 or number > 999:
        raise MijnDiplomaError(BAD_RULES_MESSAGE, code="invalid_rules", extra={"field": field})
    return number


def rules_set(
    *,
    user,
    programme_id,
    ec_min,
    ec_max,
    outside_home_max,
    level_minimums: dict,
    core_course_ids: list,
) -> ProgrammeRules:
    """Set a programme's composition rules. Only its institution's examination board (403 otherwise).
    Core courses must exist; levels must be the catalogue's. MijnDiplomaError (400), nothing written."""
    programme = Programme.objects.filter(pk=programme_id).first() if str(programme_id).isdigit() else None
    if programme is None or not is_board_of(user, programme.institution_id):
        raise NotAllowedError()
    minimums = {}
    for level, value in (level_minimums or {}).items():
        if level not in Level.values:
            raise MijnDiplomaError(BAD_RULES_MESSAGE, code="invalid_rules", extra={"field": "level_minimums"})
        minimums[level] = float(_decimal(value, field="level_minimums"))
    low, high = _decimal(ec_min, field="ec_min"), _decimal(ec_max, field="ec_max")
    if high < low or high < 1:
        raise MijnDiplomaError(BAD_RULES_MESSAGE, code="invalid_rules", extra={"field": "ec_max"})
    try:
        wanted = {int(pk) for pk in core_course_ids}
    except (TypeError, ValueError):
        raise MijnDiplomaError(BAD_RULES_MESSAGE, code="invalid_rules", extra={"field": "core_courses"}) from None
    courses = list(Course.objects.filter(pk__in=wanted))
    if len(courses) != len(wanted):
        raise MijnDiplomaError(BAD_RULES_MESSAGE, code="invalid_rules", extra={"field": "core_courses"})
    with transaction.atomic():
        rules, _created = ProgrammeRules.objects.select_for_update().get_or_create(programme=programme)
        rules.ec_min, rules.ec_max = low, high
        rules.outside_home_max = _decimal(outside_home_max, field="outside_home_max")
        rules.level_minimums = minimums
        rules.updated_by = user
        rules.full_clean()
        rules.save()
        rules.core_courses.set(courses)
        return rules
