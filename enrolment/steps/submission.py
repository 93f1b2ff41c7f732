"""Every door into ``submitted``: the student's submit and resubmit, and the system's next ranked choice.

Each evaluates the eligibility rules under the command's locks, in the same transaction, and hands the
verdict to the move: the lifecycle refuses a submitting verb without a passed one.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.utils import timezone

from core.i18n import lazy_format
from enrolment import lifecycle
from enrolment.eligibility import eligibility_check
from enrolment.errors import (
    ALTERNATIVE_NOT_ELIGIBLE_MESSAGE,
    MODULE_ONLY_ROUTE_MESSAGE,
    NO_ROUTE_OPEN_MESSAGE,
    ROUTE_NOT_OPEN_MESSAGE,
    DuplicateRequestError,
    MotivationRequiredError,
    RouteNotOpenError,
)
from enrolment.lifecycle import transition
from enrolment.locks import Held
from enrolment.models import ACTIVE_STATES, EnrolmentRequest, HomeApprovalPolicy, ReasonCode, Status
from institutions.routes import Route, routes_open


def home_policy(profile) -> HomeApprovalPolicy:
    """The home institution's policy, from the profile read under its lock: the stored one, else the
    default (staff decide), unsaved."""
    if profile.home_institution_id is None:
        return HomeApprovalPolicy()  # a module-only learner: no home, no home policy
    try:
        return profile.home_institution.approval_policy
    except HomeApprovalPolicy.DoesNotExist:
        return HomeApprovalPolicy(institution_id=profile.home_institution_id)


def route_check(*, profile, offerings, route: str | None) -> str:
    """The route the request goes by: ``route`` when every offering asked for suits it and the home
    institution pilots it; None means the first route open to all of them. Raises RouteNotOpenError (400).
    A module-only learner (no home institution) registers by the modular route only."""
    if profile.home_institution_id is None:
        # Which offerings are open to them is the eligibility rules' to say (``module_only_visibility``).
        if route not in (None, "", Route.MODULAR):
            raise RouteNotOpenError(MODULE_ONLY_ROUTE_MESSAGE)
        return Route.MODULAR
    piloted = profile.home_institution.piloted_routes
    open_to_all = [
        r for r in Route.values if all(r in routes_open(o.teachable.suitable_routes, piloted) for o in offerings)
    ]
    if route is None or route == "":
        if not open_to_all:
            raise RouteNotOpenError(NO_ROUTE_OPEN_MESSAGE)
        return open_to_all[0]
    if route not in open_to_all:
        labels = ", ".join(str(Route(r).label) for r in open_to_all) or "-"
        raise RouteNotOpenError(lazy_format(ROUTE_NOT_OPEN_MESSAGE, routes=labels))
    return route


def motivation_check(policy: HomeApprovalPolicy, motivation: str) -> None:
    """A home institution whose policy asks for a motivation gets one: MotivationRequiredError (400)."""
    if policy.motivation_required and not (motivation or "").strip():
        raise MotivationRequiredError()


def submit(
    held: Held,
    *,
    user,
    offering_id: int,
    alternative_ids: list[int],
    motivation: str,
    document,
    route: str | None,
) -> EnrolmentRequest:
    """Create the request with its ranked alternatives (drafts waiting their turn) and submit it.

    The student's profile and every offering asked for are held. Raises DuplicateRequestError (409) for an
    active request for one of the offerings, NotEligibleError (400) naming every failed rule, for the
    first choice or for an alternative (an offering closed or out of reach today is no fallback at all),
    RouteNotOpenError (400) for a route not open to every choice, MotivationRequiredError (400).
    """
    profile = held.profile
    offering = held.offering(offering_id)
    policy = home_policy(profile)
    motivation_check(policy, motivation)
    route = route_check(
        profile=profile, offerings=[offering, *(held.offering(a) for a in alternative_ids)], route=route
    )
    stored = policy if policy.pk else None
    # One read of the student's requests serves the duplicate check and the eligibility rules.
    mine = list(
        EnrolmentRequest.objects.filter(student=profile, status__in=[*ACTIVE_STATES, Status.COMPLETED]).select_related(
            "offering__course", "offering__module"
        )
    )
    for asked in (offering_id, *alternative_ids):
        if any(r.offering_id == asked and r.status in ACTIVE_STATES for r in mine):
            raise DuplicateRequestError()
    eligibility = eligibility_check(student=profile, offering=offering, policy=stored, student_requests=mine)
    if not eligibility.eligible:
        raise eligibility.error()
    for rank, alternative_id in enumerate(alternative_ids, start=2):
        verdict = eligibility_check(
            student=profile, offering=held.offering(alternative_id), policy=stored, student_requests=mine
        )
        if not verdict.eligible:
            raise verdict.error(prefix=f"{lazy_format(ALTERNATIVE_NOT_ELIGIBLE_MESSAGE, rank=rank)} ")
    group = uuid.uuid4() if alternative_ids else None
    request = EnrolmentRequest(
        student=profile,
        offering=offering,
        home_institution=profile.home_institution,
        host_institution=offering.institution,
        route=route,
        motivation=motivation,
        choice_group=group,
        rank=1,
    )
    if document is not None:
        request.document = document
    request.save()
    held.requests[request.pk] = request
    for rank, alternative_id in enumerate(alternative_ids, start=2):
        alternative = held.offering(alternative_id)
        draft = EnrolmentRequest.objects.create(
            student=profile,
            offering=alternative,
            home_institution=profile.home_institution,
            host_institution=alternative.institution,
            route=route,
            motivation=motivation,
            choice_group=group,
            rank=rank,
        )
        held.requests[draft.pk] = draft
    transition(
        request,
        verb=lifecycle.SUBMIT,
        actor=user,
        actor_role="student",
        reason=ReasonCode.STUDENT_REQUEST,
        eligibility=eligibility,
    )
    return request


def resubmit(held: Held, request: EnrolmentRequest, *, user, motivation: str = "") -> None:
    """After a home denial, the student tries again (optionally with a new motivation); the rules again."""
    eligibility = eligibility_check(
        student=request.student, offering=held.offering(request.offering_id), ignore_request_id=request.pk
    )
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


def next_choice(held: Held, ended: EnrolmentRequest, *, now: dt.datetime | None = None) -> EnrolmentRequest | None:
    """``ended`` finished without a seat: submit the next-ranked draft of its group that is still eligible;
    a draft that no longer is goes, with the reasons. Returns the submitted draft, if any."""
    now = now or timezone.now()
    for draft in held.choices(ended):
        if draft.rank <= ended.rank or draft.status != Status.DRAFT:
            continue
        eligibility = eligibility_check(
            student=draft.student, offering=held.offering(draft.offering_id), now=now, ignore_request_id=draft.pk
        )
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
            comment=f"choice {draft.rank} (choice {ended.rank} ended: {ended.status})",
            eligibility=eligibility,
        )
        return draft
    return None
