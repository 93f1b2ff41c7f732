"""The boundary with the institutions' own systems, and the "registered" step.

For two portal-managed institutions the portal is the system of record for both sides, so registration
completes here, in the same transaction as the admission. When an institution is connected (OOAPI v5),
the module named by ``settings.ENROLMENT_INSTITUTION_SYNC`` (``ooapi.sync.hooks``) is told, inside the
same transaction, so it can write its outbox messages; it later calls back ``registration_confirm`` and
``approval.home_decision_from_institution``. Enrolment never imports the OOAPI code directly.
"""

from __future__ import annotations

from importlib import import_module

from django.conf import settings

from enrolment.lifecycle import transition
from enrolment.models import EnrolmentRequest, ReasonCode, Status
from institutions.models import Institution


def registration_needs_connector(request: EnrolmentRequest) -> bool:
    connected = Institution.Integration.CONNECTED
    institutions = Institution.objects.filter(pk__in=[request.home_institution_id, request.host_institution_id])
    return any(i.integration == connected for i in institutions)


def institution_sync():
    """The connector for connected institutions (``ooapi.sync.hooks`` by default)."""
    return import_module(settings.ENROLMENT_INSTITUTION_SYNC)


def home_is_connected(request: EnrolmentRequest) -> bool:
    return Institution.objects.filter(
        pk=request.home_institution_id, integration=Institution.Integration.CONNECTED
    ).exists()


def home_review_by_institution(*, request: EnrolmentRequest) -> bool:
    """A connected home institution decides in its own system: hand the request over (outbox, same
    transaction) and return True; the portal's staff approval does not apply. False otherwise."""
    if not home_is_connected(request):
        return False
    return institution_sync().home_review_requested(request=request)


def registration_start(*, request: EnrolmentRequest) -> None:
    """Called right after admission, under the caller's locks."""
    if request.status != Status.ADMITTED:
        return
    if registration_needs_connector(request):
        # The connector writes its outbox messages now and calls registration_confirm once both
        # institutions' systems have the enrolment.
        institution_sync().registration_requested(request=request)
        return
    transition(request, to=Status.REGISTERED, verb="register", reason=ReasonCode.REGISTERED_IN_PORTAL)


def request_ended(*, request: EnrolmentRequest) -> None:
    """The request was cancelled, withdrawn or expired: connected institutions must hear of it."""
    if registration_needs_connector(request):
        institution_sync().request_ended(request=request)


def result_recorded(*, request: EnrolmentRequest, result: dict | None = None) -> None:
    """The host recorded the result (the request is completed): connected institutions get it."""
    if registration_needs_connector(request):
        institution_sync().result_recorded(request=request, result=result or {})


def registration_confirm(*, request: EnrolmentRequest, home_ref: str = "", host_ref: str = "") -> None:
    """Both systems have the enrolment: store their references and mark the request registered."""
    request.home_registration_ref = home_ref or request.home_registration_ref
    request.host_registration_ref = host_ref or request.host_registration_ref
    transition(
        request,
        to=Status.REGISTERED,
        verb="register",
        reason=ReasonCode.AUTOMATIC,
        extra_fields=("home_registration_ref", "host_registration_ref"),
    )
