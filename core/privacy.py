"""Personal data, declared where it is kept: every model says how it holds data about a person.

Each app lists its models in a module of its own, ``<app>/personal_data.py``, which the ``privacy`` app loads
at start-up (``autodiscover_modules``): no app imports ``privacy``, and ``privacy`` imports no app's models
by name. A declaration says:

- **about**: the lookups from the model to the person (``accounts.User``) it is about, e.g.
  ``("student__user",)``; a row found through any of them is that person's and is in their export;
- **erasure**: what erasure does to those rows: ``DELETE`` them, or ``PSEUDONYMISE`` them, for what an
  institution must keep by law (results, the audit trail, ledgers): the row and its numbers stay, the
  fields named in ``replace`` are overwritten (a value, or a function of the pseudonym), and what still
  points at the person points at their pseudonymised account;
- **why**: one sentence, shown to the person on their data page, saying what the data is and, when kept,
  why;
- **hidden**: fields never shown or exported (secrets such as key material);
- **retention**: optionally, how long the rows live: a kind (whose number of days the settings give,
  ``PRIVACY_RETENTION_DAYS``), the date field it counts from, whether the rows are then deleted or
  pseudonymised, and which rows it applies to (e.g. only finished requests). The ``privacy`` app's beat task
  enforces it every night.

A model that holds nothing about a person (an institution's calendar) is declared with ``no_personal_data``;
``tests/privacy`` fails for any model that points at a person, or at a model that is about one, and declares
nothing, so a model added later cannot be forgotten.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

DELETE = "delete"
PSEUDONYMISE = "pseudonymise"
NONE = "none"

Replacement = Any | Callable[[str], Any]


@dataclass(frozen=True)
class Retention:
    kind: str
    field: str
    action: str = DELETE
    only: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Declaration:
    label: str
    erasure: str
    why: Any
    about: tuple[str, ...] = ()
    replace: dict[str, Replacement] = field(default_factory=dict)
    hidden: tuple[str, ...] = ()
    retention: Retention | None = None

    @property
    def holds_personal_data(self) -> bool:
        return self.erasure != NONE


_declarations: dict[str, Declaration] = {}


def personal_data(
    label: str,
    *,
    about: tuple[str, ...] | list[str],
    erasure: str,
    why: Any,
    replace: dict[str, Replacement] | None = None,
    hidden: tuple[str, ...] | list[str] = (),
    retention: Retention | None = None,
) -> Declaration:
    """Declare that ``label`` ("app_label.ModelName") holds data about the person reached through ``about``."""
    if erasure not in (DELETE, PSEUDONYMISE):
        raise ValueError(f"{label}: erasure must be DELETE or PSEUDONYMISE, not {erasure!r}")
    if not about:
        raise ValueError(f"{label}: say through which fields the rows are about a person")
    if replace and erasure != PSEUDONYMISE:
        raise ValueError(f"{label}: only pseudonymised rows have fields replaced")
    if retention is not None and retention.action not in (DELETE, PSEUDONYMISE):
        raise ValueError(f"{label}: retention deletes or pseudonymises")
    if retention is not None and retention.action == PSEUDONYMISE and not replace:
        raise ValueError(f"{label}: pseudonymising after retention needs fields to replace")
    return _register(Declaration(label, erasure, why, tuple(about), dict(replace or {}), tuple(hidden), retention))


def no_personal_data(label: str, *, why: Any) -> Declaration:
    """Declare that ``label`` holds nothing about a person, though it may point at a model that does."""
    return _register(Declaration(label, NONE, why))


def _register(declaration: Declaration) -> Declaration:
    if declaration.label in _declarations and _declarations[declaration.label] != declaration:
        raise ValueError(f"{declaration.label} is declared twice")
    _declarations[declaration.label] = declaration
    return declaration


def declarations() -> dict[str, Declaration]:
    return dict(_declarations)


def declaration_for(label: str) -> Declaration | None:
    return _declarations.get(label)
