from django.contrib import admin

from enrolment.models import EnrolmentRequest, HomeApprovalPolicy, RequestEvent, SeatReservation


class RequestEventInline(admin.TabularInline):
    model = RequestEvent
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "actor", "actor_role", "reason", "comment", "at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(EnrolmentRequest)
class EnrolmentRequestAdmin(admin.ModelAdmin):
    """Read-only here: moves go through the services so the audit trail and seats stay right."""

    list_display = ["public_id", "status", "offering", "home_institution", "host_institution", "submitted_at"]
    list_filter = ["status", "host_institution", "home_institution", "route"]
    search_fields = ["public_id", "student__student_number", "student__user__email", "offering__code"]
    list_select_related = ["offering__course", "offering__module", "home_institution", "host_institution"]
    raw_id_fields = ["student", "offering", "seat_reservation"]
    readonly_fields = [f.name for f in EnrolmentRequest._meta.concrete_fields]
    inlines = [RequestEventInline]

    def has_add_permission(self, request):
        return False


@admin.register(HomeApprovalPolicy)
class HomeApprovalPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "institution",
        "mode",
        "first_step_role",
        "second_step_role",
        "decision_days",
        "motivation_required",
        "timetable_clash",
    ]
    list_filter = ["mode", "motivation_required", "timetable_clash"]
    search_fields = ["institution__short_name"]


@admin.register(SeatReservation)
class SeatReservationAdmin(admin.ModelAdmin):
    list_display = ["offering", "institution", "seats", "used", "release_at"]
    raw_id_fields = ["offering"]
    search_fields = ["institution__short_name", "offering__code"]
