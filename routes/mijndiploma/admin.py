from django.contrib import admin

from routes.mijndiploma.models import ComposedProgramme, Portfolio, ProgrammeRules, ProgrammeVersion, VersionItem


@admin.register(ProgrammeRules)
class ProgrammeRulesAdmin(admin.ModelAdmin):
    list_display = ("programme", "ec_min", "ec_max", "outside_home_max", "updated_at")
    raw_id_fields = ("programme", "core_courses", "updated_by")


@admin.register(Portfolio)
class PortfolioAdmin(admin.ModelAdmin):
    list_display = ("title_en", "institution", "theme", "is_published")
    raw_id_fields = ("offerings",)


class VersionItemInline(admin.TabularInline):
    model = VersionItem
    raw_id_fields = ("offering", "portfolio", "enrolment_request")
    extra = 0
    can_delete = False

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # items change only through the services (row version, frozen submissions)


@admin.register(ProgrammeVersion)
class ProgrammeVersionAdmin(admin.ModelAdmin):
    """Read-only: versions move only through the lifecycle (``services``)."""

    list_display = ("composed", "number", "status", "submitted_at", "decided_at")
    list_filter = ("status",)
    inlines = [VersionItemInline]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(ComposedProgramme)
class ComposedProgrammeAdmin(admin.ModelAdmin):
    list_display = ("student", "programme", "created_at")
    raw_id_fields = ("student", "programme")
