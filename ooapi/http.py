"""The one way the portal talks to a connected institution's OOAPI endpoint.

``OOAPIClient`` wraps httpx with the rules every outbound call must follow:

- **One origin.** It only sends requests under the connection's base URL (same scheme, host and port, and a
  path inside the base path). An absolute URL taken from a response (a ``next`` link, an ``href``) is
  checked the same way and refused with ``OutsideEndpointError`` if it points anywhere else: a peer can
  never steer the portal to another host (no SSRF).
- **No redirects.** A 3xx is reported as ``PeerRedirectError``; the target is never fetched.
- **Bounded answers.** The body is streamed and the call aborted as soon as it passes
  ``max_response_bytes`` (counted after decompression, so a gzip bomb is caught too), or when the whole
  exchange takes longer than the total deadline (a peer that drips one byte at a time).
- **Typed failures.** Timeouts, refused connections, dropped connections, TLS failures, HTTP errors and
  invalid JSON become the exceptions of ``ooapi.errors``, each with a plain-language message and
  ``transient`` so callers know what is worth retrying.
- **Credentials.** OAuth2 client credentials (the token URL is part of the connection, configured by an
  administrator; the token is cached per process until shortly before it expires and refreshed once on a
  401) or a bearer token. Environment proxies and ``.netrc`` are ignored (``trust_env=False``) so no
  ambient credentials are ever attached.
- **Headers.** ``Accept: application/json`` always, ``Idempotency-Key`` when the caller gives one, and the
  connection's consumer key as the ``consumer`` query parameter on GETs.

The client does not retry by itself (except the single token refresh): retry policy belongs to the caller,
which knows whether the call carries an idempotency key.
"""

from __future__ import annotations

import hashlib
import json
import logging
import posixpath
import ssl
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit, urlunsplit

import httpx
from django.utils.translation import gettext_lazy as _

from ooapi.errors import (
    EndpointConfigurationError,
    InvalidJSONError,
    OOAPIError,
    OutsideEndpointError,
    PeerAuthenticationError,
    PeerClientError,
    PeerConnectionDroppedError,
    PeerNotFoundError,
    PeerRedirectError,
    PeerServerError,
    PeerTimeoutError,
    PeerTLSError,
    PeerUnreachableError,
    ResponseTooLargeError,
    TokenError,
)

logger = logging.getLogger(__name__)

USER_AGENT = "Flexportal-OOAPI/1.0"
JSON = "application/json"
MERGE_PATCH_JSON = "application/merge-patch+json"
DEFAULT_PORTS = {"http": 80, "https": 443}
# A token answer is a few hundred bytes; anything much larger is not a token endpoint.
MAX_TOKEN_RESPONSE_BYTES = 64 * 1024
# Refresh a cached token this long before the peer says it expires, so it never expires in flight.
TOKEN_EXPIRY_MARGIN_SECONDS = 30
DEFAULT_TOKEN_LIFETIME_SECONDS = 300


@dataclass(frozen=True)
class Endpoint:
    """Everything the client needs to reach one institution. Built from a ``Connection`` with
    ``Endpoint.from_connection``, or directly (the onboarding check probes endpoints that have no
    ``Connection`` row yet)."""

    base_url: str
    auth_method: str = "none"  # "none" | "bearer" | "client_credentials", as Connection.AuthMethod
    token_url: str = ""
    client_id: str = ""
    client_secret: str = field(default="", repr=False)
    bearer_token: str = field(default="", repr=False)
    consumer_key: str = ""
    connect_timeout: float = 3.0
    read_timeout: float = 10.0
    max_response_bytes: int = 20 * 1024 * 1024

    @classmethod
    def from_connection(cls, connection: Any) -> Endpoint:
        return cls(
            base_url=connection.base_url,
            auth_method=connection.auth_method,
            token_url=connection.token_url,
            client_id=connection.client_id,
            client_secret=connection.client_secret or "",
            bearer_token=connection.bearer_token or "",
            consumer_key=connection.consumer_key,
            connect_timeout=connection.connect_timeout,
            read_timeout=connection.read_timeout,
            max_response_bytes=connection.max_response_bytes,
        )

    @property
    def total_timeout(self) -> float:
        """The most one exchange (connect, send, receive the whole body) may take."""
        return self.connect_timeout + 3 * self.read_timeout


@dataclass(frozen=True)
class Origin:
    scheme: str
    host: str
    port: int

    def __str__(self) -> str:
        default = DEFAULT_PORTS[self.scheme] == self.port
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}" if default else f"{self.scheme}://{host}:{self.port}"


def parse_origin(url: str) -> tuple[Origin, str]:
    """The origin and path of an absolute http(s) URL. Raises ``ValueError`` for anything else (other
    schemes, no host, user info, a malformed port)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise ValueError("scheme")
    if not parts.hostname or parts.username is not None or parts.password is not None:
        raise ValueError("host")
    port = parts.port or DEFAULT_PORTS[scheme]  # .port raises ValueError for a malformed port
    return Origin(scheme, parts.hostname.lower(), port), parts.path


def _has_dot_segments(path: str) -> bool:
    decoded = unquote(unquote(path))
    return any(segment in {".", ".."} for segment in decoded.replace("\\", "/").split("/"))


@dataclass
class PeerResponse:
    """A complete answer from a peer: status, headers and the (size-checked) body."""

    method: str
    url: str
    status_code: int
    headers: httpx.Headers
    content: bytes
    elapsed: float

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").lower()

    @cached_property
    def data(self) -> Any:
        """The body parsed as JSON; ``InvalidJSONError`` when it is not JSON."""
        if not self.content.strip():
            raise InvalidJSONError(_("The institution's system sent an empty answer."), url=self.url)
        try:
            return json.loads(self.content)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise InvalidJSONError(
                _("The institution's system sent an answer that is not valid JSON (%(reason)s).")
                % {"reason": _json_reason(error)},
                url=self.url,
            ) from error

    def problem(self) -> tuple[str, str]:
        """``(title, detail)`` of an ``application/problem+json`` body, or empty strings."""
        try:
            body = json.loads(self.content) if self.content else None
        except (UnicodeDecodeError, json.JSONDecodeError):
            return "", ""
        if not isinstance(body, dict):
            return "", ""
        return str(body.get("title") or "")[:200], str(body.get("detail") or "")[:500]


def _json_reason(error: Exception) -> str:
    if isinstance(error, json.JSONDecodeError):
        return f"{error.msg}, line {error.lineno} column {error.colno}"
    return str(error)


class _TokenCache:
    """OAuth2 access tokens per (token URL, client id, secret), shared by all clients in this process."""

    def __init__(self) -> None:
        self._tokens: dict[tuple[str, str, str], tuple[str, float]] = {}
        self._locks: dict[tuple[str, str, str], threading.Lock] = {}
        self._guard = threading.Lock()

    @staticmethod
    def key(endpoint: Endpoint) -> tuple[str, str, str]:
        secret = hashlib.sha256(endpoint.client_secret.encode()).hexdigest()
        return endpoint.token_url, endpoint.client_id, secret

    def lock(self, key: tuple[str, str, str]) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def get(self, key: tuple[str, str, str]) -> str | None:
        entry = self._tokens.get(key)
        if entry and entry[1] - TOKEN_EXPIRY_MARGIN_SECONDS > time.monotonic():
            return entry[0]
        return None

    def put(self, key: tuple[str, str, str], token: str, expires_in: float) -> None:
        self._tokens[key] = (token, time.monotonic() + expires_in)

    def discard(self, key: tuple[str, str, str], token: str) -> None:
        with self._guard:
            if self._tokens.get(key, ("",))[0] == token:
                del self._tokens[key]

    def clear(self) -> None:
        with self._guard:
            self._tokens.clear()


token_cache = _TokenCache()


class OOAPIClient:
    """A client for one institution's endpoint. Use as a context manager (it holds a connection pool)::

        with OOAPIClient(connection) as client:
            course = client.get(f"/courses/{course_id}").data
            for page in client.pages("/courses", page_size=250):
                ...
            client.post("/associations/external/me", json=body, idempotency_key=message.idempotency_key)

    ``endpoint`` is a ``Connection`` or an ``Endpoint``. ``verify`` is for tests that trust a local CA.
    """

    def __init__(self, endpoint: Any, *, verify: ssl.SSLContext | bool = True):
        self.endpoint = endpoint if isinstance(endpoint, Endpoint) else Endpoint.from_connection(endpoint)
        try:
            self.origin, base_path = parse_origin(self.endpoint.base_url.strip())
        except ValueError as error:
            raise EndpointConfigurationError(
                _("The OOAPI base URL %(url)s is not a valid http(s) address.") % {"url": self.endpoint.base_url}
            ) from error
        self.base_path = posixpath.normpath(base_path).rstrip("/") if base_path.strip("/") else ""
        if _has_dot_segments(base_path):
            raise EndpointConfigurationError(
                _("The OOAPI base URL %(url)s is not a valid http(s) address.") % {"url": self.endpoint.base_url}
            )
        self.base_url = f"{self.origin}{self.base_path}"
        self._check_credentials()
        self._http = httpx.Client(
            follow_redirects=False,
            trust_env=False,
            verify=verify,
            timeout=httpx.Timeout(
                connect=self.endpoint.connect_timeout,
                read=self.endpoint.read_timeout,
                write=self.endpoint.read_timeout,
                pool=self.endpoint.connect_timeout,
            ),
            headers={"User-Agent": USER_AGENT},
        )

    def __enter__(self) -> OOAPIClient:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # Addresses -------------------------------------------------------------------------------------------

    def url_for(self, target: str) -> str:
        """The absolute URL for ``target``: a path relative to the base URL (``/courses``, ``courses/1``) or an
        absolute URL that must lie inside the endpoint. Raises ``OutsideEndpointError`` otherwise."""
        target = target.strip()
        if not target or any(ch in target for ch in "\\\r\n\t\x00") or target.startswith("//"):
            raise self._outside(target)
        parts = urlsplit(target)
        if parts.scheme or parts.netloc:
            try:
                origin, path = parse_origin(target)
            except ValueError:
                raise self._outside(target) from None
            if origin != self.origin:
                raise self._outside(target)
            if path != self.base_path and not path.startswith(self.base_path + "/"):
                raise self._outside(target)
        else:
            path = f"{self.base_path}/{parts.path.lstrip('/')}"
        if _has_dot_segments(path):
            raise self._outside(target)
        return urlunsplit((self.origin.scheme, str(self.origin).split("://", 1)[1], path, parts.query, ""))

    def _outside(self, target: str) -> OutsideEndpointError:
        return OutsideEndpointError(
            _(
                "The address %(url)s is outside the configured OOAPI endpoint %(base)s; the portal only calls "
                "the endpoint it was configured for."
            )
            % {"url": target[:500], "base": self.base_url},
            url=target[:500],
        )

    # Requests --------------------------------------------------------------------------------------------

    def get(self, target: str, *, params: Mapping[str, Any] | None = None, **options) -> PeerResponse:
        return self.request("GET", target, params=params, **options)

    def post(self, target: str, *, json: Any, idempotency_key: Any = None, **options) -> PeerResponse:
        return self.request("POST", target, json=json, idempotency_key=idempotency_key, **options)

    def patch(self, target: str, *, json: Any, idempotency_key: Any = None, **options) -> PeerResponse:
        """A JSON Merge Patch (``application/merge-patch+json``), as OOAPI's ``PATCH /associations/{id}``."""
        return self.request(
            "PATCH", target, json=json, content_type=MERGE_PATCH_JSON, idempotency_key=idempotency_key, **options
        )

    def request(
        self,
        method: str,
        target: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content_type: str = JSON,
        idempotency_key: Any = None,
        raise_for_status: bool = True,
        expect_json: bool = True,
    ) -> PeerResponse:
        """One call. Returns the complete response; raises an ``OOAPIError`` subclass on any failure.

        With ``raise_for_status=False`` HTTP error statuses are returned instead of raised (the onboarding
        check validates error bodies too); redirects are always raised. With ``expect_json=True`` a 2xx
        body is parsed immediately, so garbage fails here rather than later.
        """
        method = method.upper()
        url, _, url_query = self.url_for(target).partition("?")
        # httpx replaces a URL's query string with ``params``; keep both (a link's own query comes first).
        query = dict(parse_qsl(url_query, keep_blank_values=True))
        query.update({key: value for key, value in (params or {}).items() if value is not None})
        if method == "GET" and self.endpoint.consumer_key and "consumer" not in query:
            query["consumer"] = self.endpoint.consumer_key
        headers = {"Accept": JSON}
        body = None
        if json is not None:
            body = _dumps(json)
            headers["Content-Type"] = content_type
        if idempotency_key:
            headers["Idempotency-Key"] = str(idempotency_key)
        token = self._authorization(headers)
        response = self._exchange(method, url, params=query, content=body, headers=headers)
        if response.status_code == 401 and token and self.endpoint.auth_method == "client_credentials":
            # The cached token may have been revoked or the peer restarted: fetch a fresh one, once.
            token_cache.discard(token_cache.key(self.endpoint), token)
            self._authorization(headers)
            response = self._exchange(method, url, params=query, content=body, headers=headers)
        if raise_for_status and response.status_code >= 400:
            raise _http_error(response)
        if expect_json and 200 <= response.status_code < 300 and response.status_code != 204:
            response.data  # noqa: B018 - parse now so invalid JSON fails at the call
        return response

    def pages(
        self,
        target: str,
        *,
        params: Mapping[str, Any] | None = None,
        page_size: int = 100,
        max_pages: int = 100_000,
    ) -> Iterator[PeerResponse]:
        """Every page of an OOAPI list, following ``pageNumber`` while ``hasNextPage`` is true.

        Stops at an empty page, and refuses a peer that answers another page than the one asked for (it
        would otherwise loop forever)."""
        for number in range(1, max_pages + 1):
            response = self.get(target, params={**(params or {}), "pageSize": page_size, "pageNumber": number})
            body = response.data
            if not isinstance(body, dict) or not isinstance(body.get("items"), list):
                raise InvalidJSONError(
                    _("Page %(number)d of %(url)s is not an OOAPI list (no “items” array).")
                    % {"number": number, "url": response.url},
                    url=response.url,
                )
            answered = body.get("pageNumber")
            if isinstance(answered, int) and not isinstance(answered, bool) and answered != number:
                raise OOAPIError(
                    _("%(url)s answered page %(answered)d when page %(number)d was asked for.")
                    % {"url": response.url, "answered": answered, "number": number},
                    url=response.url,
                )
            yield response
            if body.get("hasNextPage") is not True or not body["items"]:
                return

    # Internals -------------------------------------------------------------------------------------------

    def _exchange(
        self, method: str, url: str, *, params: Mapping[str, Any], content: bytes | None, headers: dict[str, str]
    ) -> PeerResponse:
        """Send, and read the answer within the size and time limits. Never follows a redirect."""
        return _stream(
            self._http,
            method,
            url,
            params=params,
            content=content,
            headers=headers,
            limit=self.endpoint.max_response_bytes,
            deadline=self.endpoint.total_timeout,
            origin=str(self.origin),
            timeout=self.endpoint.read_timeout,
        )

    def _check_credentials(self) -> None:
        endpoint = self.endpoint
        if endpoint.auth_method == "bearer" and not endpoint.bearer_token:
            raise EndpointConfigurationError(_("The connection uses a bearer token, but none is configured."))
        if endpoint.auth_method == "client_credentials":
            if not (endpoint.token_url and endpoint.client_id and endpoint.client_secret):
                raise EndpointConfigurationError(
                    _(
                        "The connection uses OAuth2 client credentials, but the token URL, client id or secret is missing."
                    )
                )
            try:
                parse_origin(endpoint.token_url)
            except ValueError as error:
                raise EndpointConfigurationError(
                    _("The token URL %(url)s is not a valid http(s) address.") % {"url": endpoint.token_url}
                ) from error

    def _authorization(self, headers: dict[str, str]) -> str:
        """Add the Authorization header; returns the token used ('' without authentication)."""
        endpoint = self.endpoint
        if endpoint.auth_method == "bearer":
            token = endpoint.bearer_token
        elif endpoint.auth_method == "client_credentials":
            token = self._client_credentials_token()
        else:
            return ""
        headers["Authorization"] = f"Bearer {token}"
        return token

    def _client_credentials_token(self) -> str:
        key = token_cache.key(self.endpoint)
        token = token_cache.get(key)
        if token:
            return token
        # One fetch per key at a time: concurrent callers wait for it instead of each asking for a token.
        with token_cache.lock(key):
            token = token_cache.get(key)
            if token:
                return token
            token, expires_in = self._fetch_token()
            token_cache.put(key, token, expires_in)
            return token

    def _fetch_token(self) -> tuple[str, float]:
        endpoint = self.endpoint
        url = endpoint.token_url
        try:
            response = _stream(
                self._http,
                "POST",
                url,
                params={},
                content=b"grant_type=client_credentials",
                headers={"Accept": JSON, "Content-Type": "application/x-www-form-urlencoded"},
                auth=(endpoint.client_id, endpoint.client_secret),
                limit=MAX_TOKEN_RESPONSE_BYTES,
                deadline=endpoint.total_timeout,
                origin=str(parse_origin(url)[0]),
                timeout=endpoint.read_timeout,
            )
        except PeerRedirectError as error:
            raise TokenError(
                _("The token endpoint %(url)s redirected to %(location)s; redirects are not followed.")
                % {"url": url, "location": error.location},
                url=url,
            ) from error
        except OOAPIError as error:
            raise TokenError(
                _("No access token from %(url)s: %(reason)s") % {"url": url, "reason": error.message},
                url=url,
                transient=error.transient,
            ) from error
        if response.status_code >= 400:
            title, detail = response.problem()
            try:
                reason = str(json.loads(response.content).get("error", "")) or title
            except (ValueError, AttributeError):
                reason = title
            raise TokenError(
                _("The token endpoint %(url)s refused the client credentials (HTTP %(status)d %(reason)s).")
                % {"url": url, "status": response.status_code, "reason": reason or detail},
                url=url,
                transient=response.status_code >= 500 or response.status_code == 429,
            )
        try:
            body = json.loads(response.content)
            token = body["access_token"]
            expires_in = float(body.get("expires_in") or DEFAULT_TOKEN_LIFETIME_SECONDS)
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            raise TokenError(
                _("The token endpoint %(url)s answered without a usable access token.") % {"url": url}, url=url
            ) from error
        if not isinstance(token, str) or not token:
            raise TokenError(
                _("The token endpoint %(url)s answered without a usable access token.") % {"url": url}, url=url
            )
        return token, expires_in


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def _stream(
    http: httpx.Client,
    method: str,
    url: str,
    *,
    params: Mapping[str, Any],
    content: bytes | None,
    headers: dict[str, str],
    limit: int,
    deadline: float,
    origin: str,
    timeout: float,
    auth: tuple[str, str] | None = None,
) -> PeerResponse:
    started = time.monotonic()
    try:
        with http.stream(method, url, params=params, content=content, headers=headers, auth=auth) as response:
            final_url = str(response.request.url)
            if 300 <= response.status_code < 400:
                raise PeerRedirectError(url=final_url, location=response.headers.get("location", "")[:500])
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise _too_large(final_url, limit)
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > limit:
                    raise _too_large(final_url, limit)
                if time.monotonic() - started > deadline:
                    raise PeerTimeoutError(
                        _("The institution's system took longer than %(seconds)d seconds to send its answer.")
                        % {"seconds": int(deadline)},
                        url=final_url,
                    )
            elapsed = time.monotonic() - started
            logger.debug("ooapi %s %s -> %s (%.3fs)", method, url, response.status_code, elapsed)
            return PeerResponse(method, final_url, response.status_code, response.headers, bytes(body), elapsed)
    except httpx.TimeoutException as error:
        phase = _("connect") if isinstance(error, httpx.ConnectTimeout | httpx.PoolTimeout) else _("answer")
        raise PeerTimeoutError(
            _("The institution's system at %(origin)s did not %(phase)s within %(seconds)s seconds.")
            % {"origin": origin, "phase": phase, "seconds": f"{timeout:g}"},
            url=url,
        ) from error
    except httpx.ConnectError as error:
        tls = _tls_cause(error)
        if tls is not None:
            raise PeerTLSError(
                _(
                    "The secure connection to %(origin)s failed: %(reason)s. The portal only talks to endpoints "
                    "with a valid, trusted certificate."
                )
                % {"origin": origin, "reason": _tls_reason(tls)},
                url=url,
            ) from error
        raise PeerUnreachableError(
            _("Could not connect to the institution's system at %(origin)s (%(reason)s).")
            % {"origin": origin, "reason": _short(error)},
            url=url,
        ) from error
    except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as error:
        tls = _tls_cause(error)
        if tls is not None:
            raise PeerTLSError(
                _("The secure connection to %(origin)s failed: %(reason)s.")
                % {"origin": origin, "reason": _tls_reason(tls)},
                url=url,
            ) from error
        raise PeerConnectionDroppedError(
            _("The institution's system at %(origin)s closed the connection before its answer was complete.")
            % {"origin": origin},
            url=url,
        ) from error
    except httpx.DecodingError as error:
        raise InvalidJSONError(
            _("The institution's system sent an answer that could not be decoded (%(reason)s).")
            % {"reason": _short(error)},
            url=url,
        ) from error
    except httpx.TransportError as error:
        raise PeerUnreachableError(
            _("Could not connect to the institution's system at %(origin)s (%(reason)s).")
            % {"origin": origin, "reason": _short(error)},
            url=url,
        ) from error


def _too_large(url: str, limit: int) -> ResponseTooLargeError:
    return ResponseTooLargeError(
        _("The institution's system sent an answer larger than the %(limit)s bytes allowed for this connection.")
        % {"limit": f"{limit:,}"},
        url=url,
    )


def _tls_cause(error: BaseException) -> ssl.SSLError | None:
    seen = 0
    current: BaseException | None = error
    while current is not None and seen < 10:
        if isinstance(current, ssl.SSLError):
            return current
        current = current.__cause__ or current.__context__
        seen += 1
    return None


def _tls_reason(error: ssl.SSLError) -> str:
    if isinstance(error, ssl.SSLCertVerificationError):
        return str(
            _("the certificate could not be verified (%(reason)s)") % {"reason": error.verify_message or error.reason}
        )
    return str(error.reason or error)


def _short(error: BaseException) -> str:
    return (str(error) or type(error).__name__)[:200]


def _http_error(response: PeerResponse) -> OOAPIError:
    status = response.status_code
    title, detail = response.problem()
    said = f": {title}" + (f" ({detail})" if detail else "") if title or detail else ""
    values = {"status": status, "url": response.url, "said": said}
    if status >= 500 or status == 429:
        return PeerServerError(
            _("The institution's system answered HTTP %(status)d for %(url)s%(said)s. It will be tried again later.")
            % values,
            url=response.url,
            status=status,
            title=title,
            detail=detail,
        )
    if status in (401, 403):
        return PeerAuthenticationError(
            _("The institution's system refused the portal's credentials (HTTP %(status)d for %(url)s%(said)s).")
            % values,
            url=response.url,
            status=status,
            title=title,
            detail=detail,
        )
    if status == 404:
        return PeerNotFoundError(
            _("The institution's system does not know %(url)s (HTTP 404%(said)s).") % values,
            url=response.url,
            status=status,
            title=title,
            detail=detail,
        )
    return PeerClientError(
        _("The institution's system refused the request to %(url)s (HTTP %(status)d%(said)s).") % values,
        url=response.url,
        status=status,
        title=title,
        detail=detail,
    )
