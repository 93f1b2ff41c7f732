from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError


class InvalidCatalogueQuery(ApplicationError):
    """The catalogue question itself is malformed (not merely without results)."""

    code = "invalid_query"

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(_("The search could not be run: please correct the marked fields."), extra={"errors": errors})
        self.errors = errors
