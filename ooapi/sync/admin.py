"""Admin for the outbox, for ``ooapi/admin.py`` to register (this module registers nothing itself)::

    from ooapi.models import OutboxMessage
    from ooapi.sync.admin import OutboxMessageAdmin

    admin.site.register(OutboxMessage, OutboxMessageAdmin)

Messages are read-only here: they are written by the enrolment transactions and changed only by the
dispatcher. The one action, "Retry", is the status page's button (``services.outbox_message_retry``).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.errors import ApplicationError
from ooapi.models import OutboxMessage
from ooapi.sync import services


class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = (
        "pk",
        "kind",
        "connection",
        "endpoint",
        "request",
        "status",
        "attempts",
        "next_attempt_at",
        "created_at",
    )
    list_select_related = ("connection__institution", "endpoint__institution", "request")
    list_filter = ("status", "kind", "connection")
    search_fields = ("idempotency_key", "request__public_id", "last_error")
    ordering = ("-created_at",)
    actions = ["retry_dead_letters"]
    readonly_fields = [
        "connection",
        "endpoint",
        "request",
        "kind",
        "payload",
        "idempotency_key",
        "status",
        "attempts",
        "next_attempt_at",
        "enqueued_at",
        "last_error",
        "response",
        "created_at",
        "delivered_at",
        "dead_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Retry the selected dead letters"))
    def retry_dead_letters(self, request, queryset):
        retried = 0
        for message in queryset.filter(status=OutboxMessage.Status.DEAD):
            try:
                services.outbox_message_retry(user=request.user, message_id=message.pk)
                retried += 1
            except ApplicationError as error:
                self.message_user(request, error.message, messages.ERROR)
        self.message_user(
            request,
            ngettext("%(count)d dead letter queued again.", "%(count)d dead letters queued again.", retried)
            % {"count": retried},
            messages.SUCCESS,
        )


class WebhookEndpointAdmin(admin.ModelAdmin):
    """Institutions' webhook endpoints, for superusers to look at (and switch off). Staff register them, and
    rotate their secrets, on their institution's webhooks page (``webhooks.views``): the secret is never
    shown here."""

    list_display = ("pk", "institution", "url", "is_active", "circuit", "last_success_at", "created_at")
    list_select_related = ("institution",)
    list_filter = ("is_active", "circuit")
    search_fields = ("url", "institution__code")
    fields = ["institution", "url", "description", "events", "is_active", "circuit", "last_error", "created_at"]
    readonly_fields = ["institution", "url", "description", "events", "circuit", "last_error", "created_at"]

    def has_add_permission(self, request):
        return False
