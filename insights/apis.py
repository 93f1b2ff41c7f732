"""The dashboards' API: every chart's aggregates, the same tables the pages draw and the CSV files hold.
Thin: ``insights.selectors`` decides who sees what and computes; a bad filter is a 400 in the API's error
shape, a dashboard that is not yours a 403."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from insights import selectors
from insights.panels import INSTITUTION, ZONE
from insights.serializers import DashboardSerializer, PanelSerializer
from insights.suppression import threshold
from institutions.models import Institution
from institutions.routes import Route

COMMON = [
    OpenApiParameter("year", OpenApiTypes.STR, description="Academic year of the offering, e.g. 2026-2027."),
    OpenApiParameter("period", OpenApiTypes.STR, description="Period kind and number, e.g. semester-1, quarter-2."),
    OpenApiParameter("route", OpenApiTypes.STR, enum=Route.values, description="One student route."),
    OpenApiParameter("from", OpenApiTypes.DATE, description="Submitted on or after this date."),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Submitted on or before this date."),
]
ZONE_PARAMETERS = [
    *COMMON,
    OpenApiParameter("institution", OpenApiTypes.STR, description="An institution's code: its requests either way."),
]


def _dashboard(request, *, scope: str, institution: Institution | None = None) -> Response:
    filters, panels = selectors.dashboard(
        request.user, scope=scope, params=request.query_params, institution=institution
    )
    body = {"filters": filters.as_query(), "threshold": threshold(), "panels": [p.as_dict() for p in panels]}
    return Response(body)


def _panel(request, *, scope: str, key: str, institution: Institution | None = None) -> Response:
    panel = selectors.dashboard_panel(
        request.user, scope=scope, key=key, params=request.query_params, institution=institution
    )
    if panel is None:
        raise NotFound()
    return Response(panel.as_dict())


class ZoneDashboardView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        operation_id="insights_zone",
        parameters=ZONE_PARAMETERS,
        responses={200: DashboardSerializer},
        tags=["insights"],
    )
    def get(self, request):
        """Every chart of the zone dashboard (zone coordinators): aggregates only, small counts hidden."""
        return _dashboard(request, scope=ZONE)


class ZonePanelView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        operation_id="insights_zone_chart",
        parameters=ZONE_PARAMETERS,
        responses={200: PanelSerializer},
        tags=["insights"],
    )
    def get(self, request, key: str):
        """One chart of the zone dashboard, by its key (e.g. ``flows``, ``funnel``, ``lead-times``)."""
        return _panel(request, scope=ZONE, key=key)


class InstitutionDashboardView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        operation_id="insights_institution", parameters=COMMON, responses={200: DashboardSerializer}, tags=["insights"]
    )
    def get(self, request, code: str):
        """Every chart of one institution's dashboard: its own staff, and coordinators."""
        return _dashboard(request, scope=INSTITUTION, institution=get_object_or_404(Institution, code=code))


class InstitutionPanelView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        operation_id="insights_institution_chart",
        parameters=COMMON,
        responses={200: PanelSerializer},
        tags=["insights"],
    )
    def get(self, request, code: str, key: str):
        """One chart of one institution's dashboard, by its key (e.g. ``incoming``, ``queues``)."""
        institution = get_object_or_404(Institution, code=code)
        return _panel(request, scope=INSTITUTION, key=key, institution=institution)
