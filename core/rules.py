"""Rules, evaluated live: each gives one verdict with a translatable reason, so what a person is shown
before acting and what the service enforces are the same checks.

A rule is a function of a context (whatever the lifecycle needs: a student and an offering, a programme
version, a credential definition) returning one ``Check``. ``evaluate`` runs a list of rules and returns a
``Verdict``; a verb guarded by rules (``core.lifecycle.Verb.guarded``) refuses to move without a passed
verdict evaluated in the same transaction. Enrolment's eligibility is the first user.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.utils.functional import Promise

from core.errors import ApplicationError
from core.i18n import lazy_format


@dataclass(frozen=True)
class Check:
    """One rule's verdict. ``blocking`` rules refuse; the others only warn. ``link``: where to fix it."""

    code: str
    ok: bool
    message: str | Promise
    blocking: bool = True
    link: str = ""


Rule = Callable[[Any], "Check | None"]


@dataclass
class Verdict:
    """The checks of one evaluation. Subclasses name the error a failed verdict raises and its message,
    which takes the failed rules' reasons as ``%(reasons)s``."""

    checks: list[Check] = field(default_factory=list)
    error_class: ClassVar[type[ApplicationError]] = ApplicationError
    error_message: ClassVar[str | Promise] = "%(reasons)s"

    @property
    def passed(self) -> bool:
        return all(c.ok for c in self.checks if c.blocking)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.ok and c.blocking]

    @property
    def warnings(self) -> list[Check]:
        return [c for c in self.checks if not c.ok and not c.blocking]

    def error(self, *, prefix: str = "") -> ApplicationError:
        """The refusal for a failed verdict: every failed rule's reason, and their codes."""
        reasons = "; ".join(str(c.message) for c in self.failures)
        return self.error_class(
            lazy_format(self.error_message, reasons=f"{prefix}{reasons}"),
            extra={"reasons": [c.code for c in self.failures]},
        )


def evaluate(rules: Iterable[Rule], context, *, verdict: type[Verdict] = Verdict) -> Verdict:
    """Run ``rules`` on ``context`` in order; a rule that does not apply returns None."""
    result = verdict()
    for rule in rules:
        check = rule(context)
        if check is not None:
            result.checks.append(check)
    return result
