"""Moved to ``core.errors``; this name stays until every import follows."""

from core.errors import *  # noqa: F403
from core.errors import (  # noqa: F401
    TOO_MANY_REQUESTS_MESSAGE,
    ApplicationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
)
