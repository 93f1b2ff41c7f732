"""Own pace's API: the student's plan, EC contracts (proposed and changed by the student, agreed by the home
institution's approvers) and ledger. Thin views over ``services`` and ``selectors``; a refusal is an
ApplicationError, answered with its own status and translated message."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from billing.ledger import ledger_balance, ledger_entries
from routes.own_pace import selectors, services
from routes.own_pace.permissions import student_of
from routes.own_pace.serializers import (
    ContractChangeSerializer,
    ContractProposeSerializer,
    ContractSerializer,
    LedgerSerializer,
    PlanCourseInputSerializer,
    PlannedCourseSerializer,
    PlanSerializer,
)


def _contract_view(user, contract, *, staff=False):
    views = (
        selectors.staff_contracts(user, contract.student.home_institution) if staff else selectors.contracts_of(user)
    )
    return next(v for v in views if v.contract.pk == contract.pk)


class PlanView(APIView):
    """The student's own-pace plan: courses per period with its checks and projected completion."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(operation_id="own_pace_plan_retrieve", responses={200: PlanSerializer})
    def get(self, request):
        return Response(PlanSerializer(selectors.plan_overview(request.user)).data)

    @extend_schema(
        operation_id="own_pace_plan_add", request=PlanCourseInputSerializer, responses={201: PlannedCourseSerializer}
    )
    def post(self, request):
        """Plan a course in a period of the home calendar (optionally a run of it elsewhere)."""
        body = PlanCourseInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        planned = services.plan_course_add(
            user=request.user,
            course_id=body.validated_data["course"],
            period_id=body.validated_data["period"],
            offering_id=body.validated_data.get("offering"),
        )
        return Response(PlannedCourseSerializer(planned).data, status=status.HTTP_201_CREATED)


class PlannedCourseView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(operation_id="own_pace_plan_remove", responses={204: None})
    def delete(self, request, pk: int):
        """Take a course out of the plan."""
        services.plan_course_remove(user=request.user, planned_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ContractListView(APIView):
    """The student's EC contracts, with history, change deadline and tuition."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(operation_id="own_pace_contracts_list", responses={200: ContractSerializer(many=True)})
    def get(self, request):
        return Response(ContractSerializer(selectors.contracts_of(request.user), many=True).data)

    @extend_schema(
        operation_id="own_pace_contracts_propose",
        request=ContractProposeSerializer,
        responses={201: ContractSerializer},
    )
    def post(self, request):
        """Propose a contract for an academic year; the home institution agrees it."""
        body = ContractProposeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        contract = services.contract_propose(
            user=request.user, academic_year_id=body.validated_data["academic_year"], ec=body.validated_data["ec"]
        )
        return Response(ContractSerializer(_contract_view(request.user, contract)).data, status=201)


class ContractChangeView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        operation_id="own_pace_contracts_change", request=ContractChangeSerializer, responses={200: ContractSerializer}
    )
    def post(self, request, pk: int):
        """Change the contract mid-year, with a reason, within the limits and before the deadline."""
        body = ContractChangeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        contract = services.contract_change(
            user=request.user, contract_id=pk, ec=body.validated_data["ec"], reason=body.validated_data["reason"]
        )
        return Response(ContractSerializer(_contract_view(request.user, contract)).data)


class ContractAgreeView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(operation_id="own_pace_contracts_agree", request=None, responses={200: ContractSerializer})
    def post(self, request, pk: int):
        """A home approver of the student's institution agrees a proposed contract; its tuition is charged."""
        contract = services.contract_agree(user=request.user, contract_id=pk)
        return Response(ContractSerializer(_contract_view(request.user, contract, staff=True)).data)


class LedgerView(APIView):
    """The student's own ledger: entries oldest first and the balance."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(operation_id="own_pace_ledger_retrieve", responses={200: LedgerSerializer})
    def get(self, request):
        student = student_of(request.user)
        return Response(LedgerSerializer({"balance": ledger_balance(student), "entries": ledger_entries(student)}).data)
