"""A student's requests: submit (with ranked alternatives), resubmit, cancel, withdraw; and completion.

Each service is a command: it takes every lock it needs up front (``enrolment.locks``), checks who may act,
for which institution and from which state (``permissions.require_verb``), makes its one move through a
step, and lets ``flow.advance`` run what follows on its own. All or nothing: one transaction.
"""

from __future__ import annotations

import contextlib

from django.db import IntegrityError, transaction

from accounts.models import StudentProfile
from accounts.services import record_read_log
from catalogue.models import Offering
from core.i18n import lazy_format
from enrolment import flow, lifecycle, locks
from enrolment.errors import (
    CHOICES_REPEATED_MESSAGE,
    MOTIVATION_LOCKED_MESSAGE,
    REASON_REQUIRED_MESSAGE,
    TOO_MANY_CHOICES_MESSAGE,
    UPLOAD_SIZE_MESSAGE,
    UPLOAD_TYPE_MESSAGE,
    USE_WITHDRAW_MESSAGE,
    AlternativeNotFoundError,
    DuplicateRequestError,
    EnrolmentError,
    ModulePageRequiredError,
    NotAllowedError,
    OfferingNotFoundError,
    UploadError,
    WrongStateError,
)
from enrolment.models import DENIAL_REASONS, EnrolmentRequest, ReasonCode, Status
from enrolment.permissions import HOME_ROLES, HOST_ROLES, actor_role, has_role, require_verb, staff_side
from enrolment.steps import ending, submission
from institutions.models import Institution

MAX_UPLOAD_MB = 5
PDF_MAGIC = b"%PDF-"


def student_profile_require(user) -> StudentProfile:
    """The user's student profile, with the home institution and its approval policy; NotAllowedError (403)
    for users without one."""
    profile = (
        StudentProfile.objects.select_related("home_institution__approval_policy").filter(user_id=user.pk).first()
        if user.is_authenticated
        else None
    )
    if profile is None:
        raise NotAllowedError()
    return profile


def upload_validate(document) -> None:
    """PDF only, at most 5 MB: checked by size and by the file's first bytes, not by its name."""
    if document is None:
        return
    if document.size > MAX_UPLOAD_MB * 1024 * 1024:
        raise UploadError(lazy_format(UPLOAD_SIZE_MESSAGE, max=MAX_UPLOAD_MB))
    head = document.read(len(PDF_MAGIC))
    document.seek(0)
    if head != PDF_MAGIC or getattr(document, "content_type", "application/pdf") not in (
        "application/pdf",
        "application/octet-stream",
    ):
        raise UploadError(UPLOAD_TYPE_MESSAGE)


def offering_for_enrolment(offering_id, *, not_found=None) -> Offering:
    """The offering a student asks for; unknown, malformed or archived ids raise ``not_found`` (404)."""
    try:
        return Offering.objects.select_related("institution", "course", "module").get(
            pk=int(offering_id), is_archived=False
        )
    except (Offering.DoesNotExist, ValueError, TypeError):
        raise (not_found or OfferingNotFoundError)() from None


def _offering_id(value, *, not_found) -> int:
    try:
        return int(value)
    except (ValueError, TypeError):
        raise not_found() from None


def request_submit(
    *,
    user,
    offering_id: int,
    motivation: str = "",
    document=None,
    route: str | None = None,
    alternatives: list[int] | tuple[int, ...] = (),
    module_registration: bool = False,
) -> EnrolmentRequest:
    """Create and submit a request, with up to two ranked alternatives kept as drafts; what follows on its
    own (an automatic home approval, admission, registration) happens in the same transaction.

    Locks: the student's profile (two tabs of one student are checked one after the other, so caps per
    period and timetable clashes hold), then every offering asked for, sorted. Raises NotAllowedError (403)
    for users without a student profile, OfferingNotFoundError (404) / AlternativeNotFoundError (400) for
    unknown or archived offerings, DuplicateRequestError (409), NotEligibleError (400) naming every failed
    rule, UploadError (400), BusyError (409) when the offering is locked too long, RouteNotOpenError (400)
    for a route that is not both suitable and piloted by the home institution (None: the first that is),
    MotivationRequiredError (400) when the home policy asks for a motivation. All or nothing.

    A module-only learner (no home institution) registers by the modular route, without a home step, and
    only with ``module_registration`` (billing's module registration, which adds the invoice in the same
    transaction); otherwise ModulePageRequiredError (400).
    """
    if len(alternatives) > 2:
        raise EnrolmentError(TOO_MANY_CHOICES_MESSAGE, code="too_many_choices")
    first = _offering_id(offering_id, not_found=OfferingNotFoundError)
    others = [_offering_id(a, not_found=AlternativeNotFoundError) for a in alternatives]
    if len({first, *others}) != 1 + len(others):
        raise EnrolmentError(CHOICES_REPEATED_MESSAGE, code="choices_repeated")
    upload_validate(document)
    try:
        with transaction.atomic():
            try:
                held = locks.lock_student(user, offering_ids=[first, *others])
            except StudentProfile.DoesNotExist:
                raise NotAllowedError() from None
            for asked, error in ((first, OfferingNotFoundError), *((o, AlternativeNotFoundError) for o in others)):
                if asked not in held.offerings or held.offerings[asked].is_archived:
                    raise error()
            profile, offering = held.profile, held.offering(first)
            if profile.home_institution_id is None and (not module_registration or others):
                raise ModulePageRequiredError()
            # With no connected institution on either side and no alternatives, nothing after the submission
            # reads the request's row back (no gateway, no other choice): its moves, from submitted to admitted
            # or waitlisted, are written together once they are made (``core.lifecycle.Lifecycle.together``).
            portal = Institution.Integration.PORTAL_MANAGED
            together = (
                not others
                and (profile.home_institution is None or profile.home_institution.integration == portal)
                and offering.institution.integration == portal
            )
            with lifecycle.moves_together() if together else contextlib.nullcontext():
                request = submission.submit(
                    held,
                    user=user,
                    offering_id=first,
                    alternative_ids=others,
                    motivation=motivation,
                    document=document,
                    route=route,
                )
                policy = submission.home_policy(profile)
                flow.advance(held, request, after=lifecycle.SUBMIT, policy=policy)
    except IntegrityError as error:
        if "one_active_request_per_student_and_offering" in str(error):
            raise DuplicateRequestError() from None
        raise
    return request


# Until the home institution decides, the student may still change what they wrote.
MOTIVATION_EDITABLE = (Status.SUBMITTED,)


def motivation_editable(user, request: EnrolmentRequest) -> bool:
    """Whether ``user`` may change the request's motivation now: what the page offers, the service's check."""
    return request.student.user_id == user.pk and request.status in MOTIVATION_EDITABLE


def request_motivation_edit(*, user, request_id: int, motivation: str) -> EnrolmentRequest:
    """The student changes the motivation of their own request until the home institution decides (while it
    is submitted); the drafts of its ranked alternatives, which share it, change with it.

    Locks the request (``locks.lock_request``). Raises NotAllowedError (403) for anyone but the student who
    owns the request (staff of either side included), WrongStateError (409) once home has decided,
    MotivationRequiredError (400) for an empty motivation where the home policy asks for one. Idempotent.
    """
    with transaction.atomic():
        held = locks.lock_request(request_id)
        request = held.request(request_id)
        if request.student.user_id != user.pk:
            raise NotAllowedError()
        if request.status not in MOTIVATION_EDITABLE:
            raise WrongStateError(MOTIVATION_LOCKED_MESSAGE, code="motivation_locked")
        motivation = (motivation or "").strip()
        submission.motivation_check(submission.home_policy(request.student), motivation)
        request.motivation = motivation
        request.save(update_fields=["motivation", "updated_at"])
        for draft in held.choices(request):
            if draft.pk != request.pk and draft.status == Status.DRAFT:
                draft.motivation = motivation
                draft.save(update_fields=["motivation", "updated_at"])
        return request


def request_resubmit(*, user, request_id: int, motivation: str = "") -> EnrolmentRequest:
    """After a home denial the student may try again, with a new motivation.

    Only from ``home_denied`` (a draft is a ranked alternative waiting its turn, and a submitted request is
    already with home). Eligibility is evaluated again under the locks, in this transaction. Raises
    NotAllowedError (403) for anyone but the student, WrongStateError (409) from any other state,
    NotEligibleError (400) when a rule fails now.
    """
    with transaction.atomic():
        held = locks.lock_request(request_id)
        request = held.request(request_id)
        require_verb(user, request, lifecycle.RESUBMIT)
        submission.resubmit(held, request, user=user, motivation=motivation)
        flow.advance(held, request, after=lifecycle.RESUBMIT)
        return request


def staff_cancel_verb(user, request: EnrolmentRequest) -> lifecycle.Verb:
    """The side a staff member cancels for: the host's when they act for the host and it has the request,
    else the home institution's."""
    if actor_role(user, request, lifecycle.HOST_CANCEL) is not None:
        return lifecycle.HOST_CANCEL
    return lifecycle.HOME_CANCEL


def request_cancel(
    *, user, request_id: int, reason: str = "", comment: str = "", as_staff: bool = False
) -> EnrolmentRequest:
    """Cancel: the student before admission, until the offering's deadline (``lifecycle.CANCEL``); staff of
    either side at any open stage, with a reason code (``HOME_CANCEL``, ``HOST_CANCEL``: the host only once
    it has the request). A held seat goes back and the waitlist moves up; the student's lower-ranked drafts
    go with it. ``as_staff``: only as staff (the staff console's button). Raises NotAllowedError (403),
    WrongStateError (409), EnrolmentError (400) for a missing reason or a passed deadline.
    """
    with transaction.atomic():
        held = locks.lock_request(request_id)
        request = held.request(request_id)
        if request.student.user_id == user.pk and not as_staff:
            if request.status in (Status.ADMITTED, Status.REGISTERED):
                raise WrongStateError(USE_WITHDRAW_MESSAGE, code="use_withdraw")
            verb = lifecycle.CANCEL
            role = require_verb(user, request, verb)
            ending.deadline_check(held, request)
            reason = ReasonCode.STUDENT_REQUEST
        else:
            verb = staff_cancel_verb(user, request)
            role = require_verb(user, request, verb)
            if reason not in (*DENIAL_REASONS, ReasonCode.OFFERING_CANCELLED):
                raise EnrolmentError(REASON_REQUIRED_MESSAGE, code="reason_required")
        ending.end(held, request, verb=verb, reason=reason, actor=user, role=role, comment=comment)
        flow.advance(held, request, after=verb)
        return request


def request_withdraw(*, user, request_id: int, comment: str = "") -> EnrolmentRequest:
    """The student leaves a course they were admitted to, until the offering's deadline; the seat goes to
    the waitlist. Raises NotAllowedError (403), WrongStateError (409), EnrolmentError after the deadline."""
    with transaction.atomic():
        held = locks.lock_request(request_id)
        request = held.request(request_id)
        require_verb(user, request, lifecycle.WITHDRAW)
        ending.deadline_check(held, request)
        ending.end(
            held,
            request,
            verb=lifecycle.WITHDRAW,
            reason=ReasonCode.STUDENT_REQUEST,
            actor=user,
            role="student",
            comment=comment,
        )
        flow.advance(held, request, after=lifecycle.WITHDRAW)
        return request


def request_read_log(*, user, request: EnrolmentRequest, what: str) -> None:
    """Staff opened ``request`` (or its ``what``): noted in the student's log of who read their record, as the
    side the reader acts for. A student's own reading, and anyone not staff of either side, leave no row."""
    side = staff_side(user, request)
    if side is None:
        return
    host = side == "host_admissions"
    institution_id = request.host_institution_id if host else request.home_institution_id
    # The role the reader holds there, as the student should read it (an examination board, not an approver).
    role = next(r for r in (HOST_ROLES if host else HOME_ROLES) if has_role(user, institution_id, r))
    record_read_log(
        reader=user, student=request.student, institution_id=institution_id, role=role, what=what, ref=request.public_id
    )
