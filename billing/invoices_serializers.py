"""Serializers of the module and invoice API."""

from rest_framework import serializers

from billing.models_invoices import Invoice, PaymentStatus, PaymentStatusChange


class RegistrationInputSerializer(serializers.Serializer):
    offering = serializers.IntegerField(min_value=1, max_value=2**31 - 1, help_text="The module offering's id.")
    name = serializers.CharField(max_length=200)
    organisation = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    vat_number = serializers.CharField(
        max_length=24, required=False, allow_blank=True, default="", help_text="e.g. NL123456789B01"
    )
    po_reference = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=500)


class PaymentChangeSerializer(serializers.ModelSerializer):
    to_status_label = serializers.CharField(source="get_to_status_display", read_only=True)

    class Meta:
        model = PaymentStatusChange
        fields = ["from_status", "to_status", "to_status_label", "note", "at"]


class InvoiceSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    registration = serializers.UUIDField(source="request.public_id", read_only=True)
    registration_status = serializers.CharField(source="request.status", read_only=True)
    registration_status_label = serializers.CharField(source="request.get_status_display", read_only=True)
    module_code = serializers.CharField(source="request.offering.module.code", read_only=True)
    host_institution = serializers.CharField(source="host_institution.code", read_only=True)
    payment_status_label = serializers.CharField(source="get_payment_status_display", read_only=True)
    payment_history = PaymentChangeSerializer(many=True, read_only=True)

    class Meta:
        model = Invoice
        fields = [
            "id",
            "registration",
            "registration_status",
            "registration_status_label",
            "module_code",
            "host_institution",
            "amount",
            "name",
            "organisation",
            "vat_number",
            "po_reference",
            "address",
            "payment_status",
            "payment_status_label",
            "payment_history",
            "created_at",
        ]


class PaymentStatusInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=PaymentStatus.choices)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class RegistrationSerializer(serializers.Serializer):
    registration = serializers.UUIDField(source="request.public_id")
    module_code = serializers.CharField(source="request.offering.module.code")
    module_title = serializers.CharField(source="request.offering.module.title")
    status = serializers.CharField(source="request.status")
    status_label = serializers.CharField(source="request.get_status_display")
    passed = serializers.BooleanField()
    score = serializers.CharField(source="result.score", allow_null=True, default=None)
    invoice = serializers.UUIDField(source="invoice.public_id", allow_null=True, default=None)


class StackedModuleSerializer(serializers.Serializer):
    module_code = serializers.CharField(source="request.offering.module.code")
    ec = serializers.DecimalField(source="request.offering.module.ec", max_digits=5, decimal_places=1)


class StackedWholeSerializer(serializers.Serializer):
    programme = serializers.CharField(source="programme.name")
    croho_code = serializers.CharField(source="programme.croho_code")
    ec_completed = serializers.DecimalField(max_digits=6, decimal_places=1)
    ec_total = serializers.DecimalField(max_digits=6, decimal_places=1)
    completed = StackedModuleSerializer(many=True)
    in_progress = StackedModuleSerializer(many=True)
