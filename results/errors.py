"""Results' errors: each says what was wrong and what to do instead, in the user's language."""

from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError


class ResultError(ApplicationError):
    code = "invalid_result"


class NotHostError(PermissionDeniedError):
    code = "not_host"

    def __init__(self):
        super().__init__(_("Only the host institution's admissions staff record results for its courses."))


class ResultNotFoundError(NotFoundError):
    code = "result_not_found"

    def __init__(self):
        super().__init__(_("No such result."))


class TooEarlyError(ConflictError):
    code = "before_end_date"


class NotRegisteredError(ConflictError):
    code = "not_registered"

    def __init__(self):
        super().__init__(
            _(
                "A result can only be recorded for a student registered for the course (or completed, for a later attempt)."
            )
        )


class StaleResultError(ConflictError):
    code = "stale_result"

    def __init__(self):
        super().__init__(_("This result has been corrected in the meantime: correct the latest result instead."))
