"""Settlement API: the statement (an institution's, or the zone's) and the tariffs. Thin views over
``billing.selectors_settlement`` and ``billing.services.settlement``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from billing import selectors_settlement as selectors
from billing.errors import StatementNotFoundError
from billing.serializers_settlement import (
    StatementQuerySerializer,
    StatementSerializer,
    TariffInputSerializer,
    TariffSerializer,
)
from billing.services import settlement as services
from billing.services.settlement import UNKNOWN_INSTITUTION
from core.errors import ApplicationError
from core.i18n import lazy_format
from institutions.models import AcademicPeriod, Institution

UNKNOWN_YEAR = _("No academic year %(value)s in the zone.")
UNKNOWN_PERIOD = _("No academic period %(value)s in the zone.")


class StatementView(APIView):
    """Who owes whom for cross-enrolments in an academic year: per ordered pair, then net per pair."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(parameters=[StatementQuerySerializer], responses={200: StatementSerializer})
    def get(self, request):
        query = StatementQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        institution = None
        if data.get("institution"):
            institution = Institution.objects.filter(code=data["institution"]).first()
            if institution is None:
                raise StatementNotFoundError()
        year = data.get("year") or selectors.current_academic_year()
        if year not in selectors.academic_years():
            raise ApplicationError(lazy_format(UNKNOWN_YEAR, value=year), code="unknown_academic_year")
        period = None
        if data.get("period"):
            period = AcademicPeriod.objects.filter(pk=data["period"]).first()
            if period is None:
                raise ApplicationError(lazy_format(UNKNOWN_PERIOD, value=data["period"]), code="unknown_period")
        statement = selectors.statement_for(request.user, year=year, period=period, institution=institution)
        return Response(StatementSerializer(statement).data)


class TariffViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """Settlement tariffs: coordinators and administrators see and manage all; staff see their own."""

    serializer_class = TariffSerializer
    permission_classes = [permissions.IsAuthenticated]
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        return selectors.tariffs_visible(self.request.user)

    @extend_schema(request=TariffInputSerializer, responses={201: TariffSerializer})
    def create(self, request):
        """Set a tariff between two institutions (zone coordinators and administrators)."""
        if not services.may_manage_tariffs(request.user):
            raise services.NotTariffManagerError()
        body = TariffInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        codes = Institution.objects.in_bulk([data["payer"], data["payee"]], field_name="code")
        if data["payer"] not in codes or data["payee"] not in codes:
            raise ApplicationError(UNKNOWN_INSTITUTION, code="unknown_institution")
        tariff = services.tariff_create(
            user=request.user,
            payer_id=codes[data["payer"]].pk,
            payee_id=codes[data["payee"]].pk,
            basis=data["basis"],
            rate=data["rate"],
            academic_year=data["academic_year"],
            valid_from=data["valid_from"],
            valid_until=data["valid_until"],
        )
        return Response(TariffSerializer(tariff).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, pk=None):
        """Remove a tariff (zone coordinators and administrators)."""
        self.get_object()  # someone who may not even see it gets a 404
        services.tariff_delete(user=request.user, tariff_id=int(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)
