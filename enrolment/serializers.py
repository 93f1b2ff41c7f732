from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from enrolment.models import DENIAL_REASON_CHOICES, EnrolmentRequest, ReasonCode, RequestEvent, status_label
from enrolment.services.actions import available_actions
from institutions.routes import Route


class ChoiceLabelField(serializers.CharField):
    """The label of a choice field's value, as ``get_FOO_display()`` gives it (the value itself when it is
    not a choice), but by one lookup: ``get_FOO_display()`` builds the dict of all choices on every call,
    translating every label on the way, which a timeline of a few events felt."""

    def __init__(self, choices, **kwargs):
        self.labels = dict(choices)
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        return str(self.labels.get(value, value))


class StatusLabelField(serializers.CharField):
    """A request's or event's status label as its student reads it: a module-only learner's registration
    never speaks of a home step (``enrolment.models.status_label``)."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, source="*", **kwargs)

    def to_representation(self, value):
        if isinstance(value, RequestEvent):
            return str(status_label(value.to_status, module_only=value.request.is_module_only))
        return str(value.get_status_display())


class RequestEventSerializer(serializers.ModelSerializer):
    to_status_label = StatusLabelField()
    reason_label = ChoiceLabelField(ReasonCode.choices, source="reason")

    class Meta:
        model = RequestEvent
        fields = [
            "from_status",
            "to_status",
            "to_status_label",
            "actor_role",
            "reason",
            "reason_label",
            "comment",
            "at",
        ]


class OfferingBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField(source="teachable.code")
    title_nl = serializers.CharField(source="teachable.title_nl")
    title_en = serializers.CharField(source="teachable.title_en")
    institution = serializers.CharField(source="institution.code")
    start_date = serializers.DateField()
    end_date = serializers.DateField()


class EnrolmentRequestSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    status_label = StatusLabelField()
    offering = OfferingBriefSerializer(read_only=True)
    # None for a module-only learner's registration: it has no home institution.
    home_institution = serializers.CharField(source="home_institution.code", read_only=True, allow_null=True)
    host_institution = serializers.CharField(source="host_institution.code", read_only=True)
    student = serializers.SerializerMethodField()
    has_document = serializers.SerializerMethodField()
    timeline = RequestEventSerializer(source="events", many=True, read_only=True)
    actions = serializers.SerializerMethodField()
    # Waiting in the offering's admission queue (202 Accepted): follow ``status_url`` for the decision.
    queued = serializers.BooleanField(source="is_queued", read_only=True)
    status_url = serializers.SerializerMethodField()

    class Meta:
        model = EnrolmentRequest
        fields = [
            "id",
            "status",
            "status_label",
            "offering",
            "home_institution",
            "host_institution",
            "student",
            "route",
            "rank",
            "choice_group",
            "motivation",
            "has_document",
            "decision_due_at",
            "accept_by",
            "submitted_at",
            "timeline",
            "actions",
            "queued",
            "status_url",
        ]

    def get_student(self, obj) -> dict:
        return {
            "name": obj.student.user.get_full_name(),
            "student_number": obj.student.student_number,
            "home_institution": obj.home_institution.code if obj.home_institution_id else None,
        }

    def get_status_url(self, obj) -> str:
        return reverse("enrolment-detail", kwargs={"id": obj.public_id})

    def get_has_document(self, obj) -> bool:
        return bool(obj.document)

    def get_actions(self, obj) -> list[str]:
        return available_actions(self.context["request"].user, obj)


class QueuedSerializer(serializers.ModelSerializer):
    """The answer to a request recorded in its offering's admission queue (202 Accepted): where to follow it.
    Nothing has been decided yet; ``status_url`` gives the request in full, with its timeline and actions."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    status_label = StatusLabelField()
    offering = serializers.IntegerField(source="offering_id", read_only=True)
    queued = serializers.BooleanField(source="is_queued", read_only=True)
    status_url = serializers.SerializerMethodField()

    class Meta:
        model = EnrolmentRequest
        fields = ["id", "status", "status_label", "offering", "route", "arrival", "queued", "status_url"]

    def get_status_url(self, obj) -> str:
        return reverse("enrolment-detail", kwargs={"id": obj.public_id})


class EnrolmentCreateSerializer(serializers.Serializer):
    offering = serializers.IntegerField(min_value=1)
    motivation = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")
    # Left out: the first route open to the student (suitable, and piloted by their home institution).
    route = serializers.ChoiceField(choices=Route.choices, required=False, default=None, allow_null=True)
    alternatives = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list, max_length=2
    )
    document = serializers.FileField(required=False, allow_null=True)


class TransitionSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=ReasonCode.choices, required=False, allow_blank=True, default="")
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    motivation = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")


class MotivationSerializer(serializers.Serializer):
    motivation = serializers.CharField(allow_blank=True, max_length=4000)


class BulkDecisionSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.UUIDField(), min_length=1, max_length=200)
    verb = serializers.ChoiceField(choices=[("approve", _("approve")), ("deny", _("deny"))])
    reason = serializers.ChoiceField(choices=DENIAL_REASON_CHOICES, required=False, allow_blank=True, default="")
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class EligibilityCheckSerializer(serializers.Serializer):
    """One rule's verdict: its code, whether it holds, whether it blocks, and the reason in words."""

    code = serializers.CharField()
    ok = serializers.BooleanField()
    blocking = serializers.BooleanField()
    message = serializers.CharField()


class BulkOutcomeSerializer(serializers.Serializer):
    """What became of one id of a bulk decision: its new status, or why it was refused."""

    ok = serializers.BooleanField()
    status = serializers.CharField(required=False)
    code = serializers.CharField(required=False)
    detail = serializers.CharField(required=False)
