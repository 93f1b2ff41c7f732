"""Site-wide pages: the home page and the health check."""

from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from catalogue.selectors import catalogue_overview
from portal.health import health_report


def home(request):
    return render(request, "portal/home.html", {"overview": catalogue_overview()})


@never_cache
@require_safe
def healthz(request):
    """Database, broker and migrations as JSON: 200 when all are ok, 503 otherwise; never cached."""
    healthy, report = health_report()
    return JsonResponse(report, status=200 if healthy else 503)
