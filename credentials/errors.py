"""This app's errors; all descend from ``core.errors.ApplicationError``."""

from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError, NotFoundError, PermissionDeniedError

NOT_AWARDING_BOARD_MESSAGE = _("Only the examination board of the awarding institution revokes its credentials.")
CREDENTIAL_NOT_FOUND_MESSAGE = _("No such credential.")
REASON_REQUIRED_MESSAGE = _("Give the reason for the revocation.")
STATUS_LIST_FULL_MESSAGE = _("The institution's status list is full; no credential can be issued until it grows.")


class CredentialError(ApplicationError):
    code = "credential_invalid"


class NotAwardingBoardError(PermissionDeniedError):
    code = "not_awarding_board"

    def __init__(self):
        super().__init__(NOT_AWARDING_BOARD_MESSAGE)


class CredentialNotFoundError(NotFoundError):
    code = "credential_not_found"

    def __init__(self):
        super().__init__(CREDENTIAL_NOT_FOUND_MESSAGE)
