from rest_framework import serializers

from billing.models_tuition import LedgerEntry
from routes.own_pace.models import ContractEvent, EcContract, PlannedCourse


class PlannedCourseSerializer(serializers.ModelSerializer):
    course_code = serializers.CharField(source="course.code", read_only=True)
    course_title = serializers.CharField(source="course.title", read_only=True)
    institution = serializers.CharField(source="course.institution.code", read_only=True)
    ec = serializers.DecimalField(source="course.ec", max_digits=5, decimal_places=1, read_only=True)

    class Meta:
        model = PlannedCourse
        fields = ["id", "course", "course_code", "course_title", "institution", "ec", "period", "offering"]
        read_only_fields = fields


class PlanPeriodSerializer(serializers.Serializer):
    period = serializers.IntegerField(source="period.pk")
    name = serializers.CharField(source="period.name")
    academic_year = serializers.CharField(source="period.academic_year.name")
    start_date = serializers.DateField(source="period.start_date")
    end_date = serializers.DateField(source="period.end_date")
    ec = serializers.DecimalField(max_digits=6, decimal_places=1)
    overloaded = serializers.BooleanField()
    courses = PlannedCourseSerializer(many=True)


class PlanSerializer(serializers.Serializer):
    programme = serializers.CharField(source="student.programme.name", allow_null=True)
    completed_ec = serializers.DecimalField(max_digits=6, decimal_places=1)
    programme_ec = serializers.DecimalField(max_digits=6, decimal_places=1)
    planned_ec = serializers.DecimalField(max_digits=6, decimal_places=1)
    pace = serializers.DecimalField(max_digits=6, decimal_places=1, help_text="Contracted EC a year.")
    projected_completion = serializers.DateField(allow_null=True)
    max_ec_per_period = serializers.DecimalField(max_digits=4, decimal_places=1)
    warnings = serializers.ListField(child=serializers.CharField())
    periods = PlanPeriodSerializer(many=True)


class PlanCourseInputSerializer(serializers.Serializer):
    course = serializers.IntegerField(help_text="The course's id in the catalogue.")
    period = serializers.IntegerField(help_text="A period of the student's home calendar.")
    offering = serializers.IntegerField(required=False, allow_null=True, help_text="A run of the course elsewhere.")


class ContractEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContractEvent
        fields = ["kind", "from_ec", "to_ec", "reason", "at"]
        read_only_fields = fields


class QuoteSerializer(serializers.Serializer):
    annual_fee = serializers.DecimalField(max_digits=8, decimal_places=2)
    surcharge_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    per_ec = serializers.DecimalField(max_digits=10, decimal_places=2)
    contract_amount = serializers.DecimalField(max_digits=10, decimal_places=2)
    resit_ec = serializers.DecimalField(max_digits=6, decimal_places=1)
    resit_charged = serializers.BooleanField()
    resit_amount = serializers.DecimalField(max_digits=10, decimal_places=2)
    total = serializers.DecimalField(max_digits=10, decimal_places=2)


class ContractSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="contract.pk")
    student = serializers.IntegerField(source="contract.student_id")
    academic_year = serializers.CharField(source="contract.academic_year.name")
    ec = serializers.IntegerField(source="contract.ec")
    status = serializers.ChoiceField(source="contract.status", choices=EcContract.Status.choices)
    change_deadline = serializers.DateField(source="deadline")
    changeable = serializers.BooleanField()
    tuition = QuoteSerializer(source="quote", allow_null=True)
    tuition_problem = serializers.CharField(source="quote_error", allow_blank=True)
    history = ContractEventSerializer(source="events", many=True)


class ContractProposeSerializer(serializers.Serializer):
    academic_year = serializers.IntegerField(help_text="An academic year of the student's home institution.")
    ec = serializers.DecimalField(max_digits=6, decimal_places=2, help_text="A whole number of EC.")


class ContractChangeSerializer(serializers.Serializer):
    ec = serializers.DecimalField(max_digits=6, decimal_places=2, help_text="A whole number of EC.")
    reason = serializers.CharField(max_length=2000)


class LedgerEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = LedgerEntry
        fields = ["id", "kind", "amount", "description", "reference", "corrects", "posted_at"]
        read_only_fields = fields


class LedgerSerializer(serializers.Serializer):
    balance = serializers.DecimalField(max_digits=12, decimal_places=2)
    entries = LedgerEntrySerializer(many=True)
