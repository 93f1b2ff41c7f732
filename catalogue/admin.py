"""Admin for the joint catalogue.

Built for a catalogue of 100,000 offerings: every foreign key and many-to-many field is an autocomplete
(never a select listing every row), changelists select the related rows their columns print, and the
offering and search-row lists skip the full ``COUNT(*)`` when filtered. Edits made here reach the search
rows through ``catalogue.signals``.
"""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from catalogue.models import Course, CoursePublication, Module, Offering, OfferingSearch, Theme
from institutions.admin import PublicationInline


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ("bit", "code", "name_nl", "name_en")
    list_display_links = ("code",)
    search_fields = ("code", "name_nl", "name_en")
    ordering = ("bit",)


class TeachableAdmin(admin.ModelAdmin):
    list_display = ("code", "title_nl", "institution", "ec", "level", "eqf_level", "language")
    list_filter = ("level", "language", "eqf_level", "institution", "themes")
    list_select_related = ("institution",)
    search_fields = ("code", "title_nl", "title_en", "ooapi_id", "institution__short_name", "institution__code")
    autocomplete_fields = ("institution", "unit", "themes")


class CoursePublicationInline(PublicationInline):
    model = CoursePublication


@admin.register(Course)
class CourseAdmin(TeachableAdmin):
    inlines = (CoursePublicationInline,)
    autocomplete_fields = (*TeachableAdmin.autocomplete_fields, "prerequisites")


@admin.register(Module)
class ModuleAdmin(TeachableAdmin):
    list_display = (*TeachableAdmin.list_display, "is_microcredential")
    list_filter = ("is_microcredential", *TeachableAdmin.list_filter)
    autocomplete_fields = (*TeachableAdmin.autocomplete_fields, "courses")


class OfferingKindFilter(admin.SimpleListFilter):
    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return (("course", _("Course")), ("module", _("Module")))

    def queryset(self, request, queryset):
        if self.value() == "course":
            return queryset.filter(course__isnull=False)
        if self.value() == "module":
            return queryset.filter(module__isnull=False)
        return queryset


class OfferingAdminForm(forms.ModelForm):
    """Keeps an offering consistent with what it runs: the host's own course or module, in the host's period.

    No ``Meta``: the admin builds the form's fields from ``OfferingAdmin``.
    """

    def clean(self):
        cleaned = super().clean()
        course, module = cleaned.get("course"), cleaned.get("module")
        institution, period = cleaned.get("institution"), cleaned.get("period")
        if bool(course) == bool(module):
            if "course" not in self.errors and "module" not in self.errors:
                self.add_error(None, _("Choose either a course or a module, not both and not neither."))
            return cleaned
        teachable = course or module
        if institution and teachable.institution_id != institution.pk:
            self.add_error("institution", _("The institution must be the one that teaches the course or module."))
        if institution and period and period.institution_id != institution.pk:
            self.add_error("period", _("The period must belong to the institution's own calendar."))
        # seats_taken is not on the form, so model validation skips the never-overbooked constraint; say it
        # here rather than fail on save (the constraint still guards a seat taken meanwhile).
        capacity = cleaned.get("capacity")
        if capacity is not None and capacity < self.instance.seats_taken:
            self.add_error(
                "capacity",
                _("The capacity cannot be lower than the %(taken)d seats already taken.")
                % {"taken": self.instance.seats_taken},
            )
        return cleaned


@admin.register(Offering)
class OfferingAdmin(admin.ModelAdmin):
    form = OfferingAdminForm
    list_display = (
        "teachable_code",
        "teachable_title",
        "institution",
        "period",
        "start_date",
        "capacity",
        "seats_taken",
        "mode",
        "is_archived",
    )
    list_filter = (
        OfferingKindFilter,
        "mode",
        "admission_mode",
        "is_archived",
        "visible_partners",
        "visible_guests",
        "visible_professionals",
        ("start_date", admin.DateFieldListFilter),
        "institution",
    )
    list_select_related = ("course", "module", "institution", "period__institution", "period__academic_year")
    search_fields = (
        "code",
        "ooapi_id",
        "course__code",
        "course__title_nl",
        "course__title_en",
        "module__code",
        "module__title_nl",
        "module__title_en",
    )
    search_help_text = _("Search by offering, course or module code, or by title.")
    autocomplete_fields = ("course", "module", "institution", "period")
    readonly_fields = ("seats_taken", "updated_at")
    show_full_result_count = False

    @admin.display(description=_("code"))
    def teachable_code(self, obj: Offering) -> str:
        return obj.teachable.code

    @admin.display(description=_("title"))
    def teachable_title(self, obj: Offering) -> str:
        return obj.teachable.title


@admin.register(OfferingSearch)
class OfferingSearchAdmin(admin.ModelAdmin):
    """Derived rows, rebuilt by ``catalogue.services.search_index_refresh``: shown for diagnosis, never edited."""

    list_display = ("offering_id", "code", "title_nl", "institution", "kind", "start_date", "capacity", "seats_taken")
    list_filter = ("kind", "visible_public", "is_microcredential", "institution")
    list_select_related = ("institution",)
    search_fields = ("code", "title_nl", "title_en")
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
