"""Lifecycles: the verbs that move an object between its states, the one function that moves it, its audit
event, and the subscribers that hear of each move.

An app declares its lifecycle once (``Lifecycle(...)``) with its verbs. Each ``Verb`` names whose it is
(the actor: a person in a role, or the system), the states it may start from and the states it leads to:
a table of (from, to) pairs cannot tell a host's ``admit`` from a student's ``accept`` when both lead to
the same state. A verb may be ``guarded`` by rules (``core.rules``): it then refuses to move without a
passed verdict, evaluated by the caller in the same transaction.

``Lifecycle.transition`` is the only code that changes the state field: it checks the verb, saves with
``update_fields``, builds the audit event (the app's own model, through ``event``), and hands the event to
the subscribers inside the transaction. Side effects subscribe, they are not called: notifications, an
institution gateway, webhooks register in their ``AppConfig.ready()`` and queue their work with
``transaction.on_commit`` so a rolled-back move never leaves a trace.

Inside ``Lifecycle.together()`` the moves are written when the block ends: one UPDATE per object with all
its changed fields, one INSERT for all events, and one call of each subscriber with all of them.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.functional import Promise

from core.errors import WrongStateError
from core.i18n import lazy_format


@dataclass(frozen=True)
class Verb:
    """One move: whose it is, where it may start, where it may lead. ``guarded``: needs a passed verdict."""

    name: str
    actor: str
    sources: frozenset[str]
    targets: frozenset[str]
    label: str | Promise
    guarded: bool = False

    def allows(self, status: str) -> bool:
        return status in self.sources


def verb(name: str, actor: str, sources: Iterable[str], targets: Iterable[str], label, *, guarded=False) -> Verb:
    return Verb(name, str(actor), frozenset(sources), frozenset(targets), label, guarded)


Subscriber = Callable[[list[Any]], None]


@dataclass
class _Pending:
    saves: dict[int, tuple[models.Model, set[str]]] = field(default_factory=dict)  # by id() of the object
    events: list[models.Model] = field(default_factory=list)


class Lifecycle:
    """The verbs of one kind of object and the machinery that moves it.

    ``states``: the ``TextChoices`` of its state field (``field``). ``event``: builds the (unsaved) audit
    row of one move from ``(obj, previous, to, verb, **details)``. ``on_enter``: optional, sets fields on
    entering a state and returns their names (timestamps such as ``submitted_at``). ``wrong_state_message``:
    with ``%(status)s`` and ``%(verb)s``, shown when a verb may not start from the object's state.
    """

    def __init__(
        self,
        *,
        name: str,
        states: type[models.TextChoices],
        verbs: Iterable[Verb],
        event: Callable[..., models.Model],
        wrong_state_message: str | Promise,
        field: str = "status",
        on_enter: Callable[[Any, str, str], Iterable[str]] | None = None,
    ) -> None:
        self.name = name
        self.states = states
        self.verbs: dict[str, Verb] = {}
        for v in verbs:
            unknown = (v.sources | v.targets) - set(states.values)
            if unknown or v.name in self.verbs:
                raise ValueError(f"{name}: verb {v.name} is repeated or names unknown states {sorted(unknown)}")
            self.verbs[v.name] = v
        self.field = field
        self._event = event
        self._on_enter = on_enter
        self._wrong_state_message = wrong_state_message
        self._subscribers: list[Subscriber] = []
        self._pending: contextvars.ContextVar[_Pending | None] = contextvars.ContextVar(f"{name}_pending", default=None)

    # Reading the lifecycle -------------------------------------------------------------------------------

    @property
    def allowed(self) -> dict[str, set[str]]:
        """Every possible move (from → {to}), derived from the verbs: for reading and drawing."""
        table: dict[str, set[str]] = {state: set() for state in self.states.values}
        for v in self.verbs.values():
            for source in v.sources:
                table[source] |= v.targets
        return table

    def check(self, obj, v: Verb) -> None:
        """WrongStateError (409) unless ``v`` may start from the object's current state."""
        status = getattr(obj, self.field)
        if not v.allows(status):
            label = self.states(status).label
            raise WrongStateError(
                lazy_format(self._wrong_state_message, status=label, verb=v.label), extra={"status": status}
            )

    # Subscribers ----------------------------------------------------------------------------------------

    def subscribe(self, subscriber: Subscriber) -> None:
        """Call ``subscriber(events)`` after every move (or block of moves), inside its transaction. Register in
        ``AppConfig.ready()``; registering the same function twice has no effect."""
        if subscriber not in self._subscribers:
            self._subscribers.append(subscriber)

    def _publish(self, events: list[models.Model]) -> None:
        for subscriber in self._subscribers:
            subscriber(events)

    # Moving ---------------------------------------------------------------------------------------------

    def transition(
        self,
        obj,
        *,
        verb: Verb,
        to: str | None = None,
        extra_fields: Iterable[str] = (),
        verdict=None,
        **details,
    ):
        """Move ``obj`` by ``verb`` to ``to`` (the verb's only target when not given) and record the move.

        Requires: inside ``transaction.atomic``, with the object's row locked by the caller, who has checked
        who may act. Raises WrongStateError (nothing written) when the verb may not start from the object's
        state; for a guarded verb, the verdict's own error when ``verdict`` did not pass. Saves the state and
        ``extra_fields`` only. Returns the audit event.
        """
        self.check(obj, verb)
        if to is None:
            (to,) = verb.targets
        if to not in verb.targets:
            raise ValueError(f"{self.name}: {verb.name} does not lead to {to}")
        if verb.guarded:
            if verdict is None:
                raise ValueError(f"{self.name}: {verb.name} is guarded: evaluate its rules first")
            if not verdict.passed:
                raise verdict.error()
        previous = getattr(obj, self.field)
        setattr(obj, self.field, to)
        fields = {self.field, *extra_fields}
        if any(f.name == "updated_at" for f in obj._meta.concrete_fields):
            fields.add("updated_at")
        if self._on_enter is not None:
            fields.update(self._on_enter(obj, previous, to))
        event = self._event(obj, previous, to, verb, **details)
        pending = self._pending.get()
        if pending is not None:
            pending.saves.setdefault(id(obj), (obj, set()))[1].update(fields)
            pending.events.append(event)
        else:
            obj.save(update_fields=sorted(fields))
            event.save()
            self._publish([event])
        return event

    @contextlib.contextmanager
    def together(self) -> Iterator[None]:
        """Write the moves made inside the block when it ends: one UPDATE per object with every field its
        moves changed, one INSERT for all their events, one call of each subscriber with all of them.

        Each move is checked when it is made and the objects in memory are up to date at once; only the
        rows wait. So the block must hold only code that does not read those rows back from the database,
        and that catches no error from a nested ``atomic`` block (that would undo a move's effects but not
        the move). Use inside ``transaction.atomic``: everything is written in the savepoint current when
        the block ends, so a rollback drops the moves and their events together. When the block raises,
        nothing is written. Blocks nest: the outermost one writes.
        """
        if self._pending.get() is not None:
            yield
            return
        pending = _Pending()
        token = self._pending.set(pending)
        try:
            yield
        finally:
            self._pending.reset(token)
        for obj, fields in pending.saves.values():
            obj.save(update_fields=sorted(fields))
        if pending.events:
            type(pending.events[0]).objects.bulk_create(pending.events)
            self._publish(pending.events)
