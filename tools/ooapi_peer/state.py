"""The reference peer's mutable state: associations, decision settings, authentication, faults and a
request log. Kept in memory; with a state file, associations and settings are also appended to a journal
(one JSON object per line) and replayed at start, so a stopped and restarted peer (even one killed with
SIGKILL) still knows every association it created. Faults are not journalled: a restarted peer is healthy.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import random
import secrets
import threading
import time
import uuid
from collections import Counter, deque
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

STATES = ("pending", "associated", "denied", "queued", "canceled")
DECISIONS = ("associated", "pending", "queued", "denied")
FAULT_PHASES = ("before", "after")


class ControlError(ValueError):
    """A control request that makes no sense (unknown setting, wrong type)."""


@dataclass
class Faults:
    """What the peer does wrong. ``*_next`` counters apply to the next N matching requests, ``*_rate`` to a
    fraction of them (seeded, so runs repeat). Only requests matching ``path_prefix`` and ``method`` are
    affected; the control API never is."""

    latency_ms: int = 0
    error_next: int = 0
    error_rate: float = 0.0
    error_status: int = 500
    hang_next: int = 0
    hang_rate: float = 0.0
    hang_seconds: float = 30.0
    malformed_next: int = 0
    malformed_rate: float = 0.0
    drop_next: int = 0
    drop_rate: float = 0.0
    oversize_bytes: int = 0
    oversize_chunked: bool = False
    redirect_to: str = ""
    broken: bool = False
    broken_every: int = 1
    path_prefix: str = ""
    method: str = ""
    phase: str = "before"

    def matches(self, method: str, path: str) -> bool:
        return path.startswith(self.path_prefix) and (not self.method or self.method.upper() == method)


@dataclass
class Auth:
    """``required``: OOAPI requests need ``Authorization: Bearer <token>`` with one of ``tokens`` or a token
    issued by ``POST /oauth2/token`` to one of ``clients`` (client id → secret)."""

    required: bool = False
    tokens: list[str] = field(default_factory=list)
    clients: dict[str, str] = field(default_factory=dict)
    token_lifetime: int = 300


@dataclass
class Settings:
    decision: str = "associated"
    offering_decisions: dict[str, str] = field(default_factory=dict)  # offeringId or primaryCode code → decision
    auth: Auth = field(default_factory=Auth)


def _update_dataclass(target: Any, values: dict, *, where: str) -> None:
    known = {f.name: f for f in fields(target)}
    for key, value in values.items():
        if key not in known:
            raise ControlError(f"unknown setting {where}{key}")
        current = getattr(target, key)
        if isinstance(current, bool):
            if not isinstance(value, bool):
                raise ControlError(f"{where}{key} must be true or false")
        elif isinstance(current, int | float):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ControlError(f"{where}{key} must be a number")
            value = type(current)(value)
        elif isinstance(current, str):
            if not isinstance(value, str):
                raise ControlError(f"{where}{key} must be a string")
        elif isinstance(current, list):
            if not isinstance(value, list):
                raise ControlError(f"{where}{key} must be a list")
        elif isinstance(current, dict) and not isinstance(value, dict):
            raise ControlError(f"{where}{key} must be an object")
        setattr(target, key, value)


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def fingerprint(body: Any) -> str:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class PeerState:
    """Thread-safe state of one peer process. Every mutation holds ``lock``."""

    def __init__(self, *, seed: int = 1, state_file: Path | None = None):
        self.lock = threading.RLock()
        self.seed = seed
        self.random = random.Random(seed)
        self.settings = Settings()
        self.faults = Faults()
        self.associations: dict[str, dict] = {}
        self.idempotency: dict[str, str] = {}  # key → associationId
        self.issued_tokens: dict[str, float] = {}  # token → expiry (monotonic)
        self.tokens_issued = 0
        self.requests: deque[dict] = deque(maxlen=5000)
        self.request_count = 0
        self.release = threading.Event()  # set to let hanging requests go (on reset and shutdown)
        self._load: dict[str, Counter] | None = None
        self.state_file = state_file
        self._journal = None
        if state_file is not None:
            self._replay(state_file)
            self._journal = state_file.open("a", encoding="utf-8")

    # Journal -----------------------------------------------------------------------------------------

    def _replay(self, path: Path) -> None:
        if not path.exists():
            return
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut short by SIGKILL: everything before it is intact
            kind = entry.get("t")
            if kind == "association":
                association = entry["a"]
                self.associations[association["associationId"]] = association
                if association.get("idempotencyKey"):
                    self.idempotency[association["idempotencyKey"]] = association["associationId"]
            elif kind == "settings":
                self._apply_settings(entry["s"])
            elif kind == "reset":
                self.associations.clear()
                self.idempotency.clear()
                self.settings = Settings()

    def _write(self, entry: dict) -> None:
        self._load = None  # every association change passes here
        if self._journal is not None:
            self._journal.write(json.dumps(entry, ensure_ascii=False) + "\n")
            self._journal.flush()

    def close(self) -> None:
        self.release.set()
        if self._journal is not None:
            self._journal.close()
            self._journal = None

    # Settings and faults -----------------------------------------------------------------------------

    def _apply_settings(self, values: dict) -> None:
        values = copy.deepcopy(values)
        auth = values.pop("auth", None)
        decision = values.get("decision")
        if decision is not None and decision not in DECISIONS:
            raise ControlError(f"decision must be one of {', '.join(DECISIONS)}")
        for offering, rule in (values.get("offering_decisions") or {}).items():
            if rule not in DECISIONS:
                raise ControlError(f"decision for offering {offering} must be one of {', '.join(DECISIONS)}")
        _update_dataclass(self.settings, values, where="")
        if auth is not None:
            if not isinstance(auth, dict):
                raise ControlError("auth must be an object")
            _update_dataclass(self.settings.auth, auth, where="auth.")

    def configure(self, values: dict) -> dict:
        with self.lock:
            self._apply_settings(values)
            self._write({"t": "settings", "s": values})
            return self.describe_settings()

    def describe_settings(self) -> dict:
        return asdict(self.settings)

    def set_faults(self, values: dict, *, replace: bool) -> dict:
        with self.lock:
            faults = Faults() if replace else copy.deepcopy(self.faults)
            _update_dataclass(faults, values, where="")
            if faults.phase not in FAULT_PHASES:
                raise ControlError("phase must be 'before' or 'after'")
            if faults.broken_every < 1:
                raise ControlError("broken_every must be at least 1")
            self.faults = faults
            if not (faults.hang_next or faults.hang_rate):
                self._release_hangers()
            return asdict(faults)

    def _release_hangers(self) -> None:
        self.release.set()
        self.release = threading.Event()

    def reset(self) -> None:
        """Forget associations, settings, faults, tokens and the request log; release hanging requests."""
        with self.lock:
            self.settings = Settings()
            self.faults = Faults()
            self.associations.clear()
            self.idempotency.clear()
            self._load = None
            self.issued_tokens.clear()
            self.tokens_issued = 0
            self.requests.clear()
            self.request_count = 0
            self.random = random.Random(self.seed)
            self._release_hangers()
            if self._journal is not None:
                # Start the journal afresh: a reset peer must not resurrect old associations on restart.
                self._journal.close()
                self._journal = self.state_file.open("w", encoding="utf-8")

    def take_fault(self, method: str, path: str) -> tuple[str | None, Faults]:
        """The fault to inject for this request (``error``, ``hang``, ``drop``, ``malformed`` or None),
        consuming a ``*_next`` counter when one applies."""
        with self.lock:
            faults = self.faults
            if not faults.matches(method, path):
                return None, faults
            for kind in ("hang", "drop", "error", "malformed"):
                if getattr(faults, f"{kind}_next") > 0:
                    setattr(faults, f"{kind}_next", getattr(faults, f"{kind}_next") - 1)
                    return kind, faults
            for kind in ("hang", "drop", "error", "malformed"):
                rate = getattr(faults, f"{kind}_rate")
                if rate and self.random.random() < rate:
                    return kind, faults
            return None, faults

    # Authentication ----------------------------------------------------------------------------------

    def issue_token(self, client_id: str, secret: str) -> tuple[str, int] | None:
        with self.lock:
            expected = self.settings.auth.clients.get(client_id)
            if expected is None or not secrets.compare_digest(expected, secret):
                return None
            token = secrets.token_urlsafe(24)
            lifetime = self.settings.auth.token_lifetime
            self.issued_tokens[token] = time.monotonic() + lifetime
            self.tokens_issued += 1
            return token, lifetime

    def token_valid(self, token: str) -> bool:
        with self.lock:
            if token in self.settings.auth.tokens:
                return True
            expiry = self.issued_tokens.get(token)
            return expiry is not None and expiry > time.monotonic()

    def revoke_tokens(self) -> int:
        with self.lock:
            count = len(self.issued_tokens)
            self.issued_tokens.clear()
            return count

    # Associations ------------------------------------------------------------------------------------

    def decision_for(self, offering_id: str, offering_code: str) -> str:
        rules = self.settings.offering_decisions
        return rules.get(offering_id) or rules.get(offering_code) or self.settings.decision

    def create_association(
        self, *, body: dict, offering_id: str, offering_code: str, person_id: str, idempotency_key: str
    ) -> tuple[dict, bool]:
        """``(association, created)``. With an idempotency key already seen, the existing association is
        returned (``created`` False); a different body under the same key raises ``ControlError``."""
        with self.lock:
            if idempotency_key and idempotency_key in self.idempotency:
                existing = self.associations[self.idempotency[idempotency_key]]
                if existing["requestFingerprint"] != fingerprint(body):
                    raise ControlError("Idempotency-Key was already used for a different request body")
                existing["replays"] += 1
                self._write({"t": "association", "a": existing})
                return existing, False
            stamp = now_iso()
            state = self.decision_for(offering_id, offering_code)
            association = {
                "associationId": str(uuid.UUID(int=self.random.getrandbits(128), version=4)),
                "associationType": "courseOfferingAssociation",
                "role": body.get("role") if isinstance(body.get("role"), str) else "student",
                "state": state,
                "remoteState": body.get("remoteState"),
                "offeringId": offering_id,
                "offeringCode": offering_code,
                "personId": person_id,
                "issuer": body.get("issuer"),
                "request": body,  # as the caller sent it, for tests that check what reached the peer
                "result": None,
                "idempotencyKey": idempotency_key or None,
                "requestFingerprint": fingerprint(body),
                "replays": 0,
                "createdAt": stamp,
                "updatedAt": stamp,
                "history": [{"at": stamp, "by": "post", "state": state, "remoteState": body.get("remoteState")}],
            }
            self.associations[association["associationId"]] = association
            if idempotency_key:
                self.idempotency[idempotency_key] = association["associationId"]
            self._write({"t": "association", "a": association})
            return association, True

    def patch_association(self, association_id: str, patch: dict) -> dict | None:
        """Apply a JSON Merge Patch of ``remoteState`` and/or ``result``. A remote cancel cancels here too."""
        with self.lock:
            association = self.associations.get(association_id)
            if association is None:
                return None
            stamp = now_iso()
            if "remoteState" in patch:
                association["remoteState"] = patch["remoteState"]
                if patch["remoteState"] == "canceled":
                    association["state"] = "canceled"
            if "result" in patch:
                association["result"] = _merge_patch(association.get("result"), patch["result"])
            association["updatedAt"] = stamp
            association["history"].append({"at": stamp, "by": "patch", "patch": patch, "state": association["state"]})
            self._write({"t": "association", "a": association})
            return association

    def decide(self, association_id: str, state: str) -> dict | None:
        if state not in STATES:
            raise ControlError(f"state must be one of {', '.join(STATES)}")
        with self.lock:
            association = self.associations.get(association_id)
            if association is None:
                return None
            stamp = now_iso()
            association["state"] = state
            association["updatedAt"] = stamp
            association["history"].append({"at": stamp, "by": "control", "state": state})
            self._write({"t": "association", "a": association})
            return association

    def decide_pending(self, state: str) -> int:
        """Resolve every pending (and queued) association at once; returns how many."""
        with self.lock:
            waiting = [a["associationId"] for a in self.associations.values() if a["state"] in ("pending", "queued")]
            for association_id in waiting:
                self.decide(association_id, state)
            return len(waiting)

    def counts(self, associations: list[dict] | None = None) -> dict:
        associations = list(self.associations.values()) if associations is None else associations
        return {
            "count": len(associations),
            "by_state": dict(Counter(a["state"] for a in associations)),
            "by_offering": dict(Counter(a["offeringId"] for a in associations)),
        }

    def offering_load(self, offering_id: str) -> tuple[int, int]:
        """(associated, pending) associations for an offering, shown in the offering's counts. The tally
        is rebuilt once after a change, not per offering: a page of 250 offerings stays cheap."""
        with self.lock:
            if self._load is None:
                self._load = {}
                for association in self.associations.values():
                    self._load.setdefault(association["offeringId"], Counter())[association["state"]] += 1
            states = self._load.get(offering_id) or Counter()
        return states["associated"], states["pending"] + states["queued"]

    # Request log -------------------------------------------------------------------------------------

    def log_request(self, entry: dict) -> None:
        with self.lock:
            self.request_count += 1
            self.requests.append(entry)


def _merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON Merge Patch."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = _merge_patch(result.get(key), value)
    return result
