from rest_framework import serializers

from billing.models_settlement import Tariff, TariffBasis


class TariffSerializer(serializers.ModelSerializer):
    payer = serializers.SlugRelatedField(slug_field="code", read_only=True)
    payee = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Tariff
        fields = ["id", "payer", "payee", "basis", "rate", "academic_year", "valid_from", "valid_until"]
        read_only_fields = fields


class TariffInputSerializer(serializers.Serializer):
    payer = serializers.SlugField(help_text="The paying institution's code (the students' home).")
    payee = serializers.SlugField(help_text="The paid institution's code (the host).")
    basis = serializers.ChoiceField(choices=TariffBasis.choices)
    rate = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="Euros, at most two decimals.")
    academic_year = serializers.CharField(
        max_length=20, required=False, allow_blank=True, default="", help_text="The host's academic year, or dates."
    )
    valid_from = serializers.DateField(required=False, allow_null=True, default=None)
    valid_until = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Empty: until further notice."
    )


class StatementQuerySerializer(serializers.Serializer):
    year = serializers.CharField(max_length=20, required=False, help_text="Academic year, e.g. 2026-2027.")
    institution = serializers.SlugField(
        required=False, help_text="An institution's code: its statement. Without: the zone's (coordinators)."
    )
    period = serializers.IntegerField(required=False, min_value=1, help_text="One host period's id.")


class SettlementPartySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class SettlementRowSerializer(serializers.Serializer):
    payer = SettlementPartySerializer()
    payee = SettlementPartySerializer()
    enrolments = serializers.IntegerField()
    ec = serializers.DecimalField(max_digits=8, decimal_places=1)
    enrolments_without_tariff = serializers.IntegerField(source="untariffed")
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)


class NetRowSerializer(serializers.Serializer):
    debtor = SettlementPartySerializer()
    creditor = SettlementPartySerializer()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)


class StatementSerializer(serializers.Serializer):
    year = serializers.CharField()
    institution = SettlementPartySerializer(allow_null=True)
    rows = SettlementRowSerializer(many=True)
    nets = NetRowSerializer(many=True)
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
