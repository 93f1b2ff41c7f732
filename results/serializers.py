from rest_framework import serializers

from results.models import ConversionRow, ConversionTable, Recognition, RecognitionPrecedent, Result
from results.scales import SCALE_CHOICES


class ResultSerializer(serializers.ModelSerializer):
    request = serializers.UUIDField(source="request.public_id", read_only=True)
    corrects = serializers.PrimaryKeyRelatedField(read_only=True)
    is_current = serializers.BooleanField(read_only=True)

    class Meta:
        model = Result
        fields = [
            "id",
            "request",
            "scale",
            "score",
            "passed",
            "ec",
            "assessed_on",
            "examiner",
            "attempt",
            "source",
            "recorded_at",
            "corrects",
            "reason",
            "is_current",
        ]
        read_only_fields = fields


class ResultInputSerializer(serializers.Serializer):
    request = serializers.UUIDField(help_text="The enrolment request's public id.")
    scale = serializers.ChoiceField(choices=SCALE_CHOICES)
    score = serializers.CharField(max_length=8)
    ec = serializers.DecimalField(max_digits=4, decimal_places=1, min_value=0)
    assessed_on = serializers.DateField()
    examiner = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    attempt = serializers.IntegerField(min_value=1, max_value=10, default=1)


class CorrectionInputSerializer(ResultInputSerializer):
    request = None
    reason = serializers.CharField(max_length=2000)


class UploadSerializer(serializers.Serializer):
    institution = serializers.SlugField(help_text="The host institution's code.")
    file = serializers.FileField()


class ImportReportSerializer(serializers.Serializer):
    written = serializers.IntegerField()
    problem = serializers.CharField(allow_blank=True)
    rejected = serializers.ListField(child=serializers.DictField())


class RecognitionSerializer(serializers.ModelSerializer):
    request = serializers.UUIDField(source="request.public_id", read_only=True)

    class Meta:
        model = Recognition
        fields = [
            "id",
            "request",
            "kind",
            "status",
            "scope",
            "programme",
            "result",
            "counts_as",
            "converted_score",
            "conversion",
            "precedent",
            "reason",
            "decided_at",
            "created_at",
        ]
        read_only_fields = fields


class PreApprovalSerializer(serializers.Serializer):
    request = serializers.UUIDField(help_text="Your enrolment request's public id.")


class DecisionSerializer(serializers.Serializer):
    recognised = serializers.BooleanField()
    reason = serializers.CharField(max_length=2000)
    counts_as = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    converted_score = serializers.CharField(max_length=8, required=False, allow_blank=True, default="")
    make_precedent = serializers.BooleanField(required=False, default=False)
    precedent_valid_until = serializers.DateField(required=False, allow_null=True, default=None)


class PrecedentSerializer(serializers.ModelSerializer):
    course_code = serializers.CharField(source="course.code", read_only=True)

    class Meta:
        model = RecognitionPrecedent
        fields = ["id", "programme", "course", "course_code", "counts_as", "valid_from", "valid_until", "decided_at"]
        read_only_fields = ["id", "course_code", "decided_at"]


class ConversionRowSerializer(serializers.ModelSerializer):
    class Meta:
        model = ConversionRow
        fields = ["from_score", "to_score"]


class ConversionTableSerializer(serializers.ModelSerializer):
    rows = ConversionRowSerializer(many=True, read_only=True)

    class Meta:
        model = ConversionTable
        fields = [
            "id",
            "name",
            "from_scale",
            "to_scale",
            "from_institution",
            "to_institution",
            "pass_threshold",
            "rounding",
            "rounding_rule",
            "rows",
        ]


class TranscriptRowSerializer(serializers.Serializer):
    request = serializers.UUIDField(source="request.public_id")
    course = serializers.CharField(source="request.offering.teachable.code")
    title = serializers.CharField(source="request.offering.teachable.title")
    institution = serializers.CharField(source="request.host_institution.code")
    result = ResultSerializer()
    recognition = RecognitionSerializer(allow_null=True)
