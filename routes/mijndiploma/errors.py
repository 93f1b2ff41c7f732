"""MijnDiploma's errors: each says what was wrong and what to do instead, in the user's language."""

from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError

STALE_MESSAGE = _(
    "This version was changed by someone else since you opened it (or is no longer the current version). "
    "Reload the page to see the current version, then make your change again."
)
NOT_EDITABLE_MESSAGE = _("Version %(number)s is %(status)s and can no longer be changed; make a new version instead.")
OFFERING_UNKNOWN_MESSAGE = _("One of the chosen offerings does not exist (%(value)s).")
OFFERING_INVISIBLE_MESSAGE = _("%(offering)s is not open to students of your institution.")
CIRCULAR_MESSAGE = _(
    "The prerequisites of %(courses)s require each other in a circle, so they cannot be put in order. "
    "Ask the institutions concerned to correct their prerequisites, or leave one of these courses out."
)
NOT_COMPLIANT_MESSAGE = _("The programme does not meet the examination board's rules yet: %(reasons)s")
NO_PROGRAMME_MESSAGE = _("You need a home programme before composing one of your own.")
NEW_VERSION_MESSAGE = _("A new version can be made only after the board's decision on the latest version.")
NOT_ELSEWHERE_MESSAGE = _("Only items at another institution become enrolment requests.")
NOT_APPROVED_MESSAGE = _("Ask for enrolment once the examination board has approved this version.")
ALREADY_ASKED_MESSAGE = _("You already asked to enrol for this item.")
COMMENT_REQUIRED_MESSAGE = _("Write a comment on at least one item, or a general comment, when asking for changes.")
UNKNOWN_ITEM_MESSAGE = _("A comment names an item that is not in this version.")
TOO_MANY_ITEMS_MESSAGE = _("A programme holds at most %(max)s items.")
BAD_RULES_MESSAGE = _(
    "These rules cannot be used: give EC as numbers from 0 to 999 with the maximum at least the minimum, levels "
    "from the catalogue's list and existing core courses."
)
UNKNOWN_DECISION_MESSAGE = _("Choose approve, deny or ask for changes.")


class MijnDiplomaError(ApplicationError):
    code = "mijndiploma_invalid"


class StaleVersionError(ConflictError):
    code = "stale_version"

    def __init__(self, *, current: int | None = None):
        super().__init__(STALE_MESSAGE, extra={"current_row_version": current} if current is not None else None)


class NotEditableError(ConflictError):
    code = "not_editable"


class NotCompliantError(MijnDiplomaError):
    code = "rules_not_met"


class CircularPrerequisitesError(MijnDiplomaError):
    code = "circular_prerequisites"


class OfferingNotAllowedError(MijnDiplomaError):
    code = "offering_not_allowed"


class NotAllowedError(PermissionDeniedError):
    code = "not_allowed"

    def __init__(self):
        super().__init__(_("You may not do this for this programme."))


class VersionNotFoundError(NotFoundError):
    code = "version_not_found"

    def __init__(self):
        super().__init__(_("No such programme version."))


class PortfolioNotFoundError(NotFoundError):
    code = "portfolio_not_found"

    def __init__(self):
        super().__init__(_("No such portfolio."))
