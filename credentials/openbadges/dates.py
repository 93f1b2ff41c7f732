"""Date-times as credentials write them."""

from datetime import UTC, datetime


def xsd_datetime(moment: datetime) -> str:
    """UTC, whole seconds, with a ``Z``: the form the specs' examples use and every verifier parses.
    A naive datetime is refused: a credential's dates must not depend on the server's time zone."""
    if moment.tzinfo is None:
        raise ValueError("a credential's date-time needs a time zone")
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
