"""The webhooks' staff pages: an institution's endpoints (and the form to register one), and one endpoint
with its deliveries. Thin: reads from ``selectors``, every write is one service call, refusals render
their message with their status code."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import ApplicationError
from institutions.models import Institution
from ooapi.models import OutboxMessage, WebhookEndpoint
from webhooks import errors, selectors, services
from webhooks.events import EVENTS

REGISTERED_MESSAGE = _("The endpoint is registered. Copy its signing secret now: it is not shown again.")
ROTATED_MESSAGE = _("The endpoint has a new signing secret. Copy it now: it is not shown again.")
ENABLED_MESSAGE = _("The endpoint is enabled.")
DISABLED_MESSAGE = _("The endpoint is disabled: it gets no new events until you enable it.")
DELETED_MESSAGE = _("The endpoint and its deliveries are deleted.")
REPLAYED_MESSAGE = _("The delivery is queued again, with the same event id.")


def _refused(request, error: ApplicationError, institution=None) -> HttpResponse:
    context = {"refused": error.message, "institution": institution}
    return render(request, "webhooks/refused.html", context, status=error.status_code)


def _institution(request, code: str) -> Institution:
    institution = get_object_or_404(Institution, code=code)
    if not services.may_manage(request.user, institution.pk):
        raise errors.NotStaffError()
    return institution


def _events_context(chosen=()) -> list[dict]:
    return [{"value": key, "label": label, "checked": key in chosen} for key, label in EVENTS.items()]


@login_required
@require_http_methods(["GET", "POST"])
def endpoints(request: HttpRequest, code: str) -> HttpResponse:
    try:
        institution = _institution(request, code)
    except ApplicationError as error:
        return _refused(request, error)
    context = {"institution": institution, "form_url": "", "form_description": ""}
    status = 200
    chosen: list[str] = []
    if request.method == "POST":
        chosen = request.POST.getlist("events")
        try:
            endpoint, secret = services.endpoint_create(
                user=request.user,
                institution_id=institution.pk,
                url=request.POST.get("url", ""),
                events=chosen,
                description=request.POST.get("description", ""),
            )
        except ApplicationError as error:
            if error.status_code == 403:
                return _refused(request, error, institution)
            context.update(
                error=error.message,
                form_url=request.POST.get("url", ""),
                form_description=request.POST.get("description", ""),
            )
            status = 400
        else:
            return _endpoint_page(request, institution, endpoint, secret=secret, notice=REGISTERED_MESSAGE)
    context.update(endpoints=selectors.endpoints_of(institution=institution), events=_events_context(chosen))
    return render(request, "webhooks/endpoints.html", context, status=status)


def _endpoint_page(request, institution, endpoint: WebhookEndpoint, *, secret: str = "", notice="") -> HttpResponse:
    status_filter = request.GET.get("status", "")
    context = {
        "institution": institution,
        "endpoint": endpoint,
        "secret": secret,
        "notice": notice,
        "event_labels": [EVENTS.get(event, event) for event in endpoint.events],
        "deliveries": selectors.deliveries_of(endpoint=endpoint, status=status_filter),
        "status_filter": status_filter,
        "statuses": OutboxMessage.Status.choices,
    }
    return render(request, "webhooks/endpoint.html", context)


@login_required
@require_GET
def endpoint(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    try:
        institution = _institution(request, code)
    except ApplicationError as error:
        return _refused(request, error)
    found = get_object_or_404(WebhookEndpoint, pk=pk, institution=institution)
    return _endpoint_page(request, institution, found)


@login_required
@require_POST
def endpoint_active(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    institution = get_object_or_404(Institution, code=code)
    active = request.POST.get("active") == "1"
    try:
        services.endpoint_active_set(user=request.user, endpoint_id=pk, active=active, institution_id=institution.pk)
    except ApplicationError as error:
        return _refused(request, error, institution)
    messages.success(request, ENABLED_MESSAGE if active else DISABLED_MESSAGE)
    return redirect("webhooks:endpoint", code=code, pk=pk)


@login_required
@require_POST
def endpoint_rotate(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    institution = get_object_or_404(Institution, code=code)
    try:
        found, secret = services.endpoint_secret_rotate(
            user=request.user, endpoint_id=pk, institution_id=institution.pk
        )
    except ApplicationError as error:
        return _refused(request, error, institution)
    return _endpoint_page(request, institution, found, secret=secret, notice=ROTATED_MESSAGE)


@login_required
@require_POST
def endpoint_delete(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    institution = get_object_or_404(Institution, code=code)
    try:
        services.endpoint_delete(user=request.user, endpoint_id=pk, institution_id=institution.pk)
    except ApplicationError as error:
        return _refused(request, error, institution)
    messages.success(request, DELETED_MESSAGE)
    return redirect("webhooks:endpoints", code=code)


@login_required
@require_POST
def delivery_replay(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    institution = get_object_or_404(Institution, code=code)
    try:
        message = services.delivery_replay(user=request.user, message_id=pk, institution_id=institution.pk)
    except ApplicationError as error:
        if error.status_code == 409:
            found = OutboxMessage.objects.filter(pk=pk).values_list("endpoint_id", flat=True).first()
            messages.error(request, error.message)
            return redirect("webhooks:endpoint", code=code, pk=found)
        return _refused(request, error, institution)
    messages.success(request, REPLAYED_MESSAGE)
    return redirect("webhooks:endpoint", code=code, pk=message.endpoint_id)
