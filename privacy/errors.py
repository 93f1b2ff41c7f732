from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError, ConflictError, PermissionDeniedError

STAFF_NOT_ERASED = _(
    "Accounts that hold staff roles or the zone coordinator's role are not erased here: your institution ends "
    "your roles first, then you can erase your account."
)
ACTIVE_REQUESTS = _(
    "You have requests that are still running (%(count)s). Cancel them, or wait until they are finished, then "
    "erase your account: the institutions need to reach you while a request runs."
)
CONFIRMATION_WRONG = _("Type your own email address to confirm.")
CONSENT_OUTDATED = _("What the screen says has changed since you opened it. Read it again, then answer.")


class ConfirmationWrongError(ApplicationError):
    code = "confirmation_wrong"


class NotErasedHereError(PermissionDeniedError):
    code = "staff_not_erased"


class RequestsRunningError(ConflictError):
    code = "requests_running"


class ConsentOutdatedError(ConflictError):
    code = "consent_outdated"
