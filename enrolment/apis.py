"""Enrolment API: thin views over the services. Transitions are POST /api/enrolments/{id}/<verb>/."""

from __future__ import annotations

import uuid

from django.db.models import Prefetch, prefetch_related_objects
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from core.idempotency import run_idempotent
from enrolment import permissions as access
from enrolment.eligibility import eligibility_check
from enrolment.errors import NotAllowedError, RequestNotFoundError
from enrolment.models import EnrolmentRequest, RequestEvent, Status
from enrolment.selectors import requests_visible
from enrolment.serializers import (
    BulkDecisionSerializer,
    BulkOutcomeSerializer,
    EligibilityCheckSerializer,
    EnrolmentCreateSerializer,
    EnrolmentRequestSerializer,
    MotivationSerializer,
    QueuedSerializer,
    TransitionSerializer,
)
from enrolment.services import approval, queue, requests
from enrolment.services.actions import ACTIONS, request_act

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key", str, OpenApiParameter.HEADER, description="Retry-safe: the same key returns the first answer."
)


def _detail(request, enrolment_request: EnrolmentRequest) -> dict:
    fresh = (
        EnrolmentRequest.objects.select_related(
            "offering__institution",
            "offering__course",
            "offering__module",
            "home_institution",
            "host_institution",
            "student__user",
        )
        .prefetch_related(Prefetch("events", queryset=RequestEvent.objects.order_by("at", "pk")))
        .get(pk=enrolment_request.pk)
    )
    return EnrolmentRequestSerializer(fresh, context={"request": request}).data


def _submitted_detail(request, submitted: EnrolmentRequest) -> dict:
    """``_detail`` of a request ``request_submit`` has just returned, without reading it again: the service
    already holds everything the answer shows (the offering with its course, module and institution, both
    institutions, the student's profile) in the state it saved. Only the timeline is read."""
    submitted.student.user = request.user  # the profile was found by this user's id
    prefetch_related_objects([submitted], Prefetch("events", queryset=RequestEvent.objects.order_by("at", "pk")))
    return EnrolmentRequestSerializer(submitted, context={"request": request}).data


# The transition endpoint's documentation, from the action table: who may use each verb, and from where.
ACTION_NAMES = [*ACTIONS]
VERB_HELP = "\n".join(f"- `{name}`: {action.help}" for name, action in ACTIONS.items())


class EnrolmentViewSet(viewsets.GenericViewSet):
    """Cross-enrolment requests. Students see and act on their own; staff on their institution's."""

    serializer_class = EnrolmentRequestSerializer
    permission_classes = [permissions.IsAuthenticated]
    lookup_field = "public_id"
    lookup_url_kwarg = "id"
    # A request's public id is a UUID; anything else is not one of its addresses (the router answers 404).
    lookup_value_regex = "[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
    parser_classes = [JSONParser, MultiPartParser, FormParser]  # multipart: the enrol form's document

    def get_queryset(self):
        queryset = requests_visible(self.request.user)
        params = self.request.query_params
        if params.get("status") in Status.values:
            queryset = queryset.filter(status=params["status"])
        if params.get("side") == "incoming":
            queryset = queryset.filter(
                host_institution__in=access.staff_institution_ids(self.request.user, access.HOST_ROLES)
            )
        elif params.get("side") == "outgoing":
            queryset = queryset.filter(
                home_institution__in=access.staff_institution_ids(self.request.user, access.HOME_ROLES)
            )
        return queryset.order_by("-created_at", "pk")

    def _visible(self, id_value) -> EnrolmentRequest:
        return access.request_for(self.request.user, _public_pk(self.request.user, id_value))

    @extend_schema(
        summary="My requests, or my institution's",
        parameters=[
            OpenApiParameter("status", str, enum=Status.values),
            OpenApiParameter("side", str, enum=["incoming", "outgoing"]),
        ],
    )
    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(summary="One request with its timeline")
    def retrieve(self, request, id=None):
        return Response(_detail(request, self._visible(id)))

    @extend_schema(
        summary="Enrol: create and submit a request",
        description="201: submitted inline, the answer carries the outcome. 202: during an enrolment window with "
        "queued admission, recorded in the offering's queue (`queued` true, its `arrival` number); a worker decides "
        "it within seconds: follow `status_url` (also the `Location` header), the request in full.",
        request=EnrolmentCreateSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: EnrolmentRequestSerializer, 202: QueuedSerializer},
    )
    def create(self, request):
        serializer = EnrolmentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data

        def submit():
            offering = queue.queue_offering(data["offering"], alternatives=data["alternatives"])
            if offering is not None:
                # Queued admission: recorded with its arrival order; a worker decides it (follow status_url).
                recorded = queue.request_enqueue(
                    user=request.user,
                    offering_id=data["offering"],
                    offering=offering,
                    motivation=data["motivation"],
                    document=data.get("document"),
                    route=data["route"],
                )
                return status.HTTP_202_ACCEPTED, QueuedSerializer(recorded).data
            created = requests.request_submit(
                user=request.user,
                offering_id=data["offering"],
                motivation=data["motivation"],
                document=data.get("document"),
                route=data["route"],
                alternatives=data["alternatives"],
            )
            return status.HTTP_201_CREATED, _submitted_detail(request, created)

        code, body = run_idempotent(
            user=request.user,
            key=request.headers.get("Idempotency-Key"),
            payload=serializer.initial_data,
            action=submit,
        )
        headers = {"Location": body["status_url"]} if code in (201, 202) and "status_url" in body else None
        return Response(body, status=code, headers=headers)

    @extend_schema(
        summary="Eligibility for an offering, rule by rule",
        parameters=[OpenApiParameter("offering", int, required=True)],
        responses=inline_serializer(
            "Eligibility",
            {"eligible": serializers.BooleanField(), "checks": EligibilityCheckSerializer(many=True)},
        ),
    )
    @action(detail=False, methods=["get"])
    def eligibility(self, request):
        profile = requests.student_profile_require(request.user)
        offering = requests.offering_for_enrolment(request.query_params.get("offering"))
        result = eligibility_check(student=profile, offering=offering)
        return Response(
            {
                "eligible": result.eligible,
                "checks": [
                    {"code": c.code, "ok": c.ok, "blocking": c.blocking, "message": str(c.message)}
                    for c in result.checks
                ],
            }
        )

    @extend_schema(
        summary="Approve or deny many requests at once (home staff)",
        request=BulkDecisionSerializer,
        responses=inline_serializer("BulkResult", {"results": serializers.DictField(child=BulkOutcomeSerializer())}),
    )
    @action(detail=False, methods=["post"])
    def bulk(self, request):
        if not access.staff_institution_ids(request.user, access.HOME_ROLES):
            raise NotAllowedError()  # each id is checked again: staff decide only for their own institution
        serializer = BulkDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        results = approval.home_bulk_decide(
            user=request.user, public_ids=data["ids"], verb=data["verb"], reason=data["reason"], comment=data["comment"]
        )
        return Response({"results": results})

    @extend_schema(
        summary="Change the motivation (the student, until the home decision)",
        description="Only the student who owns the request, while it is `submitted`; 409 once home has decided.",
        request=MotivationSerializer,
        responses={200: EnrolmentRequestSerializer},
    )
    @action(detail=True, methods=["post"], url_path="motivation", parser_classes=[JSONParser])
    def motivation(self, request, id=None):
        serializer = MotivationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        visible = self._visible(id)
        requests.request_motivation_edit(
            user=request.user, request_id=visible.pk, motivation=serializer.validated_data["motivation"]
        )
        return Response(_detail(request, visible))

    @extend_schema(
        operation_id="api_enrolments_act",
        summary="Act on a request: one of the verbs its `actions` list",
        description="The request's `actions` field lists the verbs the caller may use now.\n\n" + VERB_HELP,
        parameters=[OpenApiParameter("verb", str, OpenApiParameter.PATH, enum=ACTION_NAMES)],
        request=TransitionSerializer,
        responses={200: EnrolmentRequestSerializer},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=f"(?P<verb>{'|'.join(ACTIONS)})",
        url_name="act",
        parser_classes=[JSONParser],  # a reason, a comment and a motivation: no files
    )
    def act(self, request, id=None, verb=None):
        serializer = TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        visible = self._visible(id)
        data = serializer.validated_data
        request_act(
            user=request.user,
            request_id=visible.pk,
            verb=verb,
            reason=data["reason"],
            comment=data["comment"],
            motivation=data["motivation"],
        )
        return Response(_detail(request, visible))


def _public_pk(user, id_value) -> int:
    """Resolve a public id (UUID) to the row's pk, or the same 404 for an unknown and a malformed id."""
    try:
        return EnrolmentRequest.objects.values_list("pk", flat=True).get(public_id=uuid.UUID(str(id_value)))
    except (EnrolmentRequest.DoesNotExist, ValueError):
        raise RequestNotFoundError() from None
