"""The provider's writes: a client reporting on an association, and creating provider clients."""

from __future__ import annotations

import functools
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import get_application_model
from openapi_schema_validator import OAS30WriteValidator

from core.errors import ApplicationError, PermissionDeniedError, WrongStateError
from enrolment.models import EnrolmentRequest
from enrolment.services.registration import host_decision_from_institution
from institutions.models import Institution
from ooapi.models import AssociationResult, ProviderClient
from ooapi.provider import problems
from ooapi.provider.params import resolve_refs
from ooapi.provider.problems import Problem
from ooapi.provider.scopes import PROVIDER_SCOPES, READ
from ooapi.spec import load_spec
from results.services.results import result_from_system

UNKNOWN_SCOPES = _("Unknown scopes: {scopes}. Choose from: {known}.")
PATCHABLE = ("remoteState", "result")
# What a connected host's system reports that ends the enrolment: denied (host-denied) or canceled.
HOST_ENDING_STATES = {"denied": True, "canceled": False}


@functools.cache
def _schema(name: str) -> dict:
    spec = load_spec()
    return resolve_refs(spec, spec["components"]["schemas"][name])


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON Merge Patch: objects merge key by key, ``null`` removes, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    merged = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = merge_patch(merged.get(key), value)
    return merged


def _check(field: str, value: Any, schema_name: str) -> None:
    errors = sorted(
        OAS30WriteValidator(_schema(schema_name), format_checker=OAS30WriteValidator.FORMAT_CHECKER).iter_errors(value),
        key=lambda error: list(error.absolute_path),
    )
    if errors:
        where = "/".join(str(part) for part in errors[0].absolute_path)
        reason = f"{where}: {errors[0].message}" if where else errors[0].message
        raise Problem(400, problems.PATCH_INVALID.format(field=field, reason=reason))


def association_report(*, client: ProviderClient, request: EnrolmentRequest, patch: dict) -> AssociationResult:
    """Apply ``patch``, a JSON merge patch (RFC 7396) of ``remoteState`` and/or ``result``, to what
    ``client``'s institution reported about ``request``.

    The patch must be what the spec's request body allows: a ``remoteState`` of the enum, and a complete
    ``CourseResult`` (the association is a course offering association); ``null`` is not allowed, so a
    result is corrected by sending a new one, not retracted. The new result is merged into the stored
    one. Only the host may report a result. A final result (state ``completed``) is recorded as the
    request's result (``results.services.result_from_system``), which completes the enrolment; one the
    results rules refuse (before the end date, out of scale, not registered) refuses the whole patch.
    Raises ``Problem`` (400, including a result from anyone but the host; 409) and then changes nothing.

    Idempotent: the same patch twice leaves the same row. Locks the report row, so concurrent patches
    of one institution apply one after the other. It records what the institution's system says. One
    report also moves the enrolment: a connected host's ``remoteState`` ``denied`` or ``canceled`` ends it
    as host-denied or cancelled through enrolment's command (``host_decision_from_institution``: only while
    the request is open at the host; the seat frees and the waitlist moves), in the same transaction as the
    report, so a refused move records nothing either (409). A portal-managed host decides in the portal:
    its system's report is recorded, as the home's is, and moves nothing.
    """
    unknown = sorted(set(patch) - set(PATCHABLE))
    if unknown:
        raise Problem(400, problems.PATCH_UNKNOWN_FIELDS.format(fields=", ".join(unknown)))
    if "result" in patch and request.host_institution_id != client.institution_id:
        # A field this client may not send: the official spec documents 200 and 400 for the patch, so a 400.
        raise Problem(400, problems.RESULT_ONLY_FROM_HOST)
    if "remoteState" in patch:
        _check("remoteState", patch["remoteState"], "remoteAssociationState")
    if "result" in patch:
        _check("result", patch["result"], "CourseResult")
    with transaction.atomic():
        ending = (
            patch.get("remoteState") in HOST_ENDING_STATES
            and client.institution_id == request.host_institution_id
            and client.institution.integration == Institution.Integration.CONNECTED
        )
        if ending:
            _host_decision(client=client, request=request, denied=HOST_ENDING_STATES[patch["remoteState"]])
            request.refresh_from_db(fields=["status"])
        report, _created = AssociationResult.objects.select_for_update().get_or_create(
            request=request, institution=client.institution
        )
        if "remoteState" in patch:
            report.remote_state = patch["remoteState"]
        if "result" in patch:
            report.result = merge_patch(report.result, patch["result"])
        report.updated_by = client
        report.save(update_fields=["remote_state", "result", "updated_by", "updated_at"])
        if "result" in patch:
            try:
                result_from_system(request_id=request.pk, course_result=report.result)
            except ApplicationError as error:  # the whole patch is refused: nothing stays written
                raise Problem(error.status_code, problems.RESULT_REFUSED.format(reason=error.message)) from None
    return report


def _host_decision(*, client: ProviderClient, request: EnrolmentRequest, denied: bool) -> None:
    try:
        host_decision_from_institution(request_id=request.pk, institution_id=client.institution_id, denied=denied)
    except PermissionDeniedError:
        raise Problem(403, problems.HOST_SYSTEM_ONLY) from None
    except WrongStateError:
        request.refresh_from_db(fields=["status"])
        status = request.get_status_display().lower()
        raise Problem(409, problems.HOST_DECISION_TOO_LATE.format(status=status)) from None


def provider_client_create(
    *, institution: Institution, scopes: list[str] | None = None, name: str = ""
) -> tuple[ProviderClient, str]:
    """A new OAuth2 client (confidential, client credentials) acting for ``institution``.

    Returns the client and its secret in plain text. The secret is stored hashed, so this is the only
    time it can be shown. Raises ``ApplicationError`` for scopes the provider does not know."""
    scopes = list(dict.fromkeys(scopes or [READ]))
    unknown = [scope for scope in scopes if scope not in PROVIDER_SCOPES]
    if unknown:
        raise ApplicationError(
            UNKNOWN_SCOPES.format(scopes=", ".join(unknown), known=", ".join(PROVIDER_SCOPES)), code="unknown_scope"
        )
    application_model = get_application_model()
    secret = generate_client_secret()
    with transaction.atomic():
        application = application_model(
            name=name or f"OOAPI {institution.code}",
            client_type=application_model.CLIENT_CONFIDENTIAL,
            authorization_grant_type=application_model.GRANT_CLIENT_CREDENTIALS,
            client_secret=secret,
            hash_client_secret=True,
        )
        application.full_clean()
        application.save()
        client = ProviderClient(application=application, institution=institution, scopes=" ".join(scopes))
        client.full_clean()
        client.save()
    return client, secret
