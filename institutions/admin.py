"""Admin for institutions, their units, calendars and programmes.

Foreign keys to large tables use autocomplete, and every changelist selects the rows its ``__str__``
needs (most name their institution), so a page costs the same few queries however many rows it shows.
"""

from django.contrib import admin
from django.db import models

from institutions.models import (
    AcademicPeriod,
    AcademicYear,
    Alliance,
    AllianceMembership,
    AllianceTheme,
    Institution,
    OrganisationalUnit,
    Programme,
    ProgrammePublication,
)


class AllianceMembershipInline(admin.TabularInline):
    """Who belongs to which eduXchange alliance. Deleting a membership withdraws the institution's courses
    and programmes from that alliance (``institutions.signals``, ``catalogue.signals``)."""

    model = AllianceMembership
    extra = 0


class PublicationInline(admin.TabularInline):
    """The alliances something is shared in; the model's ``clean`` refuses an alliance the institution is
    no member of and a theme of another alliance's vocabulary."""

    fields = (
        "alliance",
        "theme",
        "selection",
        "kind",
        "visible_for_own_students",
        "enrolment_for_own_students",
        "visible_for_guests",
        "enrolment_for_guests",
    )
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("alliance", "theme__alliance")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "theme":
            kwargs["queryset"] = AllianceTheme.objects.select_related("alliance")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ProgrammePublicationInline(PublicationInline):
    model = ProgrammePublication


class AllianceThemeInline(admin.TabularInline):
    model = AllianceTheme
    fields = ("code", "name_nl", "name_en")
    extra = 0


@admin.register(Alliance)
class AllianceAdmin(admin.ModelAdmin):
    list_display = ("code", "name_nl", "name_en")
    search_fields = ("code", "name_nl", "name_en")
    inlines = (AllianceMembershipInline, AllianceThemeInline)


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    inlines = (AllianceMembershipInline,)
    list_display = ("short_name", "name_nl", "code", "brin", "schac_home", "kind", "integration", "city")
    list_filter = ("kind", "integration", "city", "alliances")
    search_fields = ("code", "short_name", "name_nl", "name_en", "brin", "schac_home", "city")
    ordering = ("short_name",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(OrganisationalUnit)
class OrganisationalUnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name_nl", "institution", "kind", "parent")
    list_filter = ("kind", "institution")
    list_select_related = ("institution", "parent__institution")
    search_fields = ("code", "name_nl", "name_en", "institution__short_name", "institution__code")
    autocomplete_fields = ("institution", "parent")


class AcademicPeriodInline(admin.TabularInline):
    model = AcademicPeriod
    # The period's institution is always its year's; save_formset fills it in.
    fields = ("kind", "sequence", "name_nl", "name_en", "start_date", "end_date")
    ordering = ("start_date",)
    extra = 0


@admin.register(AcademicYear)
class AcademicYearAdmin(admin.ModelAdmin):
    list_display = ("name", "institution", "start_date", "end_date")
    list_filter = ("institution", "name")
    list_select_related = ("institution",)
    search_fields = ("name", "institution__short_name", "institution__code")
    autocomplete_fields = ("institution",)
    date_hierarchy = "start_date"
    inlines = (AcademicPeriodInline,)

    def save_formset(self, request, form, formset, change):
        if formset.model is not AcademicPeriod:
            return super().save_formset(request, form, formset, change)
        year = form.instance
        for period in formset.save(commit=False):
            period.institution_id = year.institution_id
            period.save()
        for period in formset.deleted_objects:
            period.delete()
        formset.save_m2m()
        # A year moved to another institution takes its periods along.
        year.periods.exclude(institution_id=year.institution_id).update(institution_id=year.institution_id)


@admin.register(AcademicPeriod)
class AcademicPeriodAdmin(admin.ModelAdmin):
    list_display = ("__str__", "institution", "kind", "sequence", "start_date", "end_date")
    list_filter = ("kind", "institution")
    list_select_related = ("institution", "academic_year")
    search_fields = ("name_nl", "name_en", "academic_year__name", "institution__short_name", "institution__code")
    autocomplete_fields = ("academic_year",)
    # The institution follows from the academic year; see save_model.
    exclude = ("institution",)
    date_hierarchy = "start_date"
    ordering = ("institution__short_name", "start_date")

    def save_model(self, request, obj, form, change):
        obj.institution_id = obj.academic_year.institution_id
        super().save_model(request, obj, form, change)


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    inlines = (ProgrammePublicationInline,)
    list_display = ("name_nl", "croho_code", "institution", "level", "language", "unit")
    list_filter = ("level", "language", "institution")
    list_select_related = ("institution", "unit__institution")
    search_fields = ("name_nl", "name_en", "croho_code", "institution__short_name", "institution__code")
    autocomplete_fields = ("institution", "unit")
