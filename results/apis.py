"""Results API: results, recognitions, precedents, conversion tables and the transcript. Thin views over
``results.services`` (writes) and ``results.selectors`` (reads); a refused command is an ApplicationError,
which the API's handler answers with its own status and translated message."""

from __future__ import annotations

import uuid

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import ApplicationError
from enrolment.selectors import request_by_public_id
from institutions.models import Institution, Programme
from results import selectors
from results.errors import NotHostError
from results.serializers import (
    ConversionTableSerializer,
    CorrectionInputSerializer,
    DecisionSerializer,
    ImportReportSerializer,
    PreApprovalSerializer,
    PrecedentSerializer,
    RecognitionSerializer,
    ResultInputSerializer,
    ResultSerializer,
    TranscriptRowSerializer,
    UploadSerializer,
)
from results.services import recognition as recognising
from results.services import results as recording

RESULT_FIELDS = ("scale", "score", "ec", "assessed_on", "examiner", "attempt")


def _input(data: dict) -> recording.ResultInput:
    return recording.ResultInput(**{name: data[name] for name in RESULT_FIELDS})


class ResultViewSet(viewsets.ReadOnlyModelViewSet):
    """Results of the requests you may see; the host's admissions record and correct them."""

    lookup_value_regex = "[0-9]+"

    serializer_class = ResultSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        queryset = selectors.results_visible(self.request.user)
        wanted = self.request.query_params.get("request")
        if wanted:
            try:
                queryset = queryset.filter(request__public_id=uuid.UUID(wanted))
            except ValueError:
                queryset = queryset.none()
        return queryset

    @extend_schema(request=ResultInputSerializer, responses={201: ResultSerializer})
    def create(self, request):
        """Record a result (completes a registered enrolment). Only the host's admissions, from the end date."""
        body = ResultInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            enrolment_request = request_by_public_id(request.user, body.validated_data["request"])
        except ApplicationError:
            raise NotHostError() from None
        result = recording.result_record(
            user=request.user, request_id=enrolment_request.pk, data=_input(body.validated_data)
        )
        return Response(ResultSerializer(result).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CorrectionInputSerializer, responses={201: ResultSerializer})
    @action(detail=True, methods=["post"])
    def correct(self, request, pk=None):
        """Correct the current result: a new one that names the old one and why."""
        body = CorrectionInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = recording.result_correct(
            user=request.user, result_id=pk, data=_input(body.validated_data), reason=body.validated_data["reason"]
        )
        return Response(ResultSerializer(result).data, status=status.HTTP_201_CREATED)

    @extend_schema(request={"multipart/form-data": UploadSerializer}, responses={200: ImportReportSerializer})
    @action(detail=False, methods=["post"], parser_classes=[MultiPartParser])
    def upload(self, request):
        """Record many results from a CSV file: all rows or none, with a report of the refused ones (400)."""
        body = UploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        institution = Institution.objects.filter(code=body.validated_data["institution"]).first()
        if institution is None:
            raise NotHostError()
        content = body.validated_data["file"].read(recording.MAX_CSV_BYTES + 1)
        report = recording.results_import_csv(user=request.user, institution_id=institution.pk, content=content)
        data = {
            "written": len(report.written),
            "problem": report.problem,
            "rejected": [{"line": line, "message": message} for line, message in report.rejected],
        }
        return Response(data, status=200 if report.ok else 400)


class RecognitionViewSet(viewsets.ReadOnlyModelViewSet):
    """Your own recognitions as a student; your students' as an examination board."""

    lookup_value_regex = "[0-9]+"

    serializer_class = RecognitionSerializer
    permission_classes = [permissions.IsAuthenticated]
    filterset_fields = ["status", "kind"]

    def get_queryset(self):
        return selectors.recognitions_visible(self.request.user)

    @extend_schema(request=PreApprovalSerializer, responses={201: RecognitionSerializer})
    def create(self, request):
        """Ask your examination board for pre-approval of a course, before it starts."""
        body = PreApprovalSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        enrolment_request = request_by_public_id(request.user, body.validated_data["request"])
        asked = recognising.recognition_preapproval_ask(user=request.user, request_id=enrolment_request.pk)
        return Response(RecognitionSerializer(asked).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DecisionSerializer, responses={200: RecognitionSerializer})
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        """The student's home examination board decides, once."""
        body = DecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        decided = recognising.recognition_decide(user=request.user, recognition_id=pk, **body.validated_data)
        return Response(RecognitionSerializer(decided).data)


class PrecedentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The precedent library of your examination board's programmes; search with ``?q=``."""

    lookup_value_regex = "[0-9]+"

    serializer_class = PrecedentSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        return selectors.precedents_for_board(self.request.user, query=self.request.query_params.get("q", "")[:100])

    def create(self, request, *args, **kwargs):
        body = PrecedentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        programme = Programme.objects.get(pk=data["programme"].pk)
        saved = recognising.precedent_save(
            user=request.user,
            programme=programme,
            course_id=data["course"].pk,
            counts_as=data.get("counts_as", ""),
            valid_from=data.get("valid_from"),
            valid_until=data.get("valid_until"),
        )
        return Response(PrecedentSerializer(saved).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        recognising.precedent_delete(user=request.user, precedent_id=kwargs["pk"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class ConversionTableViewSet(viewsets.ReadOnlyModelViewSet):
    """The grade-conversion tables, per pair of scales and where they differ per pair of institutions."""

    lookup_value_regex = "[0-9]+"

    serializer_class = ConversionTableSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        return selectors.conversion_tables().order_by("pk")


class TranscriptView(APIView):
    """Your results of courses taken elsewhere, with their recognition."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: TranscriptRowSerializer(many=True)})
    def get(self, request):
        return Response(TranscriptRowSerializer(selectors.transcript(request.user), many=True).data)
