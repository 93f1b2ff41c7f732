"""What the consent screen says: which data goes where, and why. Its version is a digest of these words, so
changing what is said shows the screen again to everyone who agreed to the earlier words."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Flow:
    to: object
    what: object
    why: object


FLOWS = (
    Flow(
        to=_("Your home institution"),
        what=_("Which courses you ask to take elsewhere, your motivation and documents, and your results there."),
        why=_("It approves your requests, registers them in its own system and recognises your results."),
    ),
    Flow(
        to=_("The host institution of a course you ask for"),
        what=_(
            "Your name, email address, home institution, programme and student number, your motivation and "
            "documents, once your home institution has approved the request."
        ),
        why=_("It admits you, registers you in its own system and records your result."),
    ),
    Flow(
        to=_("The institutions' own systems"),
        what=_("The same, sent over the Open Education API to the institutions that are connected."),
        why=_("So that staff do not type your enrolment over by hand."),
    ),
    Flow(
        to=_("Zone coordinators"),
        what=_("Counts only, never your records: groups smaller than five students are not shown."),
        why=_("The zone steers on how many students take part, where and by which route."),
    ),
)


def consent_version() -> str:
    """A digest of the words in their source language: the same in every language, new when they change."""
    with translation.override("en"):
        text = "\n".join(f"{flow.to}|{flow.what}|{flow.why}" for flow in FLOWS)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
