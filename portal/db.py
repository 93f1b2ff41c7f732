"""Moved to ``core.db``; this name stays until every import follows."""

from core.db import *  # noqa: F403
from core.db import RETRYABLE, is_retryable, on_commit_once, postgresql_only, retry_on_deadlock  # noqa: F401
