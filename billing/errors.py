"""Billing's errors: each says what was wrong and what to do instead, in the user's language."""

from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError, NotFoundError, PermissionDeniedError


class TariffError(ApplicationError):
    code = "invalid_tariff"


class TariffOverlapError(TariffError):
    code = "tariff_overlap"


class NotTariffManagerError(PermissionDeniedError):
    code = "not_tariff_manager"

    def __init__(self):
        super().__init__(_("Only zone coordinators and administrators manage settlement tariffs."))


class StatementNotFoundError(NotFoundError):
    code = "statement_not_found"

    def __init__(self):
        super().__init__(_("No settlement statement of yours here."))


class ZoneStatementDeniedError(PermissionDeniedError):
    code = "not_zone_coordinator"

    def __init__(self):
        super().__init__(
            _("The zone's settlement statement is for zone coordinators; staff see their own institution's.")
        )


class TariffNotFoundError(NotFoundError):
    code = "tariff_not_found"

    def __init__(self):
        super().__init__(_("No such tariff."))
