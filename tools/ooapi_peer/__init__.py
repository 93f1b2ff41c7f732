"""The reference peer: an OOAPI v5 "institution system" for development, the demo and the tests.

A plain Python package, not a Django app: it imports neither Django nor the portal's apps (import-linter
holds it to that, see ``pyproject.toml``) and speaks to the portal only over HTTP. It runs as its own
process, without a database::

    python -m tools.ooapi_peer --port 8100 [--host 127.0.0.1] [--offerings N] [--seed S]
    python manage.py run_ooapi_peer --port 8100 ...     # the same, from the demo app's command

Everything it serves is generated from the seed (``tools.ooapi_peer.catalogue``), item by item on request, so
``--offerings 100000`` costs a few hundred kilobytes. Associations live in memory, and in a journal when
``--state-file`` is given (a restarted peer remembers them).

OOAPI endpoints (validated against the official spec in ``tests/ooapi_peer/test_peer.py``):

- ``GET /``, ``/organizations[/{id}[/offerings]]``, ``/academic-sessions[/{id}[/offerings]]``,
  ``/programs[/{id}]``, ``/courses[/{id}[/offerings]]``, ``/offerings/{id}``, ``/persons/me``;
  lists take ``pageSize`` (10, 20, 50, 100, 250), ``pageNumber`` and answer ``hasPreviousPage``,
  ``hasNextPage``, ``totalPages`` and ``items``; offering lists take ``since`` (default: today, as the spec
  says) and ``until``; ``/courses`` takes ``sort`` (name, -name, courseId, -courseId) and ``primaryCode``.
- ``POST /associations/external/me`` (eduXchange): creates an association whose ``state`` is the configured
  decision. An ``Idempotency-Key`` header makes a retry return the same association (201 again); the same
  key with a different body is refused (400).
- ``GET /associations/{id}``; ``PATCH /associations/{id}`` (``application/merge-patch+json``:
  ``remoteState``, ``result``; a remote ``canceled`` cancels the association here too).
- ``POST /oauth2/token``: OAuth2 client credentials (only useful with ``auth.clients`` configured).

Control API under ``/_peer/`` (not OOAPI; JSON in and out; never faulted, never authenticated, so bind the
peer to 127.0.0.1 only):

- ``GET /_peer/health``, ``GET /_peer/state`` (settings, faults, association counts, request count).
- ``POST /_peer/settings`` (merged): ``{"decision": "associated"|"pending"|"queued"|"denied",
  "offering_decisions": {"<offeringId or primaryCode>": "denied"}, "auth": {"required": true,
  "tokens": ["static-token"], "clients": {"client-id": "secret"}, "token_lifetime": 300}}``.
- ``POST /_peer/faults`` (merged), ``PUT`` (replaced), ``DELETE`` (cleared). Fields (see
  ``tools.ooapi_peer.state.Faults``): ``latency_ms``; ``error_next``/``error_rate``/``error_status``;
  ``hang_next``/``hang_rate``/``hang_seconds`` (no answer, then the connection is closed);
  ``malformed_next``/``malformed_rate`` (200 with truncated JSON); ``drop_next``/``drop_rate`` (connection
  closed without an answer); ``oversize_bytes`` (+ ``oversize_chunked``); ``redirect_to`` (302);
  ``broken`` (+ ``broken_every``: documents that violate the spec: missing required fields, wrong types);
  scoped by ``path_prefix`` and ``method``; ``phase: "after"`` processes a POST/PATCH first and then
  fails the answer (the association exists, the caller does not know: the idempotency test).
- ``GET /_peer/associations[?offering=…&state=…]``: ``{"count", "by_state", "by_offering", "items"}``;
  ``GET /_peer/associations/{id}``; ``POST /_peer/associations/{id}/decide`` ``{"state": "associated"}``;
  ``POST /_peer/associations/decide-pending`` ``{"state": …}``.
- ``GET /_peer/requests[?path_prefix=…]``: the last 5,000 OOAPI requests (method, path, query, status and
  the Accept, Authorization, Idempotency-Key, Content-Type headers).
- ``POST /_peer/auth/revoke`` (forget issued tokens), ``POST /_peer/reset`` (associations, settings,
  faults, tokens and log; the catalogue never changes).

For pytest, ``tests/ooapi_peer/fixtures.py`` starts it as a subprocess and wraps the control API.
"""
