from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from billing.models_tuition import LedgerEntry, StatutoryFee, TuitionPolicy
from billing.tuition import surcharge_check
from billing.tuition_errors import TuitionError


class TuitionPolicyForm(forms.ModelForm):
    class Meta:
        model = TuitionPolicy
        fields = ["institution", "surcharge_percent", "resit_charged"]

    def clean_surcharge_percent(self):
        try:
            return surcharge_check(self.cleaned_data["surcharge_percent"])
        except TuitionError as error:
            raise ValidationError(error.message, code=error.code) from None


@admin.register(TuitionPolicy)
class TuitionPolicyAdmin(admin.ModelAdmin):
    form = TuitionPolicyForm
    list_display = ["institution", "surcharge_percent", "resit_charged"]


@admin.register(StatutoryFee)
class StatutoryFeeAdmin(admin.ModelAdmin):
    list_display = ["academic_year", "annual_fee"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(admin.ModelAdmin):
    """Read-only: entries are posted by the services and corrected by new entries, never edited."""

    list_display = ["student", "kind", "amount", "description", "posted_at"]
    list_filter = ["kind", "institution"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
