"""Staff pages of catalogue imports: the runs with a progress bar (polled with htmx while one runs), a run's
report, and a button that asks a worker for an import. Thin: ``services`` and ``selectors`` do the work."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from core.errors import NotFoundError, PermissionDeniedError
from ooapi.consumer import access, selectors, services

QUEUED_MESSAGE = _("The import of %(institution)s is queued; it starts as soon as a worker is free.")
ALREADY_MESSAGE = _("An import of %(institution)s is already queued or running.")
POLL_SECONDS = 2


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "ooapi/imports.html", {"forbidden": services.NOT_ALLOWED}, status=403)


def _runs_context(request: HttpRequest) -> dict:
    connections = list(access.import_connections_for(user=request.user))
    runs = selectors.with_progress(list(selectors.import_runs_for(user=request.user)))
    queued = selectors.queued_connection_ids(connections)
    return {
        "connections": connections,
        "queued": queued,
        "runs": runs,
        "polling": bool(queued) or any(progress.is_running for progress in runs),
        "poll_seconds": POLL_SECONDS,
    }


@login_required
@require_GET
def imports(request: HttpRequest) -> HttpResponse:
    if not access.may_manage_imports(request.user):
        return _forbidden(request)
    return render(request, "ooapi/imports.html", _runs_context(request))


@login_required
@require_GET
def runs(request: HttpRequest) -> HttpResponse:
    """The runs table alone, for htmx polling; it stops polling itself when nothing runs or waits."""
    if not access.may_manage_imports(request.user):
        return _forbidden(request)
    return render(request, "ooapi/imports_runs.html", _runs_context(request))


@login_required
@require_POST
def start(request: HttpRequest, connection_id: int) -> HttpResponse:
    try:
        connection, queued = services.catalogue_import_start(user=request.user, connection_id=connection_id)
    except PermissionDeniedError:
        return _forbidden(request)
    except NotFoundError:
        raise Http404 from None
    values = {"institution": connection.institution.short_name}
    if queued:
        messages.success(request, QUEUED_MESSAGE % values)
    else:
        messages.info(request, ALREADY_MESSAGE % values)
    return redirect("ooapi_imports:list")


@login_required
@require_GET
def detail(request: HttpRequest, run_id: int) -> HttpResponse:
    """One run with its report; while it runs, htmx polls the progress part of this page."""
    if not access.may_manage_imports(request.user):
        return _forbidden(request)
    run = selectors.import_run_for(user=request.user, run_id=run_id)
    if run is None:
        raise Http404
    context = {"progress": selectors.with_progress([run])[0], "poll_seconds": POLL_SECONDS}
    if request.headers.get("HX-Request") == "true":
        return render(request, "ooapi/imports_progress.html", context)
    return render(request, "ooapi/imports_detail.html", {**context, "entries": selectors.report_entries(run)})
