"""Moved to ``core.errors``; this name stays until every import follows."""

from core.errors import *  # noqa: F403
from core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError  # noqa: F401
