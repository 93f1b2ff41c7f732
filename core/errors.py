"""The one exception root. Every app's errors descend from ``ApplicationError``."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

TOO_MANY_REQUESTS_MESSAGE = _("Too many requests in a short time. Wait %(wait)s and try again.")


class ApplicationError(Exception):
    """A business rule said no. ``message`` is translatable and shown to the user as is."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: str | Promise, *, code: str | None = None, extra: dict | None = None):
        super().__init__(str(message))
        self.message = message
        if code:
            self.code = code
        self.extra = extra or {}


class ConflictError(ApplicationError):
    status_code = 409
    code = "conflict"


class PermissionDeniedError(ApplicationError):
    status_code = 403
    code = "permission_denied"


class NotFoundError(ApplicationError):
    status_code = 404
    code = "not_found"


class WrongStateError(ConflictError):
    """A lifecycle verb may not start from the object's current state (``core.lifecycle``)."""

    code = "wrong_state"
