"""Enrolment sync with connected institutions (eduXchange profile): what is written to the outbox, and
what the institutions' answers do in the portal.

For a student of a **connected home** institution enrolling at a host the portal manages, the portal is
the host in the eduXchange student-mobility flow:

1. on submission (``home_review_request``): one ``home_associate`` message. The dispatcher identifies the
   student (``GET /persons/me``) and sends ``POST /associations/external/me`` with the offering and the
   portal's ``remoteState`` (``pending``: the host has not decided yet). The association id that comes
   back is stored on the request (``home_registration_ref``); its ``state`` is the home decision:
   ``associated`` approves, ``denied`` (or ``canceled``) denies, ``pending``/``queued`` start a
   ``home_poll`` message that ``GET /associations/{id}`` every ``poll_interval_seconds`` (from the beat
   sweep) until the home decides;
2. after admission (``registration_request``): a ``home_state`` message, ``PATCH /associations/{id}``
   ``{"remoteState": "associated"}`` (``application/merge-patch+json``). When the home's system has
   accepted it, the home side is confirmed (``registration_side_confirm``); enrolment registers the
   request once both sides are;
3. cancelled, withdrawn or expired (``request_end``): ``PATCH`` ``{"remoteState": "canceled"}``;
4. the result (``result_send``): ``PATCH`` ``{"result": <CourseResult>}``.

Messages of one request go out in the order they were written (a cancel never overtakes the POST that
creates the association). Every hook runs inside the enrolment transaction that made the change, so the
message commits or rolls back with it (the transactional outbox); the dispatch task is queued after commit.

A **connected host** is the caller in the eduXchange profile, not the portal: its system reads the
portal's OOAPI provider (``/ooapi/v5/offerings/{id}/associations``) and reports with
``PATCH /ooapi/v5/associations/{id}``. The host side counts as registered once it reported
``remoteState: associated`` (``AssociationResult``); the beat sweep then confirms the host side.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.selectors import staff_institutions
from core.errors import ConflictError, PermissionDeniedError
from enrolment.models import EnrolmentRequest, Status
from enrolment.services.approval import home_decision_from_institution
from enrolment.services.registration import registration_reference_store, registration_side_confirm
from institutions.models import Institution
from ooapi.models import AssociationResult, Connection, OutboxMessage
from ooapi.provider import mappers
from ooapi.sync.outbox import delivery_enqueue, outbox_message_write

logger = logging.getLogger("ooapi.sync")

HOME_ASSOCIATE = "home_associate"
HOME_POLL = "home_poll"
HOME_STATE = "home_state"
HOME_RESULT = "home_result"
KIND_LABELS = {
    HOME_ASSOCIATE: _("Enrolment sent to the home institution"),
    HOME_POLL: _("Waiting for the home institution's decision"),
    HOME_STATE: _("Enrolment state sent to the home institution"),
    HOME_RESULT: _("Result sent to the home institution"),
}
# Kinds that go out in order per request and connection. Polls are not ordered: they only read.
ORDERED_KINDS = (HOME_ASSOCIATE, HOME_STATE, HOME_RESULT)
# remoteState / state values of the OOAPI ``associationState`` enum.
ASSOCIATED, PENDING, QUEUED, DENIED, CANCELED = "associated", "pending", "queued", "denied", "canceled"
STATES = (PENDING, ASSOCIATED, DENIED, QUEUED, CANCELED)
WAITING_STATES = (PENDING, QUEUED)

NOT_STAFF_MESSAGE = _("Only administrators and staff of this institution may manage its connection.")
NOT_A_CONNECTION_MESSAGE = _("This is a webhook delivery: replay it from the institution's webhooks page.")
NOT_DEAD_MESSAGE = _("Only a dead letter can be retried; this message is already on its way.")


# Connections -------------------------------------------------------------------------------------------


def connection_for(institution_id: int) -> Connection | None:
    """The OOAPI connection of a connected institution, or None (portal-managed, or connected without a
    configured endpoint: then the portal stands in for its system, as for a portal-managed one)."""
    connection = (
        Connection.objects.select_related("institution")
        .filter(institution_id=institution_id, institution__integration=Institution.Integration.CONNECTED)
        .first()
    )
    if connection is None and _is_connected(institution_id):
        logger.warning("institution %s is connected but has no OOAPI connection configured", institution_id)
    return connection


def _is_connected(institution_id: int) -> bool:
    return Institution.objects.filter(pk=institution_id, integration=Institution.Integration.CONNECTED).exists()


def may_manage_connection(user, institution_id: int) -> bool:
    """Superusers, and staff (any role) of the institution."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or staff_institutions(user=user).filter(pk=institution_id).exists()


# Writing messages (inside the caller's transaction) -----------------------------------------------------


def offering_document(request: EnrolmentRequest) -> dict:
    """The offering as an OOAPI ``CourseOffering``: the home does not know the portal's ids, so the details
    travel with the association (the profile allows "the full offering details")."""
    offering = request.offering
    teachable = offering.course or offering.module
    data = {
        "offeringId": mappers.offering_id(offering),
        "primaryCode": {"codeType": "offeringCode", "code": offering.code or f"{teachable.code}-{offering.pk}"},
        "offeringType": "course",
        "name": mappers.texts(teachable.title_nl, teachable.title_en, required=True),
        "abbreviation": teachable.code,
        "description": mappers.texts(teachable.description_nl, teachable.description_en, required=True),
        "teachingLanguage": mappers.TEACHING_LANGUAGE.get(teachable.language, "nld"),
        "resultExpected": True,
        "startDate": offering.start_date.isoformat(),
        "endDate": offering.end_date.isoformat(),
        "organization": mappers.institution_id(offering.institution_id),
    }
    if offering.course_id:
        data["course"] = {
            "courseId": mappers.course_id(offering.course),
            "primaryCode": {"codeType": "identifier", "code": teachable.code},
            "name": data["name"],
            "abbreviation": teachable.code,
            "studyLoad": {"studyLoadUnit": "ects", "value": float(teachable.ec)},
        }
    return data


def association_body(request: EnrolmentRequest, *, remote_state: str) -> dict:
    """The body of ``POST /associations/external/me``. Built once, when the message is written, and sent
    unchanged on every retry: the peer refuses a reused idempotency key with a different body."""
    host = Institution.objects.get(pk=request.host_institution_id)
    return {
        "role": "student",
        "remoteState": remote_state,
        "offering": offering_document(request),
        "issuer": mappers.institution(host),
        # Who "me" is comes from the token (the eduXchange convention); the portal's own reference and the
        # student number the home issued let the home's system match the request when the token is the
        # portal's machine token.
        "ext": {"flexportal": {"requestId": str(request.public_id), "studentNumber": request.student.student_number}},
    }


def course_result(request: EnrolmentRequest, result: dict) -> dict:
    """The host's result (as ``results.services.results.for_the_home`` gives it) as an OOAPI ``CourseResult``.
    Tolerant of the keys a result may use: grade/score, passed/pass, ec, date/resultDate, scale, examiner."""
    teachable = request.offering.course or request.offering.module
    passed = result.get("passed", result.get("pass"))
    if isinstance(passed, bool):
        pass_state = "passed" if passed else "failed"
    else:
        pass_state = passed if passed in ("passed", "failed") else "unknown"
    ec = result.get("ec", result.get("studyLoad"))
    try:
        ec_value = float(Decimal(str(ec))) if ec not in (None, "") else float(teachable.ec)
    except (InvalidOperation, ValueError):
        ec_value = float(teachable.ec)
    data = {
        "state": "completed",
        "pass": pass_state,
        "resultDate": str(result.get("date") or result.get("resultDate") or timezone.localdate().isoformat()),
        "studyLoad": {"studyLoadUnit": "ects", "value": ec_value},
    }
    score = result.get("grade", result.get("score"))
    if score not in (None, ""):
        data["score"] = str(score)
    if result.get("comment"):
        data["comment"] = str(result["comment"])
    extra = {key: str(result[key]) for key in ("scale", "examiner") if result.get(key) not in (None, "")}
    if extra:
        data["ext"] = {"flexportal": extra}
    return data


# The hooks' work (called by ooapi.sync.hooks inside the enrolment transaction) ---------------------------


def home_review_request(*, request: EnrolmentRequest) -> bool:
    """A student of a connected home submitted: hand the request to the home's system. True when handed
    over (the home's answer decides the approval step), False when the home has no connection."""
    connection = connection_for(request.home_institution_id)
    if connection is None:
        return False
    outbox_message_write(
        connection=connection,
        request=request,
        kind=HOME_ASSOCIATE,
        payload={"body": association_body(request, remote_state=PENDING)},
    )
    return True


def registration_request(*, request: EnrolmentRequest) -> dict[str, str]:
    """The host admitted the student: a connected home's system hears ``remoteState: associated`` and
    confirms when it accepted that; a connected host's system confirms by reporting ``associated`` through
    the provider. Returns, by side, the references of the connected sides that have it already."""
    connection = connection_for(request.home_institution_id)
    if connection is not None:
        payload = {"remoteState": ASSOCIATED, "purpose": "register"}
        asked = OutboxMessage.objects.filter(request=request, connection=connection, kind=HOME_ASSOCIATE)
        if not request.home_registration_ref and not asked.exists():
            # The home never got the association (it became connected after the submission): this
            # message creates it, already associated.
            payload["body"] = association_body(request, remote_state=ASSOCIATED)
        outbox_message_write(connection=connection, request=request, kind=HOME_STATE, payload=payload)
    confirmed = {}
    if connection is None and _is_connected(request.home_institution_id):
        confirmed["home"] = ""  # connected without a configured endpoint: the portal stands in for its system
    if _host_reported(request):
        confirmed["host"] = str(request.public_id)
    return confirmed


def request_end(*, request: EnrolmentRequest) -> None:
    """Cancelled, withdrawn or expired: a home that holds an association for it hears ``canceled``."""
    connection = connection_for(request.home_institution_id)
    if connection is None:
        return
    told = OutboxMessage.objects.filter(request=request, connection=connection, kind__in=(HOME_ASSOCIATE, HOME_STATE))
    if not told.exists():
        return  # the home's system never heard of this request
    outbox_message_write(
        connection=connection,
        request=request,
        kind=HOME_STATE,
        payload={"remoteState": CANCELED, "purpose": "ended"},
    )


def result_send(*, request: EnrolmentRequest, result: dict) -> None:
    """The host recorded the result: the home's system gets it on the association."""
    connection = connection_for(request.home_institution_id)
    if connection is None:
        return
    outbox_message_write(
        connection=connection,
        request=request,
        kind=HOME_RESULT,
        payload={"patch": {"result": course_result(request, result)}},
    )


# Registration -------------------------------------------------------------------------------------------


def _host_reported(request: EnrolmentRequest) -> bool:
    """A connected host's system reported ``remoteState: associated`` for the request (through the provider)."""
    return AssociationResult.objects.filter(
        request=request,
        institution_id=request.host_institution_id,
        remote_state=AssociationResult.RemoteState.ASSOCIATED,
    ).exists()


def registrations_confirm_reported(*, limit: int = 500) -> int:
    """Beat: a connected host whose system reported ``remoteState: associated`` for an admitted request has
    confirmed its side; enrolment registers the request when the home side has too. Returns how many
    requests were registered."""
    reported = AssociationResult.objects.filter(
        institution_id=F("request__host_institution_id"),
        remote_state=AssociationResult.RemoteState.ASSOCIATED,
        request__status=Status.ADMITTED,
        request__host_registered_at__isnull=True,
        request__host_institution__integration=Institution.Integration.CONNECTED,
    ).values_list("request_id", "request__public_id")[:limit]
    return sum(
        registration_side_confirm(request_id=request_id, side="host", reference=str(public_id))
        for request_id, public_id in reported
    )


# Applying answers (called by the dispatcher, inside its transaction) ------------------------------------


def home_association_recorded(*, message: OutboxMessage, association_id: str, state: str) -> None:
    """``POST /associations/external/me`` answered: store the association id on the request and act on the
    home's ``state``. Through enrolment's commands, which lock the offerings, then the request. Safe to
    repeat: a decided request ignores a second decision."""
    if message.kind == HOME_ASSOCIATE and state not in WAITING_STATES:
        decided = home_decision_apply(request=message.request, association_id=association_id, state=state)
        if decided is not None:  # it was awaiting this decision
            registration_reference_store(request_id=decided.pk, home_ref=association_id)
            return
    request = registration_reference_store(request_id=message.request_id, home_ref=association_id)
    if message.kind == HOME_STATE:
        # The association was created late (the home became connected after submission), already
        # associated: the home side of the registration is done.
        registration_side_confirm(request_id=request.pk, side="home", reference=association_id)
    elif state in WAITING_STATES and request.status == Status.SUBMITTED:
        seconds = max(message.connection.poll_interval_seconds, 1)
        outbox_message_write(
            connection=message.connection,
            request=request,
            kind=HOME_POLL,
            payload={"associationId": association_id},
            due_at=timezone.now() + dt.timedelta(seconds=seconds),
        )


def home_poll_needed(*, message: OutboxMessage) -> bool:
    """A poll still matters while the request awaits the home's decision on this very association."""
    request = message.request
    return request.status == Status.SUBMITTED and request.home_registration_ref == message.payload.get("associationId")


def home_association_polled(*, message: OutboxMessage, state: str) -> None:
    """``GET /associations/{id}`` answered with a decision (not pending/queued)."""
    home_decision_apply(request=message.request, association_id=message.payload["associationId"], state=state)


def home_decision_apply(*, request: EnrolmentRequest, association_id: str, state: str) -> EnrolmentRequest | None:
    """The home's ``state`` as the home-approval step: associated approves; denied or canceled denies.
    ``home_decision_from_institution`` locks the offering, then the request, and is idempotent: a late or
    repeated answer changes nothing (None). Returns the decided request, still locked."""
    if state not in (ASSOCIATED, DENIED, CANCELED):
        return None
    return home_decision_from_institution(
        request_id=request.pk,
        approved=state == ASSOCIATED,
        comment=f"OOAPI association {association_id}: {state}",
    )


def home_state_delivered(*, message: OutboxMessage) -> None:
    """The home's system accepted a remoteState change; after admission that completes its side. Locks the
    request through enrolment's command."""
    if message.payload.get("purpose") == "register":
        registration_side_confirm(
            request_id=message.request_id, side="home", reference=message.request.home_registration_ref
        )


# Staff --------------------------------------------------------------------------------------------------


def outbox_message_retry(*, user, message_id: int) -> OutboxMessage:
    """Staff retry a dead letter: it becomes pending with a fresh count of attempts and its institution's
    delivery task is queued after commit, with the same idempotency key (so a call that did reach the institution is not repeated
    there). Raises PermissionDeniedError for other users, ConflictError unless the message is dead."""
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update(of=("self",)).select_related("connection").get(pk=message_id)
        if message.connection_id is None:  # a webhook delivery: replayed from its institution's webhooks page
            raise ConflictError(NOT_A_CONNECTION_MESSAGE, code="not_a_connection_message")
        if not may_manage_connection(user, message.connection.institution_id):
            raise PermissionDeniedError(NOT_STAFF_MESSAGE)
        if message.status != OutboxMessage.Status.DEAD:
            raise ConflictError(NOT_DEAD_MESSAGE, code="not_dead")
        message.requeue()
        connection_id = message.connection_id
        # A lambda, not a partial: Django names a failing robust callback by its __qualname__.
        transaction.on_commit(lambda: delivery_enqueue([connection_id]), robust=True)
        logger.info("dead letter %s retried by user %s", message.pk, user.pk)
    return message
