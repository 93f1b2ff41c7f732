"""Own pace's errors: each says what was wrong and what to do instead, in the user's language."""

from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError

NOT_PILOTED = _("Your institution does not offer the own-pace route (yet).")
NO_PROGRAMME = _("An own-pace plan belongs to a programme, and your profile names none.")
ALREADY_PLANNED = _("This course is already in your plan.")
ALREADY_COMPLETED = _("You have already completed this course; it needs no place in your plan.")
PERIOD_ENDED = _("That period has already ended: plan in a period still to come.")
OFFERING_OUTSIDE_PERIOD = _("The run you chose does not fall in that period of your calendar: choose its period.")
CIRCULAR = _("The prerequisites of %(course)s go round in a circle (%(cycle)s), so no order can satisfy them.")
PREREQUISITE_LATER = _(
    "Periods out of order: %(prerequisite)s is a prerequisite of %(course)s and must be planned in an earlier period."
)
DEPENDENT_EARLIER = _(
    "Periods out of order: %(course)s is a prerequisite of %(dependent)s, which is planned in the same or an earlier period."
)
EC_BELOW_MIN = _("A contract needs at least %(min)s EC a year at your institution.")
EC_ABOVE_MAX = _("A contract can have at most %(max)s EC a year at your institution.")
YEAR_ENDED = _("That academic year has ended.")
CONTRACT_EXISTS = _("You already have a contract for %(year)s: change it instead.")
CHANGE_AFTER_DEADLINE = _("Contracts for %(year)s could be changed until %(deadline)s; that date has passed.")
CHANGE_SAME_EC = _("The contract already has %(ec)s EC.")
REASON_REQUIRED = _("Say why you change the contract.")


class OwnPaceError(ApplicationError):
    code = "invalid_own_pace"


class NotPilotedError(PermissionDeniedError):
    code = "route_not_piloted"

    def __init__(self):
        super().__init__(NOT_PILOTED)


class NotStudentError(PermissionDeniedError):
    code = "not_student"

    def __init__(self):
        super().__init__(_("Only students have an own-pace plan and EC contract."))


class DeadlinePassedError(ConflictError):
    code = "change_deadline_passed"


class NotFound(NotFoundError):
    """One answer for an id that does not exist and one that is not yours: nothing leaks."""

    def __init__(self, what=None):
        super().__init__(what or _("Not found."))


COURSE_NOT_FOUND = _("No such course.")
PERIOD_NOT_FOUND = _("No such period in your institution's calendar.")
OFFERING_NOT_FOUND = _("No such run of this course.")
PLANNED_NOT_FOUND = _("No such course in your plan.")
YEAR_NOT_FOUND = _("No such academic year at your institution.")
CONTRACT_NOT_FOUND = _("No such contract.")
STUDENT_NOT_FOUND = _("No such student.")
