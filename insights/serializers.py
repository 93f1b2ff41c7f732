"""The dashboards' API answers, for the OpenAPI schema: a chart is its table of aggregates. A hidden
(suppressed) value is ``null``."""

from rest_framework import serializers


class ColumnSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField(help_text="In the language asked for (Accept-Language: nl or en).")
    kind = serializers.ChoiceField(choices=["count", "number", "days", "rate", "text", "month"])


class RowSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    values = serializers.ListField(
        child=serializers.JSONField(allow_null=True),
        help_text="One value per column; null where the value is hidden (fewer students than the threshold, "
        "or it could be worked out from the totals).",
    )


class TableSerializer(serializers.Serializer):
    columns = ColumnSerializer(many=True)
    rows = RowSerializer(many=True)
    totals = serializers.ListField(child=serializers.JSONField(allow_null=True), allow_null=True)
    suppressed = serializers.IntegerField(help_text="How many values of the table are hidden.")


class PanelSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    chart = serializers.CharField()
    table = TableSerializer()
    warnings = serializers.ListField(child=serializers.CharField())


class DashboardSerializer(serializers.Serializer):
    filters = serializers.DictField(child=serializers.CharField(), help_text="The filters applied.")
    threshold = serializers.IntegerField(help_text="Counts under this number of students are hidden.")
    panels = PanelSerializer(many=True)
