"""How each kind of notification reads: apps register a title writer per kind prefix in their
``AppConfig.ready()``; the centre calls it when a notification is shown, with the page's language active,
and the email with the recipient's."""

from __future__ import annotations

from collections.abc import Callable

TitleWriter = Callable[[str, dict], str]  # (kind, params) -> title
_writers: dict[str, TitleWriter] = {}


def kind_register(prefix: str, writer: TitleWriter) -> None:
    """``writer`` writes the titles of every kind that starts with ``prefix`` (e.g. ``"enrolment."``)."""
    _writers[prefix] = writer


def title_of(kind: str, params: dict) -> str:
    for prefix, writer in sorted(_writers.items(), key=lambda item: -len(item[0])):
        if kind.startswith(prefix):
            return str(writer(kind, params))
    return kind
