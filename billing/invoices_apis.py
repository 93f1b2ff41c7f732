"""The module and invoice API: a learner's registrations (and registering, with the invoice data), their
stackable progress and invoices; the host staff's invoices and their payment status. Thin views over
``billing.services.invoices`` and ``billing.modules_selectors``."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from billing import modules_selectors as selectors
from billing.invoices_errors import InvoiceDataError, NotAModuleLearnerError
from billing.invoices_serializers import (
    InvoiceSerializer,
    PaymentStatusInputSerializer,
    RegistrationInputSerializer,
    RegistrationSerializer,
    StackedWholeSerializer,
)
from billing.models_invoices import Invoice
from billing.services.invoices import InvoiceData, invoice_payment_status_set, module_register


def _learner(user):
    learner = selectors.learner_of(user)
    if learner is None:
        raise NotAModuleLearnerError()
    return learner


class ModuleRegistrationsView(APIView):
    """A professional's or guest's module registrations with their progress; POST registers for a module
    with the invoice data (route modular, no home step). Others: 403."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(operation_id="modules_registrations_list", responses={200: RegistrationSerializer(many=True)})
    def get(self, request):
        return Response(RegistrationSerializer(selectors.module_registrations(_learner(request.user)), many=True).data)

    @extend_schema(
        operation_id="modules_registrations_create",
        request=RegistrationInputSerializer,
        responses={201: InvoiceSerializer},
    )
    def post(self, request):
        _learner(request.user)
        given = RegistrationInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        offering = data.pop("offering")
        try:
            invoice = module_register(user=request.user, offering_id=offering, invoice=InvoiceData(**data))
        except InvoiceDataError as error:
            raise serializers.ValidationError({k: [v] for k, v in error.extra.get("fields", {}).items()}) from None
        invoice = Invoice.objects.select_related("request__offering__module", "host_institution").get(pk=invoice.pk)
        return Response(InvoiceSerializer(invoice).data, status=status.HTTP_201_CREATED)


class StackableProgressView(APIView):
    """The learner's completed modules per larger whole they stack into (``stackable_progress``)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(operation_id="modules_stackable", responses={200: StackedWholeSerializer(many=True)})
    def get(self, request):
        return Response(StackedWholeSerializer(selectors.stackable_progress(_learner(request.user)), many=True).data)


class MyInvoicesView(APIView):
    """The signed-in learner's own invoices (empty for anyone else)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(operation_id="modules_invoices_mine", responses={200: InvoiceSerializer(many=True)})
    def get(self, request):
        invoices = (
            Invoice.objects.filter(learner__user_id=request.user.pk)
            .select_related("request__offering__module", "host_institution")
            .prefetch_related("payment_history")
        )
        return Response(InvoiceSerializer(invoices, many=True).data)


class HostInvoicesView(APIView):
    """The learners' invoices of the institutions you are admissions staff of; 403 for anyone else."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(operation_id="modules_invoices_host", responses={200: InvoiceSerializer(many=True)})
    def get(self, request):
        return Response(InvoiceSerializer(selectors.host_invoices(request.user), many=True).data)


class PaymentStatusView(APIView):
    """Set an invoice's payment status (host admissions of its institution only), with a note; kept in the
    invoice's history. 404 for an unknown id, 403 for another institution's invoice, 409 when unchanged."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        operation_id="modules_invoices_payment_status",
        request=PaymentStatusInputSerializer,
        responses={200: InvoiceSerializer},
    )
    def post(self, request, public_id: str):
        given = PaymentStatusInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        invoice = invoice_payment_status_set(user=request.user, invoice_id=public_id, **given.validated_data)
        invoice = (
            Invoice.objects.select_related("request__offering__module", "host_institution")
            .prefetch_related("payment_history")
            .get(pk=invoice.pk)
        )
        return Response(InvoiceSerializer(invoice).data)
