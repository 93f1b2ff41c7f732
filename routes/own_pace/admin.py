from django.contrib import admin

from routes.own_pace.models import EcContract, OwnPaceRules


@admin.register(OwnPaceRules)
class OwnPaceRulesAdmin(admin.ModelAdmin):
    list_display = ["institution", "min_ec_per_year", "max_ec_per_year", "max_ec_per_period", "change_deadline_days"]


@admin.register(EcContract)
class EcContractAdmin(admin.ModelAdmin):
    list_display = ["student", "academic_year", "ec", "status", "agreed_at"]
    readonly_fields = ["student", "academic_year", "ec", "status", "agreed_by", "agreed_at"]

    def has_add_permission(self, request):
        return False  # contracts are proposed, agreed and changed through the services, with their history
