"""The connection status page: for each connected institution the last successful sync, errors, the
circuit, queue depth and dead letters with a retry button. Superusers see all institutions, institution
staff their own. Thin: reads from ``selectors``, the retry is ``services.outbox_message_retry``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from accounts.selectors import staff_institutions
from core.errors import ApplicationError
from ooapi.models import Connection, OutboxMessage
from ooapi.sync import selectors, services

NOT_ALLOWED_MESSAGE = _("The connection status is for administrators and institution staff.")
RETRIED_MESSAGE = _("The message is queued again and will be sent shortly.")


def _is_staff(user) -> bool:
    return user.is_superuser or staff_institutions(user=user).exists()


@login_required
@require_GET
def connections(request: HttpRequest) -> HttpResponse:
    if not _is_staff(request.user):
        return render(request, "ooapi/connections.html", {"forbidden": NOT_ALLOWED_MESSAGE}, status=403)
    visible = list(selectors.connections_visible(user=request.user))
    return render(request, "ooapi/connections.html", {"statuses": selectors.connection_statuses(connections=visible)})


@login_required
@require_GET
def connection(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(Connection.objects.select_related("institution"), pk=pk)
    if not services.may_manage_connection(request.user, found.institution_id):
        return render(request, "ooapi/connections_detail.html", {"forbidden": NOT_ALLOWED_MESSAGE}, status=403)
    status = selectors.connection_status(connection=found)
    return render(request, "ooapi/connections_detail.html", {"status": status, "connection": found})


@login_required
@require_POST
def message_retry(request: HttpRequest, pk: int, message_pk: int) -> HttpResponse:
    message = get_object_or_404(OutboxMessage, pk=message_pk, connection_id=pk)
    try:
        services.outbox_message_retry(user=request.user, message_id=message.pk)
    except ApplicationError as error:
        if error.status_code == 403:
            return render(request, "ooapi/connections_detail.html", {"forbidden": error.message}, status=403)
        messages.error(request, error.message)
        return redirect("ooapi_sync:connection", pk=pk)
    messages.success(request, RETRIED_MESSAGE)
    return redirect("ooapi_sync:connection", pk=pk)
