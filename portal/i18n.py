"""Moved to ``core.i18n``; this name stays until every import follows."""

from core.i18n import lazy_format, wait_phrase  # noqa: F401
