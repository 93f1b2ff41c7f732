"""Translation helpers shared by every app."""

from django.utils.functional import lazy


def _format(message, values: dict) -> str:
    return str(message) % values


_lazy_format = lazy(_format, str)


def lazy_format(message, **values):
    """``message % values``, evaluated when shown, so it comes out in the language active at that moment."""
    return _lazy_format(message, values)
