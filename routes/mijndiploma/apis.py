"""MijnDiploma API: the student's versions (save with the row_version read, submit, a new version, checks,
audit and what-if), the board's decision, enrolment for approved items, and the published portfolios. Thin
views over ``services`` and ``selectors``; a stale row_version answers 409 in the API's error shape."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from routes.mijndiploma import selectors
from routes.mijndiploma.permissions import visible_versions
from routes.mijndiploma.serializers import (
    ProgrammeAuditSerializer,
    ProgrammeChecksSerializer,
    ProgrammeDecisionSerializer,
    ProgrammeEnrolledSerializer,
    ProgrammePortfolioSerializer,
    ProgrammeRowVersionSerializer,
    ProgrammeSaveSerializer,
    ProgrammeVersionSerializer,
)
from routes.mijndiploma.services import composing, review


def _version(request, pk):
    return selectors.version_for(request.user, pk)


class VersionViewSet(viewsets.ReadOnlyModelViewSet):
    """Programme versions: your own as a student; your students' submitted ones as their examination board."""

    lookup_value_regex = "[0-9]+"
    serializer_class = ProgrammeVersionSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        return (
            visible_versions(self.request.user)
            .select_related("composed__programme")
            .prefetch_related("items__offering__course", "items__offering__module", "items__offering__institution")
            .prefetch_related("items__offering__period", "items__enrolment_request")
            .order_by("-pk")
        )

    def retrieve(self, request, pk=None):
        return Response(ProgrammeVersionSerializer(_version(request, pk)).data)

    @extend_schema(request=ProgrammeSaveSerializer, responses={200: ProgrammeVersionSerializer})
    @action(detail=True, methods=["post"])
    def items(self, request, pk=None):
        """Replace a draft's items; 409 when ``row_version`` is not the stored one (someone saved first)."""
        body = ProgrammeSaveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        saved = composing.version_save(
            user=request.user,
            version_id=pk,
            row_version=body.validated_data["row_version"],
            items=[dict(item) for item in body.validated_data["items"]],
        )
        return Response(ProgrammeVersionSerializer(_version(request, saved.pk)).data)

    @extend_schema(request=ProgrammeRowVersionSerializer, responses={200: ProgrammeVersionSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Submit the draft to the home examination board (400 naming every rule it breaks)."""
        body = ProgrammeRowVersionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        saved = composing.version_submit(
            user=request.user, version_id=pk, row_version=body.validated_data["row_version"]
        )
        return Response(ProgrammeVersionSerializer(_version(request, saved.pk)).data)

    @extend_schema(request=ProgrammeDecisionSerializer, responses={200: ProgrammeVersionSerializer})
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        """The home examination board approves, denies or asks for changes (with comments per item)."""
        body = ProgrammeDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        decided = review.version_decide(user=request.user, version_id=pk, **body.validated_data)
        return Response(ProgrammeVersionSerializer(_version(request, decided.pk)).data)

    @extend_schema(responses={200: ProgrammeChecksSerializer})
    @action(detail=True, methods=["get"])
    def checks(self, request, pk=None):
        """The rules' verdict on the version: each check with its reason and a link to the fix."""
        verdict = selectors.compliance_of(_version(request, pk))
        checks = [{"code": c.code, "ok": c.ok, "message": str(c.message), "link": c.link} for c in verdict.checks]
        return Response({"passed": verdict.passed, "checks": checks})

    @extend_schema(responses={200: ProgrammeAuditSerializer})
    @action(detail=True, methods=["get"])
    def audit(self, request, pk=None):
        """Each requirement met, in progress or open; and where each course counts (what-if)."""
        version = _version(request, pk)
        what_if = selectors.what_if(version)
        data = {
            "requirements": [vars(r) for r in selectors.audit(version)],
            "what_if": [vars(r) for r in what_if.rows],
            "composed_total": what_if.composed_total,
            "current_total": what_if.current_total,
        }
        return Response(ProgrammeAuditSerializer(data).data)


class ProgrammeView(APIView):
    """Your composed programme: POST starts it (version 1, a draft) or answers the latest version."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={200: ProgrammeVersionSerializer})
    def post(self, request):
        composed = composing.programme_start(user=request.user)
        latest = selectors.versions_of(composed)[0]
        return Response(ProgrammeVersionSerializer(_version(request, latest.pk)).data)


class NewVersionView(APIView):
    """A new draft version after the board's decision on the latest one, with its items."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={201: ProgrammeVersionSerializer})
    def post(self, request):
        version = composing.version_new(user=request.user)
        return Response(ProgrammeVersionSerializer(_version(request, version.pk)).data, status=status.HTTP_201_CREATED)


class EnrolView(APIView):
    """Ask for enrolment in an approved item at another institution (an enrolment request, route MijnDiploma)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={201: ProgrammeEnrolledSerializer})
    def post(self, request, pk: int):
        asked = composing.item_enrol(user=request.user, item_id=pk)
        return Response({"request": asked.public_id, "status": asked.status}, status=status.HTTP_201_CREATED)


class PortfolioViewSet(viewsets.ReadOnlyModelViewSet):
    """Published themed portfolios: minors and electives across the zone around a theme."""

    lookup_value_regex = "[0-9]+"
    serializer_class = ProgrammePortfolioSerializer
    permission_classes = [permissions.AllowAny]

    def get_queryset(self):
        return selectors.portfolios_published().order_by("pk")
