"""The dashboards' pages and their CSV files. Thin: every number comes from ``insights.selectors``; a filter
the dashboards cannot apply is shown above the form with status 400, a dashboard the user may not open is
a 403."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from insights import selectors
from insights.errors import DashboardDeniedError, FilterError
from insights.filters import Filters
from insights.panels import INSTITUTION, ZONE
from insights.suppression import threshold
from institutions.models import AcademicPeriod, Institution
from institutions.routes import Route


def _render(request: HttpRequest, *, scope: str, institution: Institution | None = None) -> HttpResponse:
    error, status = None, 200
    try:
        filters, panels = selectors.dashboard(request.user, scope=scope, params=request.GET, institution=institution)
    except DashboardDeniedError as denied:
        raise PermissionDenied(str(denied.message)) from None
    except FilterError as refused:
        error, status, filters, panels = refused.message, 400, Filters(), []
    context = {
        "scope": scope,
        "institution": institution,
        "filters": filters,
        "query": urlencode(filters.as_query()),
        "values": request.GET,
        "panels": panels,
        "counted_at": selectors.counted_at() if panels else None,
        "error": error,
        "threshold": threshold(),
        "routes": Route.choices,
        "period_kinds": AcademicPeriod.Kind.choices,
        "institutions": Institution.objects.order_by("short_name") if scope == ZONE else [],
    }
    return render(request, "insights/dashboard.html", context, status=status)


def _csv(request: HttpRequest, *, scope: str, key: str, institution: Institution | None = None) -> HttpResponse:
    try:
        panel = selectors.dashboard_panel(
            request.user, scope=scope, key=key, params=request.GET, institution=institution
        )
    except DashboardDeniedError as denied:
        raise PermissionDenied(str(denied.message)) from None
    except FilterError as refused:
        return HttpResponse(str(refused.message), status=400, content_type="text/plain; charset=utf-8")
    if panel is None:
        raise Http404
    name = f"{institution.code}-{key}" if institution else f"zone-{key}"
    response = HttpResponse(panel.table.csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


@login_required
@require_GET
def zone(request: HttpRequest) -> HttpResponse:
    return _render(request, scope=ZONE)


@login_required
@require_GET
def zone_csv(request: HttpRequest, key: str) -> HttpResponse:
    return _csv(request, scope=ZONE, key=key)


@login_required
@require_GET
def institution(request: HttpRequest, code: str) -> HttpResponse:
    return _render(request, scope=INSTITUTION, institution=get_object_or_404(Institution, code=code))


@login_required
@require_GET
def institution_csv(request: HttpRequest, code: str, key: str) -> HttpResponse:
    return _csv(request, scope=INSTITUTION, key=key, institution=get_object_or_404(Institution, code=code))
