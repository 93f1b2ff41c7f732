"""Translation helpers shared by every app."""

import math

from django.utils.functional import lazy
from django.utils.translation import ngettext


def _format(message, values: dict) -> str:
    return str(message) % values


_lazy_format = lazy(_format, str)


def lazy_format(message, **values):
    """``message % values``, evaluated when shown, so it comes out in the language active at that moment."""
    return _lazy_format(message, values)


def wait_phrase(seconds: float) -> str:
    """How long to wait, for a person: "45 seconds", "1 minute", "5 minutes" (rounded up), in the active language."""
    seconds = max(1, math.ceil(seconds))
    if seconds < 60:
        return ngettext("%(count)d second", "%(count)d seconds", seconds) % {"count": seconds}
    minutes = math.ceil(seconds / 60)
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
