from django.contrib import admin

from credentials.models import CredentialEvent, IssuedCredential, IssuerKey, MicrocredentialDefinition, StatusList


@admin.register(MicrocredentialDefinition)
class MicrocredentialDefinitionAdmin(admin.ModelAdmin):
    list_display = ("title", "awarding_institution", "ec", "eqf_level", "course", "module", "programme", "stack_rule")
    list_filter = ("awarding_institution",)
    search_fields = ("title",)
    raw_id_fields = ("course", "module", "programme")


@admin.register(IssuerKey)
class IssuerKeyAdmin(admin.ModelAdmin):
    """Read only: keys are made and rotated with ``manage.py credential_keys``; the secret is never shown."""

    list_display = ("institution", "key_id", "created_at", "retired_at")
    fields = ("institution", "key_id", "public_key_multibase", "created_at", "retired_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(StatusList)
class StatusListAdmin(admin.ModelAdmin):
    list_display = ("institution", "size", "next_index")
    readonly_fields = ("institution", "size", "next_index")


class CredentialEventInline(admin.TabularInline):
    model = CredentialEvent
    extra = 0
    can_delete = False
    readonly_fields = ("verb", "from_status", "to_status", "actor", "reason", "at")


@admin.register(IssuedCredential)
class IssuedCredentialAdmin(admin.ModelAdmin):
    """Read only: credentials are issued on a grant and revoked through ``credential_revoke``."""

    list_display = ("public_id", "definition", "holder", "status", "issued_at")
    list_filter = ("status",)
    inlines = [CredentialEventInline]
    readonly_fields = (
        "public_id",
        "definition",
        "result",
        "components",
        "holder",
        "document",
        "issued_at",
        "status",
        "status_list",
        "status_index",
        "revoked_at",
        "revoked_by",
        "revocation_reason",
    )

    def has_add_permission(self, request):
        return False
