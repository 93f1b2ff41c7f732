from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from privacy import selectors


class ExportView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="privacy_export",
        summary="Everything the portal holds about me",
        description=(
            "Per kind of data (`app_label.Model`): its name, why it is held, what erasure does to it "
            "(`delete` or `pseudonymise`) and the rows. Secrets such as tokens are left out."
        ),
        responses={200: OpenApiTypes.OBJECT},
        tags=["privacy"],
    )
    def get(self, request):
        return Response(selectors.export_of(request.user))
