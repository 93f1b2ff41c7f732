"""Errors of the enrolment app; messages are translatable constants so pages and tests agree."""

from django.utils.translation import gettext_lazy as _

from core.errors import (
    ApplicationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    WrongStateError,  # noqa: F401 (the lifecycle's own; enrolment code names it from here)
)

WRONG_STATE_MESSAGE = _("This request is %(status)s; it cannot be %(verb)s now.")
DUPLICATE_MESSAGE = _(
    "You already have a request for this offering. Open it under My requests instead of enrolling twice."
)
NOT_ELIGIBLE_MESSAGE = _("You cannot enrol in this offering: %(reasons)s")
NOT_ALLOWED_MESSAGE = _("You are not allowed to do this for this request.")
NOT_FOUND_MESSAGE = _("No such request.")
REASON_REQUIRED_MESSAGE = _("Choose a reason code: a decision without a reason does not help the student.")
DEADLINE_PASSED_MESSAGE = _(
    "The deadline to cancel or withdraw (%(deadline)s) has passed; contact the host institution."
)
NO_SEAT_MESSAGE = _("There is no free seat for this student; put the request on the waitlist instead.")
OFFER_LAPSED_MESSAGE = _("The seat offer has lapsed: it was not accepted in time and passes to the next student.")
OFFERING_NOT_FOUND_MESSAGE = _("No such offering in the catalogue.")
ALTERNATIVE_NOT_FOUND_MESSAGE = _("One of your alternative choices is not an offering in the catalogue.")
CHOICES_REPEATED_MESSAGE = _("Each choice must be a different offering.")
UPLOAD_TYPE_MESSAGE = _("Upload a PDF document.")
UPLOAD_SIZE_MESSAGE = _("The document is too large: at most %(max)d MB.")
USE_WITHDRAW_MESSAGE = _("You were already admitted: withdraw from the course instead of cancelling the request.")
TOO_MANY_CHOICES_MESSAGE = _("Give at most three ranked choices.")
ALTERNATIVE_NOT_ELIGIBLE_MESSAGE = _("Choice %(rank)s:")
ROUTE_NOT_OPEN_MESSAGE = _(
    "You cannot take this offering by the route you chose: choose one of the routes it is suitable for that "
    "your home institution pilots (%(routes)s)."
)
MODULE_ONLY_ROUTE_MESSAGE = _("Professionals and guests register for modules by the modular route only.")
MODULE_PAGE_REQUIRED_MESSAGE = _(
    "Professionals and guests register for a module on its registration page, with the data for the invoice."
)
NO_ROUTE_OPEN_MESSAGE = _("Your home institution does not pilot any of the routes this offering is suitable for.")
MOTIVATION_REQUIRED_MESSAGE = _("Your home institution asks for a motivation: say why you want to take this course.")
MOTIVATION_LOCKED_MESSAGE = _("The motivation can no longer be changed: your home institution has decided.")
BUSY_MESSAGE = _("Many students are enrolling in this course right now. Please try again in a moment.")


class EnrolmentError(ApplicationError):
    pass


class BusyError(ConflictError):
    """A lock the command needs was not free within ``ENROLMENT_LOCK_TIMEOUT_MS``: nothing was written. A
    person may try again; a Celery task retries."""

    code = "busy"

    def __init__(self):
        super().__init__(BUSY_MESSAGE)


class DuplicateRequestError(ConflictError):
    code = "duplicate_request"

    def __init__(self):
        super().__init__(DUPLICATE_MESSAGE)


class NotEligibleError(EnrolmentError):
    code = "not_eligible"


class NotAllowedError(PermissionDeniedError):
    code = "not_allowed"

    def __init__(self):
        super().__init__(NOT_ALLOWED_MESSAGE)


class RequestNotFoundError(NotFoundError):
    def __init__(self):
        super().__init__(NOT_FOUND_MESSAGE)


class UploadError(EnrolmentError):
    code = "invalid_upload"


class OfferingNotFoundError(NotFoundError):
    code = "offering_not_found"

    def __init__(self):
        super().__init__(OFFERING_NOT_FOUND_MESSAGE)


class AlternativeNotFoundError(EnrolmentError):
    code = "alternative_not_found"

    def __init__(self):
        super().__init__(ALTERNATIVE_NOT_FOUND_MESSAGE)


class RouteNotOpenError(EnrolmentError):
    code = "route_not_open"


class MotivationRequiredError(EnrolmentError):
    code = "motivation_required"

    def __init__(self):
        super().__init__(MOTIVATION_REQUIRED_MESSAGE)


class ModulePageRequiredError(EnrolmentError):
    """A module-only learner's registration carries its invoice: it goes through billing's module
    registration, which calls ``request_submit(module_registration=True)``."""

    code = "module_page_required"

    def __init__(self):
        super().__init__(MODULE_PAGE_REQUIRED_MESSAGE)
