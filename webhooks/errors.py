"""The webhooks' refusals, each with a plain message for staff."""

from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError

NOT_STAFF_MESSAGE = _("Only staff of this institution may manage its webhooks.")
NOT_FOUND_MESSAGE = _("There is no such webhook endpoint or delivery.")
BAD_URL_MESSAGE = _("Enter the full address of your endpoint, starting with https:// (or http://).")
URL_CREDENTIALS_MESSAGE = _("The address may not contain a user name or password.")
NO_EVENTS_MESSAGE = _("Choose at least one event.")
UNKNOWN_EVENT_MESSAGE = _("Unknown event: %(events)s.")
TOO_LONG_MESSAGE = _("The description is at most 200 characters.")
NOT_REPLAYABLE_MESSAGE = _("Only a delivered or dead delivery can be replayed; this one is still on its way.")
TOO_MANY_MESSAGE = _("An institution has at most %(max)s webhook endpoints.")


class WebhookError(ApplicationError):
    code = "webhook_invalid"


class NotStaffError(PermissionDeniedError):
    code = "webhook_not_staff"

    def __init__(self):
        super().__init__(NOT_STAFF_MESSAGE)


class WebhookNotFoundError(NotFoundError):
    code = "webhook_not_found"

    def __init__(self):
        super().__init__(NOT_FOUND_MESSAGE)


class NotReplayableError(ConflictError):
    code = "webhook_not_replayable"

    def __init__(self):
        super().__init__(NOT_REPLAYABLE_MESSAGE)
