"""A student's requests: submit (with ranked alternatives), cancel, withdraw, resubmit."""

from __future__ import annotations

import contextlib
import uuid

from django.db import IntegrityError, transaction
from django.utils import formats, timezone

from accounts.models import StudentProfile
from catalogue.models import Offering
from enrolment import lifecycle
from enrolment.eligibility import eligibility_check
from enrolment.errors import (
    ALTERNATIVE_NOT_ELIGIBLE_MESSAGE,
    CHOICES_REPEATED_MESSAGE,
    DEADLINE_PASSED_MESSAGE,
    REASON_REQUIRED_MESSAGE,
    TOO_MANY_CHOICES_MESSAGE,
    UPLOAD_SIZE_MESSAGE,
    UPLOAD_TYPE_MESSAGE,
    USE_WITHDRAW_MESSAGE,
    AlternativeNotFoundError,
    DuplicateRequestError,
    EnrolmentError,
    NotAllowedError,
    OfferingNotFoundError,
    UploadError,
    WrongStateError,
)
from enrolment.lifecycle import moves_together, transition
from enrolment.models import (
    ACTIVE_STATES,
    DENIAL_REASONS,
    SEAT_STATES,
    EnrolmentRequest,
    HomeApprovalPolicy,
    ReasonCode,
    Status,
)
from enrolment.permissions import actor_role, require_verb
from enrolment.services.admission import locked_pair, offering_lock, request_lock, seat_release
from enrolment.services.approval import home_review_start
from institutions.models import Institution
from portal.i18n import lazy_format
from routes.models import Route

MAX_UPLOAD_MB = 5
PDF_MAGIC = b"%PDF-"


def _home_policy(profile: StudentProfile) -> HomeApprovalPolicy:
    """``approval.policy_for`` the student's home institution, from the policy loaded with the profile: the
    stored one, else the default (staff decide), unsaved."""
    try:
        return profile.home_institution.approval_policy
    except HomeApprovalPolicy.DoesNotExist:
        return HomeApprovalPolicy(institution_id=profile.home_institution_id)


def student_profile_require(user, *, lock: bool = False) -> StudentProfile:
    """The user's student profile, with the home institution and its approval policy read along in one
    statement; NotAllowedError (403) for users without one. ``lock``: the profile row is locked as well
    (inside a transaction)."""
    profiles = StudentProfile.objects.select_related("home_institution__approval_policy")
    if lock:
        profiles = profiles.select_for_update(of=("self",))
    profile = profiles.filter(user_id=user.pk).first() if user.is_authenticated else None
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


def request_submit(
    *,
    user,
    offering_id: int,
    motivation: str = "",
    document=None,
    route: str = Route.OFF_THE_BEATEN_PATH,
    alternatives: list[int] | tuple[int, ...] = (),
) -> EnrolmentRequest:
    """Create and submit a request, with up to two ranked alternatives kept as drafts.

    Guarantees: all or nothing (one transaction); eligibility is evaluated first and every failed rule is
    reported. The offering row is locked before the request is written, so an automatic home approval
    that admits at once counts seats under the lock. Raises DuplicateRequestError (409) when the student
    already has an active request for the offering, NotEligibleError (400), UploadError (400),
    NotAllowedError (403) for users without a student profile, RequestNotFoundError for unknown offerings.
    """
    try:
        with transaction.atomic():
            # The student's own row first (read and locked in one statement): two submissions by one student
            # (two tabs) are checked one after the other, so caps per period and timetable clashes hold.
            # Then the offering (seats).
            profile = student_profile_require(user, lock=True)
            if len(alternatives) > 2:
                raise EnrolmentError(TOO_MANY_CHOICES_MESSAGE, code="too_many_choices")
            if len({offering_id, *alternatives}) != 1 + len(alternatives):
                raise EnrolmentError(CHOICES_REPEATED_MESSAGE, code="choices_repeated")
            offering = offering_for_enrolment(offering_id)
            others = [offering_for_enrolment(a, not_found=AlternativeNotFoundError) for a in alternatives]
            upload_validate(document)
            policy = _home_policy(profile)
            # One read of the student's requests serves the duplicate check and the eligibility rules.
            mine = list(
                EnrolmentRequest.objects.filter(
                    student=profile, status__in=[*ACTIVE_STATES, Status.COMPLETED]
                ).select_related("offering__course", "offering__module")
            )
            if any(r.offering_id == offering.pk and r.status in ACTIVE_STATES for r in mine):
                raise DuplicateRequestError()
            eligibility = eligibility_check(
                student=profile, offering=offering, policy=policy if policy.pk else None, student_requests=mine
            )
            if not eligibility.eligible:
                raise eligibility.error()
            # A ranked alternative must be one the student could enrol in now, too: it is submitted later
            # only if it still is (``alternatives_advance``), but an offering that is closed or out of
            # reach today is no fallback at all.
            for rank, alternative in enumerate(others, start=2):
                if any(r.offering_id == alternative.pk and r.status in ACTIVE_STATES for r in mine):
                    raise DuplicateRequestError()
                alternative_eligibility = eligibility_check(
                    student=profile,
                    offering=alternative,
                    policy=policy if policy.pk else None,
                    student_requests=mine,
                )
                if not alternative_eligibility.eligible:
                    prefix = str(lazy_format(ALTERNATIVE_NOT_ELIGIBLE_MESSAGE, rank=rank))
                    raise alternative_eligibility.error(prefix=f"{prefix} ")
            locked = offering_lock(offering.pk)
            locked.course, locked.module, locked.institution = offering.course, offering.module, offering.institution
            group = uuid.uuid4() if others else None
            request = EnrolmentRequest(
                student=profile,
                offering=locked,
                home_institution=profile.home_institution,
                host_institution=locked.institution,
                route=route,
                motivation=motivation,
                choice_group=group,
                rank=1,
            )
            if document is not None:
                request.document = document
            request.save()
            # With no connected institution on either side and no alternatives, nothing inside reads the
            # request's row back (no connector, no search for drafts of its group): its moves, from submitted
            # to admitted or waitlisted, are written together once they are made (see moves_together).
            portal = Institution.Integration.PORTAL_MANAGED
            together = (
                not others
                and profile.home_institution.integration == portal
                and locked.institution.integration == portal
            )
            with moves_together() if together else contextlib.nullcontext():
                transition(
                    request,
                    verb=lifecycle.SUBMIT,
                    actor=user,
                    actor_role="student",
                    reason=ReasonCode.STUDENT_REQUEST,
                    eligibility=eligibility,
                )
                for rank, alternative in enumerate(others, start=2):
                    EnrolmentRequest.objects.create(
                        student=profile,
                        offering=alternative,
                        home_institution_id=profile.home_institution_id,
                        host_institution_id=alternative.institution_id,
                        route=route,
                        motivation=motivation,
                        choice_group=group,
                        rank=rank,
                    )
                home_review_start(request=request, offering=locked, policy=policy)
    except IntegrityError as error:
        if "one_active_request_per_student_and_offering" in str(error):
            raise DuplicateRequestError() from None
        raise
    return request


def request_resubmit(*, user, request_id: int, motivation: str = "") -> EnrolmentRequest:
    """After a home denial the student may try again, with a new motivation.

    Only from ``home_denied`` (a draft is a ranked alternative waiting its turn, and a submitted request is
    already with home). Eligibility is evaluated again under the locks, in this transaction. Raises
    NotAllowedError (403) for anyone but the student, WrongStateError (409) from any other state,
    NotEligibleError (400) when a rule fails now.
    """
    with transaction.atomic():
        offering, request = locked_pair(request_id)
        require_verb(user, request, lifecycle.RESUBMIT)
        eligibility = eligibility_check(student=request.student, offering=offering, ignore_request_id=request.pk)
        request.home_step = 0
        if motivation:
            request.motivation = motivation
        transition(
            request,
            verb=lifecycle.RESUBMIT,
            actor=user,
            actor_role="student",
            reason=ReasonCode.STUDENT_REQUEST,
            extra_fields=("home_step", "motivation"),
            eligibility=eligibility,
        )
        home_review_start(request=request, offering=offering)
        return request


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
        offering, request = locked_pair(request_id)
        if request.student.user_id == user.pk and not as_staff:
            if request.status in (Status.ADMITTED, Status.REGISTERED):
                raise WrongStateError(USE_WITHDRAW_MESSAGE, code="use_withdraw")
            verb = lifecycle.CANCEL
            role = require_verb(user, request, verb)
            _deadline_check(offering)
            reason = ReasonCode.STUDENT_REQUEST
        else:
            verb = staff_cancel_verb(user, request)
            role = require_verb(user, request, verb)
            if reason not in (*DENIAL_REASONS, ReasonCode.OFFERING_CANCELLED):
                raise EnrolmentError(REASON_REQUIRED_MESSAGE, code="reason_required")
        held = request.status in SEAT_STATES
        transition(request, verb=verb, actor=user, actor_role=role, reason=reason, comment=comment)
        if held:
            seat_release(request=request, offering=offering)
        _cancel_drafts_of(request)
        return request


def staff_cancel_verb(user, request: EnrolmentRequest) -> lifecycle.Verb:
    """The side a staff member cancels for: the host's when they act for the host and it has the request,
    else the home institution's."""
    if actor_role(user, request, lifecycle.HOST_CANCEL) is not None:
        return lifecycle.HOST_CANCEL
    return lifecycle.HOME_CANCEL


def request_withdraw(*, user, request_id: int, comment: str = "") -> EnrolmentRequest:
    """The student leaves a course they were admitted to, until the offering's deadline; the seat goes to
    the waitlist. Raises NotAllowedError (403), WrongStateError (409), EnrolmentError after the deadline."""
    with transaction.atomic():
        offering, request = locked_pair(request_id)
        require_verb(user, request, lifecycle.WITHDRAW)
        _deadline_check(offering)
        transition(
            request,
            verb=lifecycle.WITHDRAW,
            actor=user,
            actor_role="student",
            reason=ReasonCode.STUDENT_REQUEST,
            comment=comment,
        )
        seat_release(request=request, offering=offering)
        return request


def request_complete(*, user, request_id: int, comment: str = "", result: dict | None = None) -> EnrolmentRequest:
    """Host staff mark a registered enrolment completed, optionally with its result (grade, passed, EC,
    date, scale, examiner; issue #5 stores and recognises it). A connected home institution gets the
    result through the institution sync."""
    with transaction.atomic():
        request = request_lock(request_id)
        require_verb(user, request, lifecycle.COMPLETE)
        transition(
            request,
            verb=lifecycle.COMPLETE,
            actor=user,
            actor_role="host_admissions",
            reason=ReasonCode.RESULT_RECORDED,
            comment=comment,
        )
        from enrolment.services.registration import result_recorded

        result_recorded(request=request, result=result)
        return request


def _deadline_check(offering: Offering) -> None:
    deadline = offering.cancel_deadline
    if timezone.now() >= deadline:
        shown = formats.date_format(timezone.localtime(deadline), "j F Y, H:i")
        raise EnrolmentError(lazy_format(DEADLINE_PASSED_MESSAGE, deadline=shown), code="deadline_passed")


def _cancel_drafts_of(request: EnrolmentRequest) -> None:
    if not request.choice_group:
        return
    for draft in EnrolmentRequest.objects.select_for_update(of=("self",)).filter(
        choice_group=request.choice_group, status=Status.DRAFT
    ):
        transition(draft, verb=lifecycle.DROP_CHOICE, reason=ReasonCode.STUDENT_REQUEST)


def alternatives_settle(*, request: EnrolmentRequest) -> None:
    """A choice was admitted: the lower-ranked drafts of its group are no longer needed."""
    if not request.choice_group:
        return
    for draft in EnrolmentRequest.objects.select_for_update(of=("self",)).filter(
        choice_group=request.choice_group, status=Status.DRAFT
    ):
        transition(draft, verb=lifecycle.DROP_CHOICE, reason=ReasonCode.ALTERNATIVE_ADMITTED)


def alternatives_advance(*, request: EnrolmentRequest) -> EnrolmentRequest | None:
    """The choice ended without a seat: submit the next-ranked draft of its group, skipping any that is
    no longer eligible (it is cancelled with the reason). Runs inside the caller's transaction; the next
    offering is locked before its request is moved."""
    if not request.choice_group:
        return None
    drafts = list(
        EnrolmentRequest.objects.filter(choice_group=request.choice_group, status=Status.DRAFT, rank__gt=request.rank)
        .select_related("student", "offering")
        .order_by("rank")
    )
    for draft in drafts:
        offering = offering_lock(draft.offering_id)
        draft = request_lock(draft.pk)
        eligibility = eligibility_check(student=draft.student, offering=offering, ignore_request_id=draft.pk)
        if not eligibility.eligible:
            transition(
                draft,
                verb=lifecycle.DROP_CHOICE,
                reason=ReasonCode.OTHER,
                comment="; ".join(str(c.message) for c in eligibility.failures),
            )
            continue
        transition(
            draft,
            verb=lifecycle.NEXT_CHOICE,
            reason=ReasonCode.AUTOMATIC,
            comment=str(_next_choice_comment(request)),
            eligibility=eligibility,
        )
        home_review_start(request=draft, offering=offering)
        return draft
    return None


def _next_choice_comment(previous: EnrolmentRequest) -> str:
    return f"choice {previous.rank + 1} (choice {previous.rank} ended: {previous.status})"


__all__ = [
    "request_submit",
    "request_resubmit",
    "request_cancel",
    "request_withdraw",
    "request_complete",
    "alternatives_advance",
    "alternatives_settle",
]
