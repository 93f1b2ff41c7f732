"""What can go wrong when the portal talks to an institution's OOAPI endpoint.

Every error descends from ``OOAPIError`` (an ``ApplicationError``), carries a plain-language, translatable
``message`` and says whether it is ``transient``: worth retrying later with backoff (the peer was down,
slow, or answered garbage) or not (the peer or its configuration must change first: a redirect, an address
outside the endpoint, a certificate that does not verify, an answer that is too large, a 4xx).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError


class OOAPIError(ApplicationError):
    """A call to a connected institution failed. ``transient`` tells the caller whether to retry."""

    code = "ooapi_error"
    transient = False
    status_code = 502

    def __init__(self, message, *, url: str = "", code: str | None = None, extra: dict | None = None):
        super().__init__(message, code=code, extra=extra)
        self.url = url


class EndpointConfigurationError(OOAPIError):
    """The connection itself is unusable (no base URL, an unsupported scheme, missing credentials)."""

    code = "ooapi_configuration"


class OutsideEndpointError(OOAPIError):
    """A URL (from a response or a caller) points outside the connection's configured endpoint: refused, so
    a peer can never steer the portal to another host (SSRF)."""

    code = "ooapi_outside_endpoint"


class PeerRedirectError(OOAPIError):
    """The peer answered 3xx. Redirects are never followed: the target may be another host."""

    code = "ooapi_redirect"

    def __init__(self, *, url: str, location: str):
        super().__init__(
            _("The institution's endpoint redirected to %(location)s; redirects are not followed.")
            % {"location": location or _("(no address given)")},
            url=url,
            extra={"location": location},
        )
        self.location = location


class PeerTimeoutError(OOAPIError):
    code = "ooapi_timeout"
    transient = True


class PeerUnreachableError(OOAPIError):
    """No connection could be made (refused, DNS failure, network down)."""

    code = "ooapi_unreachable"
    transient = True


class PeerConnectionDroppedError(OOAPIError):
    """The connection broke before a complete answer arrived. The peer may or may not have acted on the
    request; retrying with the same idempotency key is safe."""

    code = "ooapi_dropped"
    transient = True


class PeerTLSError(OOAPIError):
    """The secure connection failed: the certificate did not verify, or the TLS handshake failed."""

    code = "ooapi_tls"


class ResponseTooLargeError(OOAPIError):
    code = "ooapi_too_large"


class InvalidJSONError(OOAPIError):
    """The answer was not JSON. Treated as transient: a peer sending garbage is retried with backoff (a
    POST may have been processed; the idempotency key makes the retry safe)."""

    code = "ooapi_invalid_json"
    transient = True


class PeerHTTPError(OOAPIError):
    """The peer answered with an HTTP error status. ``status``, and the peer's own ``title``/``detail`` when
    it sent an ``application/problem+json`` body."""

    code = "ooapi_http_error"

    def __init__(self, message, *, url: str, status: int, title: str = "", detail: str = ""):
        super().__init__(message, url=url, extra={"status": status, "title": title, "detail": detail})
        self.status = status
        self.title = title
        self.detail = detail


class PeerServerError(PeerHTTPError):
    """5xx (and 429 Too Many Requests): the peer has a problem now; retry later."""

    code = "ooapi_server_error"
    transient = True


class PeerClientError(PeerHTTPError):
    """4xx: the peer refused the request as sent; retrying the same request will not help."""

    code = "ooapi_client_error"


class PeerAuthenticationError(PeerClientError):
    """401/403: the credentials were refused."""

    code = "ooapi_auth"


class PeerNotFoundError(PeerClientError):
    code = "ooapi_not_found"


class TokenError(OOAPIError):
    """The OAuth2 token endpoint did not hand out a token. ``transient`` depends on the cause."""

    code = "ooapi_token"

    def __init__(self, message, *, url: str = "", transient: bool = False):
        super().__init__(message, url=url)
        self.transient = transient


class EndpointNotAllowedError(OOAPIError):
    """The onboarding check from the staff page refuses addresses inside private networks (the portal's own
    network is not something staff may probe through it)."""

    code = "ooapi_endpoint_not_allowed"
