"""The webhook events, who receives each, and their payloads (``docs/webhooks.md`` documents them).

Every subscriber runs inside the transaction of the change it reports and writes the outbox rows there
(``ooapi.sync.webhooks.outbox.webhook_event_write``): a rolled-back change sends nothing, a committed one is
delivered at least once. Payloads are minimal: ids, public ids, states and times, never a name, an email
address or a grade; a receiver that needs more asks the portal's OOAPI with its own credentials.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from credentials.models import IssuedCredential
from credentials.services import issued_subscribe
from enrolment import lifecycle
from enrolment.lifecycle import ENDED, HOST_ACTIVE
from enrolment.models import EnrolmentRequest, RequestEvent, Status
from institutions.models import Institution
from ooapi.sync.webhooks.outbox import webhook_event_write
from results.models import Result
from results.services.results import recorded_subscribe

REQUEST_SUBMITTED = "request.submitted"
REQUEST_DECIDED = "request.decided"
REQUEST_CANCELLED = "request.cancelled"
RESULT_RECORDED = "result.recorded"
CREDENTIAL_ISSUED = "credential.issued"
EVENTS = {
    REQUEST_SUBMITTED: _("A request was submitted (to the home institution)"),
    REQUEST_DECIDED: _("A request was decided: approved or denied by the home, admitted or denied by the host"),
    REQUEST_CANCELLED: _("A request was cancelled, withdrawn or expired"),
    RESULT_RECORDED: _("A result was recorded or corrected"),
    CREDENTIAL_ISSUED: _("A microcredential was issued"),
}
# The decisions that make a ``request.decided``, and whether the host hears of each.
DECISIONS = {
    Status.HOME_APPROVED: True,  # from now on the host has the request
    Status.HOME_DENIED: False,  # the host never had it
    Status.ADMITTED: True,
    Status.HOST_DENIED: True,
}


def _iso(value) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def institution_codes(*ids) -> dict[int, str]:
    return dict(Institution.objects.filter(pk__in=[pk for pk in ids if pk]).values_list("pk", "code"))


def request_data(request: EnrolmentRequest, *, codes: dict[int, str]) -> dict:
    return {
        "id": request.pk,
        "public_id": str(request.public_id),
        "status": request.status,
        "offering_id": request.offering_id,
        "home_institution": codes.get(request.home_institution_id),
        "host_institution": codes.get(request.host_institution_id),
        "route": request.route,
    }


def request_moved(events: list[RequestEvent]) -> None:
    """The enrolment lifecycle's subscriber: each move that is an event writes it for the institutions it
    concerns (``request.submitted`` to the home only: the host has a request once the home approved it)."""
    for event in events:
        request = event.request
        home, host = request.home_institution_id, request.host_institution_id
        to, previous = event.to_status, event.from_status
        if to == Status.SUBMITTED and previous != Status.SUBMITTED:
            kind, recipients = REQUEST_SUBMITTED, [home]
        elif to in DECISIONS:
            kind, recipients = REQUEST_DECIDED, [home, host] if DECISIONS[to] else [home]
        elif to in ENDED and previous != Status.DRAFT:
            host_had_it = previous in HOST_ACTIVE or previous == Status.HOST_DENIED
            kind, recipients = REQUEST_CANCELLED, [home, host] if host_had_it else [home]
        else:
            continue

        def data(request=request, event=event):
            return {
                "request": request_data(
                    request, codes=institution_codes(request.home_institution_id, request.host_institution_id)
                ),
                "from_status": event.from_status,
                "to_status": event.to_status,
                "occurred_at": _iso(event.at),
            }

        webhook_event_write(institution_ids=recipients, event=kind, data=data, request=request, occurred_at=event.at)


def result_recorded(result: Result) -> None:
    """A result recorded or corrected: the host that recorded it and the student's home."""
    request = result.request
    home, host = request.home_institution_id, request.host_institution_id

    def data():
        return {
            "result": {
                "id": result.pk,
                "corrects": result.corrects_id,
                "attempt": result.attempt,
                "source": result.source,
                "recorded_at": _iso(result.recorded_at),
            },
            "request": request_data(request, codes=institution_codes(home, host)),
        }

    webhook_event_write(
        institution_ids=[home, host], event=RESULT_RECORDED, data=data, request=request, occurred_at=result.recorded_at
    )


def credential_issued(credential: IssuedCredential) -> None:
    """A credential issued: the institution that awarded it. A stacked credential (for a larger whole) has no
    result or request of its own: it names its components instead, and its ``request`` is ``null``."""
    request = credential.result.request if credential.result_id is not None else None

    def data():
        return {
            "credential": {
                "public_id": str(credential.public_id),
                "status": credential.status,
                "issued_at": _iso(credential.issued_at),
                "definition": str(credential.definition.public_id),
                "result_id": credential.result_id,
                "components": [
                    str(public_id) for public_id in credential.components.values_list("public_id", flat=True)
                ],
            },
            "request": {"id": request.pk, "public_id": str(request.public_id)} if request is not None else None,
        }

    webhook_event_write(
        institution_ids=[credential.definition.awarding_institution_id],
        event=CREDENTIAL_ISSUED,
        data=data,
        request=request,
        occurred_at=credential.issued_at,
    )


def register() -> None:
    """Called once from ``WebhooksConfig.ready()``."""
    lifecycle.subscribe(request_moved)
    recorded_subscribe(result_recorded)
    issued_subscribe(credential_issued)
