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

from enrolment import lifecycle
from enrolment.lifecycle import transition
from enrolment.models import EnrolmentRequest, ReasonCode, Status
from institutions.models import Institution


def registration_needs_connector(request: EnrolmentRequest) -> bool:
    connected = Institution.Integration.CONNECTED
    if EnrolmentRequest.home_institution.is_cached(request) and EnrolmentRequest.host_institution.is_cached(request):
        # Read in the caller's transaction (request_submit loads both): no second look needed.
        return connected in (request.home_institution.integration, request.host_institution.integration)
    institutions = Institution.objects.filter(pk__in=[request.home_institution_id, request.host_institution_id])
    return any(i.integration == connected for i in institutions)


def institution_sync():
    """The connector for connected institutions (``ooapi.sync.hooks`` by default)."""
    return import_module(settings.ENROLMENT_INSTITUTION_SYNC)


def home_is_connected(request: EnrolmentRequest) -> bool:
    if EnrolmentRequest.home_institution.is_cached(request):
        return request.home_institution.integration == Institution.Integration.CONNECTED
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
    transition(request, verb=lifecycle.REGISTER, reason=ReasonCode.REGISTERED_IN_PORTAL)


def request_ended(*, request: EnrolmentRequest) -> None:
    """The request was cancelled, withdrawn or expired: connected institutions must hear of it."""
    if registration_needs_connector(request):
        institution_sync().request_ended(request=request)


def result_recorded(*, request: EnrolmentRequest, result: dict | None = None) -> None:
    """The host recorded the result (the request is completed): connected institutions get it."""
    if registration_needs_connector(request):
        institution_sync().result_recorded(request=request, result=result or {})


def registration_reference_store(*, request: EnrolmentRequest, home_ref: str = "", host_ref: str = "") -> None:
    """A connected institution's system created its record of the request (an OOAPI association) before
    the request is registered: keep its id on the request now, so later changes (a cancel, the result) can
    address it. Caller holds the request lock. Empty values leave the stored reference as it is."""
    fields = []
    if home_ref and home_ref != request.home_registration_ref:
        request.home_registration_ref = home_ref
        fields.append("home_registration_ref")
    if host_ref and host_ref != request.host_registration_ref:
        request.host_registration_ref = host_ref
        fields.append("host_registration_ref")
    if fields:
        request.save(update_fields=[*fields, "updated_at"])


def registration_confirm(*, request: EnrolmentRequest, home_ref: str = "", host_ref: str = "") -> None:
    """Both systems have the enrolment: store their references and mark the request registered."""
    request.home_registration_ref = home_ref or request.home_registration_ref
    request.host_registration_ref = host_ref or request.host_registration_ref
    transition(
        request,
        verb=lifecycle.REGISTER,
        reason=ReasonCode.AUTOMATIC,
        extra_fields=("home_registration_ref", "host_registration_ref"),
    )
