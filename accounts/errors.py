"""Errors of the accounts app. All descend from ``core.errors.ApplicationError``; their messages are
translatable constants so that the pages showing them and the tests asserting them agree."""

from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError, ConflictError, PermissionDeniedError
from core.i18n import lazy_format

HOME_INSTITUTION_MISSING_MESSAGE = _(
    "Your login did not say which institution you belong to, so we cannot sign you in. "
    "Sign in with the account of your own university or university of applied sciences, or ask its "
    "service desk to release the schacHomeOrganization attribute to the portal."
)
HOME_INSTITUTION_UNKNOWN_MESSAGE = _(
    "Your institution (%(schac_home)s) does not take part in the portal, so we cannot sign you in. "
    "Only students and staff of the zone's institutions can use it."
)
STUDENT_NUMBER_TAKEN_MESSAGE = _(
    "Student number %(student_number)s at %(institution)s is already linked to another account in the portal. "
    "Contact the portal's service desk to have the accounts merged."
)
MFA_REQUIRED_MESSAGE = _(
    "Staff and coordinators must set up two-factor authentication (an authenticator app) before they can continue."
)

MFA_AUTHENTICATION_REQUIRED_MESSAGE = _(
    "Enter the code from your authenticator app to continue: staff and coordinators confirm every session "
    "with their second factor."
)


class HomeInstitutionError(ApplicationError):
    """The identity provider's claims do not lead to one of the zone's institutions."""

    status_code = 403


class HomeInstitutionMissingError(HomeInstitutionError):
    code = "home_institution_missing"

    def __init__(self) -> None:
        super().__init__(HOME_INSTITUTION_MISSING_MESSAGE)


class HomeInstitutionUnknownError(HomeInstitutionError):
    code = "home_institution_unknown"

    def __init__(self, *, schac_home: str) -> None:
        super().__init__(
            lazy_format(HOME_INSTITUTION_UNKNOWN_MESSAGE, schac_home=schac_home),
            extra={"schac_home": schac_home},
        )


class StudentNumberTakenError(ConflictError):
    code = "student_number_taken"

    def __init__(self, *, student_number: str, institution: str) -> None:
        super().__init__(
            lazy_format(STUDENT_NUMBER_TAKEN_MESSAGE, student_number=student_number, institution=institution),
            extra={"student_number": student_number},
        )


class MfaRequiredError(PermissionDeniedError):
    code = "mfa_required"

    def __init__(self) -> None:
        super().__init__(MFA_REQUIRED_MESSAGE)


class MfaAuthenticationRequiredError(PermissionDeniedError):
    """The user has an authenticator, but this session has not passed it."""

    code = "mfa_authentication_required"

    def __init__(self) -> None:
        super().__init__(MFA_AUTHENTICATION_REQUIRED_MESSAGE)


LEARNER_KIND_INVALID_MESSAGE = _("Choose whether you take modules as a professional or as a guest.")
LEARNER_ALREADY_MESSAGE = _(
    "Your account already has a learner profile; a student of a zone institution registers through it."
)


class LearnerProfileError(ApplicationError):
    code = "learner_profile_invalid"


class LearnerProfileExistsError(ConflictError):
    code = "learner_profile_exists"

    def __init__(self):
        super().__init__(LEARNER_ALREADY_MESSAGE)
