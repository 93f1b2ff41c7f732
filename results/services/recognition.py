"""Recognition by the home examination board: pre-approval before the course (which counts as the home
approval of the enrolment), credit entry after it; grade conversion; the precedent library.

Who: the student asks pre-approval for their own request; the examination board of the student's home
institution decides, and manages the precedents of its own programmes. From which state: a recognition is
decided while waiting, once. A matching, valid precedent decides at once, and the recognition names it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import StaffRole
from core.errors import ConflictError, NotFoundError, PermissionDeniedError
from core.i18n import lazy_format
from enrolment import locks
from enrolment.models import EnrolmentRequest, Status
from enrolment.permissions import has_role
from enrolment.services.approval import home_approve_recognised
from results import messages
from results.conversion import ConversionError, Table, convert
from results.errors import ResultError
from results.models import ConversionTable, Recognition, RecognitionPrecedent, Result
from results.scales import Scale, parse


def as_id(value) -> int | None:
    """A primary key from outside (a URL, a form), or None for anything that is not one."""
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


BOARD = StaffRole.Role.EXAMINATION_BOARD
PRE_APPROVABLE = (Status.SUBMITTED, Status.HOME_APPROVED, Status.WAITLISTED, Status.SEAT_OFFERED, Status.ADMITTED)
HOME_SCALE = Scale.NL10  # the zone's home institutions grade on 1-10


class NotBoardError(PermissionDeniedError):
    code = "not_examination_board"

    def __init__(self):
        super().__init__(_("Only the examination board of the student's home institution decides on recognition."))


class RecognitionNotFoundError(NotFoundError):
    code = "recognition_not_found"

    def __init__(self):
        super().__init__(_("No such recognition request."))


# Apps above results (credentials) listen for granted credit entries; results imports none of them.
_recognised_subscribers: list[Callable[[int], None]] = []


def recognised_subscribe(subscriber: Callable[[int], None]) -> None:
    """Call ``subscriber(recognition_id)`` after the commit of every granted credit entry (by the board, a
    precedent or a pre-approval). Registered from an ``AppConfig.ready()``; subscribing twice is a no-op."""
    if subscriber not in _recognised_subscribers:
        _recognised_subscribers.append(subscriber)


def _announce_recognised(recognition: Recognition) -> None:
    """On commit, so a listener never sees a grant that was rolled back."""
    if recognition.kind != Recognition.Kind.CREDIT or recognition.status != Recognition.Status.RECOGNISED:
        return
    for subscriber in list(_recognised_subscribers):
        transaction.on_commit(partial(subscriber, recognition.pk))


def scope_of(request: EnrolmentRequest) -> str:
    """Where the course lies for the student: at another institution, in another faculty of their own, or
    outside their programme within their faculty."""
    if request.host_institution_id != request.home_institution_id:
        return Recognition.Scope.INSTITUTION
    programme = request.student.programme
    teachable = request.offering.course or request.offering.module
    if programme and _faculty(programme.unit) != _faculty(teachable.unit):
        return Recognition.Scope.FACULTY
    return Recognition.Scope.PROGRAMME


def _faculty(unit):
    while unit is not None and unit.parent_id is not None and unit.kind != "faculty":
        unit = unit.parent
    return unit.pk if unit is not None else None


def precedent_matching(*, programme_id, course_id, on: dt.date) -> RecognitionPrecedent | None:
    """The precedent for this course and programme that is valid on ``on``, if any."""
    if not programme_id or not course_id:
        return None
    return RecognitionPrecedent.objects.filter(programme_id=programme_id, course_id=course_id).valid_on(on).first()


def precedent_recognises(request: EnrolmentRequest, on: dt.date) -> str | None:
    """For enrolment's home review: a request is approved without staff when a valid precedent covers its
    course for the student's programme, or the board already pre-approved it."""
    if precedent_matching(programme_id=request.student.programme_id, course_id=request.offering.course_id, on=on):
        return "recognition_precedent"
    return None


def conversion_table_for(result: Result, request: EnrolmentRequest) -> ConversionTable | None:
    """The table for the pair of scales, the pair of institutions' own if there is one, else the zone's."""
    tables = ConversionTable.objects.filter(from_scale=result.scale, to_scale=HOME_SCALE.value)
    own = tables.filter(from_institution_id=request.host_institution_id, to_institution_id=request.home_institution_id)
    return own.first() or tables.filter(from_institution__isnull=True, to_institution__isnull=True).first()


def converted(result: Result, request: EnrolmentRequest) -> tuple[ConversionTable | None, str]:
    """The result on the home scale: as it is on the same scale, "pass" for pass/fail, else through the
    table (empty when there is none: the board enters it)."""
    if result.scale == HOME_SCALE.value:
        return None, result.score
    if result.scale == Scale.PASS_FAIL.value:
        return None, result.score
    table = conversion_table_for(result, request)
    if table is None:
        return None, ""
    rows = tuple((row.from_score, row.to_score) for row in table.rows.all())
    try:
        value = convert(parse(result.scale, result.score), Table(rows, table.pass_threshold, table.rounding))
    except ConversionError:
        return table, ""
    return table, str(value)


def _decided_by_precedent(recognition: Recognition, precedent: RecognitionPrecedent) -> None:
    recognition.status = Recognition.Status.RECOGNISED
    recognition.precedent = precedent
    recognition.counts_as = precedent.counts_as
    recognition.decided_at = timezone.now()
    recognition.reason = str(
        lazy_format(_("Decided by precedent %(id)s: %(precedent)s."), id=precedent.pk, precedent=str(precedent))
    )


def recognition_credit_open(*, result: Result) -> Recognition | None:
    """After a passing result at a portal-managed home: a credit-entry request in the board's queue, or
    decided at once by a valid precedent (or by the pre-approval the board already gave). Idempotent: a
    request that already has an open or granted credit entry gets no second one."""
    request = result.request
    if (
        not result.passed
        or Recognition.objects.filter(
            request=request, kind=Recognition.Kind.CREDIT, status__in=("waiting", "recognised")
        ).exists()
    ):
        return None
    table, score = converted(result, request)
    recognition = Recognition(
        request=request,
        kind=Recognition.Kind.CREDIT,
        scope=scope_of(request),
        programme=request.student.programme,
        result=result,
        conversion=table,
        converted_score=score,
    )
    precedent = precedent_matching(
        programme_id=request.student.programme_id, course_id=request.offering.course_id, on=result.assessed_on
    )
    pre = Recognition.objects.filter(
        request=request, kind=Recognition.Kind.PRE_APPROVAL, status=Recognition.Status.RECOGNISED
    ).first()
    if precedent is not None:
        _decided_by_precedent(recognition, precedent)
    elif pre is not None and score:
        recognition.status = Recognition.Status.RECOGNISED
        recognition.counts_as, recognition.decided_at = pre.counts_as, timezone.now()
        recognition.reason = str(_("Pre-approved by the examination board before the course."))
    recognition.save()
    _announce_recognised(recognition)
    return recognition


def recognition_preapproval_ask(*, user, request_id: int) -> Recognition:
    """The student asks the board, before the course starts, to recognise it in advance. A valid precedent
    decides at once. Granted, it counts as the home approval of the enrolment.

    Raises NotAllowedError-like 404 for anyone but the owner, ConflictError after the start or when one is
    open already, or for a request no longer active."""
    with transaction.atomic():
        try:
            held = locks.lock_request(request_id)
        except EnrolmentRequest.DoesNotExist:
            raise RecognitionNotFoundError() from None
        request = held.request(request_id)
        if request.student.user_id != getattr(user, "pk", None):
            raise RecognitionNotFoundError()
        if request.status not in PRE_APPROVABLE:
            raise ConflictError(_("Pre-approval can be asked for a request that is under way, not one that has ended."))
        if request.offering.start_date <= timezone.localdate():
            raise ConflictError(
                _("Pre-approval is asked before the course starts; afterwards, the result is recognised.")
            )
        recognition = Recognition(
            request=request,
            kind=Recognition.Kind.PRE_APPROVAL,
            scope=scope_of(request),
            programme=request.student.programme,
        )
        precedent = precedent_matching(
            programme_id=request.student.programme_id, course_id=request.offering.course_id, on=timezone.localdate()
        )
        if precedent is not None:
            _decided_by_precedent(recognition, precedent)
        try:
            with transaction.atomic():
                recognition.save()
        except IntegrityError:
            raise ConflictError(_("You already asked for pre-approval of this course.")) from None
    if recognition.status == Recognition.Status.RECOGNISED:
        home_approve_recognised(request_id=request_id)
    return recognition


def _board_check(user, recognition: Recognition) -> None:
    if not has_role(user, recognition.request.home_institution_id, BOARD):
        raise NotBoardError()


def recognition_for_board(user, recognition_id) -> Recognition:
    recognition = (
        Recognition.objects.select_related("request__offering", "request__student", "result")
        .filter(pk=as_id(recognition_id) or 0)
        .first()
    )
    if recognition is None or not has_role(user, recognition.request.home_institution_id, BOARD):
        raise RecognitionNotFoundError()
    return recognition


def recognition_decide(
    *,
    user,
    recognition_id: int,
    recognised: bool,
    reason: str,
    counts_as: str = "",
    converted_score: str = "",
    make_precedent: bool = False,
    precedent_valid_until: dt.date | None = None,
) -> Recognition:
    """The board decides a waiting recognition, with a reason; granted, with what the course counts as and
    the converted grade (the table's, unless the board gives one on the home scale). Optionally the decision
    becomes a precedent. A granted pre-approval approves the enrolment at home.

    Raises RecognitionNotFoundError (404) for another board, ConflictError (409) unless waiting,
    ResultError (400) for a missing reason or a grade off the home scale."""
    reason = (reason or "").strip()
    with transaction.atomic():
        recognition = recognition_for_board(user, recognition_id)
        recognition = Recognition.objects.select_for_update().get(pk=recognition.pk)
        if recognition.status != Recognition.Status.WAITING:
            raise ConflictError(_("This recognition has been decided already."))
        if not reason:
            raise ResultError(_("Give the reason for the decision."), code="reason_required")
        if recognised:
            if converted_score.strip():
                try:
                    recognition.converted_score = parse(HOME_SCALE, converted_score).score
                except Exception as error:  # noqa: BLE001 (ScaleError carries the message)
                    raise ResultError(getattr(error, "message", str(error)), code="out_of_scale") from None
            if not (counts_as or "").strip():
                raise ResultError(_("Say what the course counts as, e.g. elective space."), code="counts_as_required")
            recognition.counts_as = counts_as.strip()
        recognition.status = Recognition.Status.RECOGNISED if recognised else Recognition.Status.DENIED
        recognition.reason, recognition.decided_by, recognition.decided_at = reason, user, timezone.now()
        recognition.save()
        if recognised and make_precedent:
            course_id = recognition.request.offering.course_id
            if course_id and recognition.programme_id:
                RecognitionPrecedent.objects.update_or_create(
                    programme_id=recognition.programme_id,
                    course_id=course_id,
                    defaults={
                        "counts_as": recognition.counts_as,
                        "decided_by": user,
                        "valid_from": timezone.localdate(),
                        "valid_until": precedent_valid_until,
                        "from_recognition": recognition,
                    },
                )
        messages.recognition_decided(recognition)
        _announce_recognised(recognition)
    if recognised and recognition.kind == Recognition.Kind.PRE_APPROVAL:
        home_approve_recognised(request_id=recognition.request_id)
    return recognition


def precedent_save(
    *,
    user,
    programme,
    course_id: int,
    counts_as: str,
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
) -> RecognitionPrecedent:
    """A precedent by hand, for one of the board's own programmes."""
    if not has_role(user, programme.institution_id, BOARD):
        raise NotBoardError()
    if valid_from and valid_until and valid_until < valid_from:
        raise ResultError(_("The precedent must be valid until a date after it starts."), code="bad_dates")
    precedent, _created = RecognitionPrecedent.objects.update_or_create(
        programme=programme,
        course_id=course_id,
        defaults={"counts_as": counts_as, "decided_by": user, "valid_from": valid_from, "valid_until": valid_until},
    )
    return precedent


def precedent_delete(*, user, precedent_id: int) -> None:
    precedent = RecognitionPrecedent.objects.select_related("programme").filter(pk=as_id(precedent_id) or 0).first()
    if precedent is None or not has_role(user, precedent.programme.institution_id, BOARD):
        raise RecognitionNotFoundError()
    precedent.delete()
