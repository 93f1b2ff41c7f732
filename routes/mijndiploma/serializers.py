from rest_framework import serializers

from routes.mijndiploma.lifecycle import DECISIONS
from routes.mijndiploma.models import Portfolio, ProgrammeVersion, VersionItem


class ProgrammeItemSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="offering.teachable.code", read_only=True)
    title = serializers.CharField(source="offering.teachable.title", read_only=True)
    ec = serializers.DecimalField(source="offering.teachable.ec", max_digits=5, decimal_places=1, read_only=True)
    level = serializers.CharField(source="offering.teachable.level", read_only=True)
    institution = serializers.CharField(source="offering.institution.code", read_only=True)
    period = serializers.CharField(source="offering.period.name", read_only=True)
    enrolment_request = serializers.UUIDField(source="enrolment_request.public_id", read_only=True, allow_null=True)

    class Meta:
        model = VersionItem
        fields = [
            "id",
            "offering",
            "portfolio",
            "code",
            "title",
            "ec",
            "level",
            "institution",
            "period",
            "board_comment",
            "enrolment_request",
        ]
        read_only_fields = fields


class ProgrammeVersionSerializer(serializers.ModelSerializer):
    programme = serializers.CharField(source="composed.programme.name", read_only=True)
    items = ProgrammeItemSerializer(many=True, read_only=True)

    class Meta:
        model = ProgrammeVersion
        fields = [
            "id",
            "number",
            "status",
            "row_version",
            "programme",
            "submitted_at",
            "decided_at",
            "decision_comment",
            "items",
        ]
        read_only_fields = fields


class ProgrammeCheckSerializer(serializers.Serializer):
    code = serializers.CharField()
    ok = serializers.BooleanField()
    message = serializers.CharField()
    link = serializers.CharField()


class ProgrammeChecksSerializer(serializers.Serializer):
    passed = serializers.BooleanField()
    checks = ProgrammeCheckSerializer(many=True)


class ProgrammeItemInputSerializer(serializers.Serializer):
    offering = serializers.IntegerField(min_value=1)
    portfolio = serializers.IntegerField(min_value=1, required=False, allow_null=True)


class ProgrammeSaveSerializer(serializers.Serializer):
    row_version = serializers.IntegerField(min_value=1, help_text="The row_version you read; a stale one answers 409.")
    items = ProgrammeItemInputSerializer(many=True, max_length=60)


class ProgrammeRowVersionSerializer(serializers.Serializer):
    row_version = serializers.IntegerField(min_value=1, help_text="The row_version you read; a stale one answers 409.")


class ProgrammeDecisionSerializer(ProgrammeRowVersionSerializer):
    decision = serializers.ChoiceField(choices=sorted(DECISIONS))
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    item_comments = serializers.DictField(
        child=serializers.CharField(max_length=2000, allow_blank=True),
        required=False,
        default=dict,
        help_text="Per item id, the board's comment on that item.",
    )


class ProgrammeRequirementSerializer(serializers.Serializer):
    label = serializers.CharField()
    status = serializers.ChoiceField(choices=["met", "in_progress", "open"])
    detail = serializers.CharField()


class ProgrammeWhatIfRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    ec = serializers.DecimalField(max_digits=5, decimal_places=1)
    state = serializers.ChoiceField(choices=["completed", "planned"])
    composed = serializers.CharField(help_text="How it counts toward the composed programme; empty: it does not.")
    current = serializers.CharField(help_text="How it counts toward the current programme; empty: it does not.")


class ProgrammeAuditSerializer(serializers.Serializer):
    requirements = ProgrammeRequirementSerializer(many=True)
    what_if = ProgrammeWhatIfRowSerializer(many=True)
    composed_total = serializers.DecimalField(max_digits=6, decimal_places=1)
    current_total = serializers.DecimalField(max_digits=6, decimal_places=1)


class ProgrammePortfolioSerializer(serializers.ModelSerializer):
    title = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    theme = serializers.CharField(source="theme.code", read_only=True, allow_null=True)

    class Meta:
        model = Portfolio
        fields = ["id", "title", "description", "theme", "offerings"]
        read_only_fields = fields


class ProgrammeEnrolledSerializer(serializers.Serializer):
    request = serializers.UUIDField(help_text="The enrolment request's public id.")
    status = serializers.CharField()
