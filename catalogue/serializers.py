from rest_framework import serializers

from catalogue.models import Course, Module, Offering


class CourseSerializer(serializers.ModelSerializer):
    institution = serializers.SlugRelatedField(slug_field="code", read_only=True)
    themes = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = Course
        fields = [
            "id",
            "institution",
            "code",
            "title_nl",
            "title_en",
            "description_nl",
            "description_en",
            "ec",
            "level",
            "eqf_level",
            "language",
            "learning_outcomes_nl",
            "learning_outcomes_en",
            "themes",
            "suitable_routes",
        ]


class ModuleSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Module
        fields = ["id", "code", "title_nl", "title_en", "ec", "level", "eqf_level", "language", "is_microcredential"]


class CourseSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Course
        fields = ["id", "code", "title_nl", "title_en", "ec", "level", "eqf_level", "language"]


class OfferingSerializer(serializers.ModelSerializer):
    institution = serializers.SlugRelatedField(slug_field="code", read_only=True)
    # An offering runs a course or a module, never both: the other is null.
    course = CourseSummarySerializer(read_only=True, allow_null=True)
    module = ModuleSummarySerializer(read_only=True, allow_null=True)
    period = serializers.SerializerMethodField()
    seats_left = serializers.IntegerField(read_only=True)
    url = serializers.HyperlinkedIdentityField(view_name="offering-detail")

    class Meta:
        model = Offering
        fields = [
            "id",
            "url",
            "institution",
            "code",
            "course",
            "module",
            "period",
            "start_date",
            "end_date",
            "enrol_opens_at",
            "enrol_closes_at",
            "capacity",
            "seats_taken",
            "seats_left",
            "mode",
            "city",
            "location",
            "price_module_only",
            "visible_own_students",
            "visible_partners",
            "visible_guests",
            "visible_professionals",
        ]

    def get_period(self, offering: Offering) -> str:
        return offering.period.name_en


class FacetCountsSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    selected = serializers.BooleanField()
