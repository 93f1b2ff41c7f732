"""The safe OOAPI client against the real reference peer and tiny local servers (all on 127.0.0.1):
one origin only, no redirects, bounded answers, TLS that verifies, and every failure typed."""

from __future__ import annotations

import contextlib
import gzip
import ipaddress
import ssl
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from django.utils import translation

from core.errors import ApplicationError
from ooapi import errors
from ooapi.http import Endpoint, OOAPIClient, token_cache
from tests.tls import self_signed_certificate
from tools.ooapi_peer.catalogue import Catalogue

pytest_plugins = ["tests.ooapi_peer.fixtures"]


@pytest.fixture(autouse=True)
def _english():
    # Messages are asserted in the English source; the portal's default language is Dutch.
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fresh_token_cache():
    token_cache.clear()
    yield
    token_cache.clear()


def endpoint(base_url: str, **overrides) -> Endpoint:
    return Endpoint(**{"base_url": base_url, "connect_timeout": 2.0, "read_timeout": 2.0, **overrides})


# Tiny local servers -----------------------------------------------------------------------------------


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request, client_address) -> None:
        pass  # clients that give up (TLS refused, oversize aborted) are expected here


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    hits: list[str]

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        self.hits.append(self.path)
        self.answer()

    def do_POST(self) -> None:
        self.hits.append(self.path)
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.answer()

    def answer(self) -> None:
        self.send_json(b'{"ok": true}')

    def send_json(self, body: bytes, status: int = 200, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


@contextlib.contextmanager
def local_server(handler: type[Handler], *, tls: ssl.SSLContext | None = None) -> Iterator[tuple[str, list[str]]]:
    """A server on 127.0.0.1 in a thread: yields its base URL and the list of paths it was asked for."""
    hits: list[str] = []
    handler_class = type("BoundHandler", (handler,), {"hits": hits})
    server = QuietServer(("127.0.0.1", 0), handler_class)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    scheme = "https" if tls else "http"
    try:
        yield f"{scheme}://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1, made now: (certificate path, key path)."""
    san = x509.IPAddress(ipaddress.ip_address("127.0.0.1"))
    cert_path, key_path = self_signed_certificate(tmp_path_factory.mktemp("tls"), san=san, ca=True)
    return str(cert_path), str(key_path)


@pytest.fixture
def catalogue() -> Catalogue:
    return Catalogue(offerings=200, seed=1)


# Requests as they should be ---------------------------------------------------------------------------


def test_get_sends_accept_consumer_and_no_credentials_by_default(ooapi_peer):
    with OOAPIClient(endpoint(ooapi_peer.base_url, consumer_key="eduxchange")) as client:
        page = client.get("/courses", params={"pageSize": 10}).data
    assert len(page["items"]) == 10
    [logged] = ooapi_peer.control.requests("/courses")
    assert logged["accept"] == "application/json"
    assert logged["query"] == {"pageSize": "10", "consumer": "eduxchange"}
    assert logged["authorization"] is None
    assert logged["userAgent"].startswith("Flexportal-OOAPI/")


def test_post_carries_the_idempotency_key_and_patch_is_a_merge_patch(ooapi_peer, catalogue):
    key = uuid.uuid4()
    body = {"remoteState": "pending", "role": "student", "offering": {"offeringId": catalogue.make_id("off", 1)}}
    with OOAPIClient(endpoint(ooapi_peer.base_url, consumer_key="eduxchange")) as client:
        created = client.post("/associations/external/me", json=body, idempotency_key=key)
        again = client.post("/associations/external/me", json=body, idempotency_key=key)
        association_id = created.data["associationId"]
        client.patch(f"/associations/{association_id}", json={"remoteState": "canceled"})
    assert created.status_code == 201 and again.data == created.data
    assert ooapi_peer.control.association_count() == 1
    posts = ooapi_peer.control.requests("/associations/external")
    assert [p["idempotencyKey"] for p in posts] == [str(key), str(key)]
    assert posts[0]["query"] == {}  # the consumer parameter belongs to GETs
    [patch] = ooapi_peer.control.requests(f"/associations/{association_id}")
    assert patch["contentType"] == "application/merge-patch+json"
    assert ooapi_peer.control.association(association_id)["state"] == "canceled"


def test_pages_follow_page_numbers_to_the_end(ooapi_peer, catalogue):
    with OOAPIClient(endpoint(ooapi_peer.base_url)) as client:
        pages = list(client.pages("/courses", page_size=20))
    assert [p.data["pageNumber"] for p in pages] == [1, 2, 3]
    assert sum(len(p.data["items"]) for p in pages) == catalogue.course_count


def test_pages_refuse_a_peer_that_answers_another_page():
    class SamePageForever(Handler):
        def answer(self):
            self.send_json(b'{"pageNumber": 1, "pageSize": 10, "hasNextPage": true, "items": [{}]}')

    with (
        local_server(SamePageForever) as (url, hits),
        OOAPIClient(endpoint(url)) as client,
        pytest.raises(errors.OOAPIError, match="answered page 1 when page 2 was asked for"),
    ):
        list(client.pages("/courses"))
    assert len(hits) == 2


def test_a_bearer_token_is_sent(ooapi_peer):
    ooapi_peer.control.settings(auth={"required": True, "tokens": ["static-token"]})
    with OOAPIClient(endpoint(ooapi_peer.base_url, auth_method="bearer", bearer_token="static-token")) as client:
        assert client.get("/").status_code == 200
    with (
        OOAPIClient(endpoint(ooapi_peer.base_url, auth_method="bearer", bearer_token="wrong")) as client,
        pytest.raises(errors.PeerAuthenticationError) as refused,
    ):
        client.get("/")
    assert refused.value.status == 401 and refused.value.transient is False


def test_client_credentials_token_is_cached_and_refreshed_once_when_revoked(ooapi_peer):
    ooapi_peer.control.settings(auth={"required": True, "clients": {"portal": "s3cret"}})
    settings = endpoint(
        ooapi_peer.base_url,
        auth_method="client_credentials",
        token_url=f"{ooapi_peer.origin}/oauth2/token",
        client_id="portal",
        client_secret="s3cret",
    )
    with OOAPIClient(settings) as client:
        for _ in range(3):
            client.get("/courses")
    with OOAPIClient(settings) as client:  # another client in the same process shares the token
        client.get("/programs")
    assert ooapi_peer.control.state()["tokens_issued"] == 1
    ooapi_peer.control.revoke_tokens()
    with OOAPIClient(settings) as client:
        assert client.get("/courses").status_code == 200  # 401, new token, retried once
    assert ooapi_peer.control.state()["tokens_issued"] == 2
    statuses = [r["status"] for r in ooapi_peer.control.requests("/courses")]
    assert statuses == [200, 200, 200, 401, 200]


def test_refused_client_credentials_are_a_permanent_token_error(ooapi_peer):
    ooapi_peer.control.settings(auth={"required": True, "clients": {"portal": "s3cret"}})
    settings = endpoint(
        ooapi_peer.base_url,
        auth_method="client_credentials",
        token_url=f"{ooapi_peer.origin}/oauth2/token",
        client_id="portal",
        client_secret="guess",
    )
    with OOAPIClient(settings) as client, pytest.raises(errors.TokenError) as refused:
        client.get("/courses")
    assert refused.value.transient is False
    assert "refused the client credentials (HTTP 401 invalid_client)" in refused.value.message
    assert ooapi_peer.control.requests("/courses") == []  # nothing was sent without a token


def test_a_token_endpoint_that_is_down_is_a_transient_token_error(ooapi_peer):
    ooapi_peer.control.faults(error_next=1, path_prefix="/oauth2")
    settings = endpoint(
        ooapi_peer.base_url,
        auth_method="client_credentials",
        token_url=f"{ooapi_peer.origin}/oauth2/token",
        client_id="portal",
        client_secret="s3cret",
    )
    with OOAPIClient(settings) as client, pytest.raises(errors.TokenError) as down:
        client.get("/courses")
    assert down.value.transient is True


def test_incomplete_or_unusable_configuration_is_refused_up_front():
    for base_url in ("ftp://ooapi.example.nl/v5", "http://user:pw@ooapi.example.nl/", "not a url", "http://:80/"):
        with pytest.raises(errors.EndpointConfigurationError):
            OOAPIClient(endpoint(base_url))
    with pytest.raises(errors.EndpointConfigurationError, match="token URL, client id or secret is missing"):
        OOAPIClient(endpoint("https://ooapi.example.nl", auth_method="client_credentials", client_id="x"))
    with pytest.raises(errors.EndpointConfigurationError, match="bearer token"):
        OOAPIClient(endpoint("https://ooapi.example.nl", auth_method="bearer"))


def test_ambient_proxy_settings_are_ignored(ooapi_peer, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("ALL_PROXY", "http://127.0.0.1:9")
    with OOAPIClient(endpoint(ooapi_peer.base_url)) as client:
        assert client.get("/").status_code == 200


# One origin, no redirects (no SSRF) -------------------------------------------------------------------


def test_addresses_outside_the_endpoint_are_refused_before_any_request():
    with OOAPIClient(endpoint("https://ooapi.example.nl/v5")) as client:
        assert client.url_for("/courses") == "https://ooapi.example.nl/v5/courses"
        assert client.url_for("courses?pageNumber=2") == "https://ooapi.example.nl/v5/courses?pageNumber=2"
        assert client.url_for("https://OOAPI.example.nl:443/v5/courses/1") == "https://ooapi.example.nl/v5/courses/1"
        for target in (
            "https://evil.example.com/v5/courses",
            "http://ooapi.example.nl/v5/courses",  # another scheme is another origin
            "https://ooapi.example.nl:8443/v5/courses",
            "https://ooapi.example.nl/admin",  # same host, outside the base path
            "https://ooapi.example.nl/v5evil/courses",
            "https://user@ooapi.example.nl/v5/courses",
            "//evil.example.com/v5/courses",
            "../admin",
            "/courses/../../admin",
            "/courses/%2e%2e/%2E%2E/admin",
            "/courses/%252e%252e/admin",
            "/courses\\..\\admin",
            "file:///etc/passwd",
            "gopher://ooapi.example.nl/v5",
        ):
            with pytest.raises(errors.OutsideEndpointError) as refused:
                client.url_for(target)
            assert refused.value.transient is False
            assert "outside the configured OOAPI endpoint https://ooapi.example.nl/v5" in refused.value.message


def test_an_absolute_url_from_a_response_pointing_elsewhere_is_not_fetched(ooapi_peer):
    with local_server(Handler) as (elsewhere, hits), OOAPIClient(endpoint(ooapi_peer.base_url)) as client:
        next_link = f"{elsewhere}/courses?pageNumber=2"  # as a hostile "next" link would say
        with pytest.raises(errors.OutsideEndpointError):
            client.get(next_link)
        inside = client.get(f"{ooapi_peer.base_url}/courses?pageNumber=2")  # a link inside is fine
    assert inside.data["pageNumber"] == 2
    assert hits == []


def test_a_redirect_to_another_host_is_an_error_and_not_followed(ooapi_peer):
    with local_server(Handler) as (elsewhere, hits):
        ooapi_peer.control.faults(redirect_to=f"{elsewhere}/steal")
        with OOAPIClient(endpoint(ooapi_peer.base_url)) as client, pytest.raises(errors.PeerRedirectError) as moved:
            client.get("/courses")
    assert moved.value.message == (
        f"The institution's endpoint redirected to {elsewhere}/steal; redirects are not followed."
    )
    assert moved.value.transient is False
    assert hits == []


def test_a_redirect_of_the_token_endpoint_is_not_followed(ooapi_peer):
    ooapi_peer.control.faults(redirect_to="http://127.0.0.1:9/token", path_prefix="/oauth2")
    settings = endpoint(
        ooapi_peer.base_url,
        auth_method="client_credentials",
        token_url=f"{ooapi_peer.origin}/oauth2/token",
        client_id="portal",
        client_secret="s3cret",
    )
    with OOAPIClient(settings) as client, pytest.raises(errors.TokenError, match="redirects are not followed"):
        client.get("/courses")


# Bounded answers --------------------------------------------------------------------------------------


@pytest.mark.parametrize("chunked", [False, True])
def test_an_oversized_answer_is_aborted(ooapi_peer, chunked):
    ooapi_peer.control.faults(oversize_bytes=5_000_000, oversize_chunked=chunked)
    with OOAPIClient(endpoint(ooapi_peer.base_url, max_response_bytes=100_000)) as client:
        started = time.monotonic()
        with pytest.raises(errors.ResponseTooLargeError) as too_large:
            client.get("/courses")
        assert time.monotonic() - started < 2
        ooapi_peer.control.clear_faults()
        assert client.get("/courses").status_code == 200  # the client is still usable
    assert too_large.value.message == (
        "The institution's system sent an answer larger than the 100,000 bytes allowed for this connection."
    )
    assert too_large.value.transient is False


def test_a_compressed_answer_is_measured_after_decompression():
    bomb = gzip.compress(b"[" + b"0," * 2_000_000 + b"0]")

    class GzipBomb(Handler):
        def answer(self):
            self.send_json(bomb, headers={"Content-Encoding": "gzip"})

    assert len(bomb) < 100_000
    with (
        local_server(GzipBomb) as (url, _hits),
        OOAPIClient(endpoint(url, max_response_bytes=100_000)) as client,
        pytest.raises(errors.ResponseTooLargeError),
    ):
        client.get("/")


def test_a_peer_that_drips_its_answer_hits_the_total_deadline():
    class Drip(Handler):
        def answer(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "100")
            self.end_headers()
            for _ in range(100):
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(0.1)

    with local_server(Drip) as (url, _hits):
        with (
            OOAPIClient(endpoint(url, connect_timeout=0.2, read_timeout=0.3)) as client,
            pytest.raises(errors.PeerTimeoutError) as slow,
        ):
            started = time.monotonic()
            client.get("/")
        assert time.monotonic() - started < 2.5
    assert slow.value.transient is True
    assert "took longer than 1 seconds" in slow.value.message


# TLS --------------------------------------------------------------------------------------------------


def test_a_self_signed_certificate_is_refused_with_a_clear_tls_error(self_signed):
    cert_path, key_path = self_signed
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert_path, key_path)
    with local_server(Handler, tls=server_tls) as (url, hits):
        with OOAPIClient(endpoint(url)) as client, pytest.raises(errors.PeerTLSError) as refused:
            client.get("/courses")
        assert hits == []
        # The same server is fine for a client that trusts this certificate: the refusal was about trust.
        trusting = ssl.create_default_context(cafile=cert_path)
        with OOAPIClient(endpoint(url), verify=trusting) as client:
            assert client.get("/courses").data == {"ok": True}
    assert refused.value.transient is False
    assert refused.value.message.startswith(
        f"The secure connection to {url} failed: the certificate could not be verified"
    )
    assert "self-signed certificate" in refused.value.message
    assert isinstance(refused.value, ApplicationError)


def test_plain_http_to_a_tls_server_and_tls_to_a_plain_server_fail_cleanly(ooapi_peer):
    https_to_plain = ooapi_peer.base_url.replace("http://", "https://")
    with OOAPIClient(endpoint(https_to_plain)) as client, pytest.raises(errors.PeerTLSError) as failed:
        client.get("/")
    assert failed.value.transient is False


# Failures, typed --------------------------------------------------------------------------------------


def test_a_hanging_peer_times_out_as_a_transient_error(ooapi_peer):
    ooapi_peer.control.faults(hang_next=1, hang_seconds=10)
    with OOAPIClient(endpoint(ooapi_peer.base_url, read_timeout=0.3)) as client:
        started = time.monotonic()
        with pytest.raises(errors.PeerTimeoutError) as hung:
            client.get("/courses")
        assert time.monotonic() - started < 2
    assert hung.value.transient is True
    assert hung.value.message == (f"The institution's system at {ooapi_peer.origin} did not answer within 0.3 seconds.")


def test_a_peer_that_is_down_is_unreachable_and_then_back(ooapi_peer):
    with OOAPIClient(endpoint(ooapi_peer.base_url)) as client:
        with ooapi_peer.down(), pytest.raises(errors.PeerUnreachableError) as down:
            client.get("/")
        assert client.get("/").status_code == 200
    assert down.value.transient is True
    assert down.value.message.startswith(f"Could not connect to the institution's system at {ooapi_peer.origin}")


def test_http_errors_are_typed_with_the_peers_own_words(ooapi_peer):
    ooapi_peer.control.faults(error_next=1)
    with OOAPIClient(endpoint(ooapi_peer.base_url)) as client:
        with pytest.raises(errors.PeerServerError) as server_error:
            client.get("/courses")
        with pytest.raises(errors.PeerNotFoundError) as not_found:
            client.get(f"/courses/{uuid.uuid4()}")
        with pytest.raises(errors.PeerClientError) as bad_request:
            client.get("/courses", params={"pageSize": 7})
        ooapi_peer.control.faults(error_next=1, error_status=429)
        with pytest.raises(errors.PeerServerError) as busy:
            client.get("/courses")
        kept = client.get("/courses", raise_for_status=False, params={"pageSize": 7})
    assert server_error.value.transient is True and server_error.value.status == 500
    assert (
        "HTTP 500" in server_error.value.message
        and "Internal server error (injected fault)" in server_error.value.message
    )
    assert not_found.value.transient is False and not_found.value.status == 404
    assert bad_request.value.transient is False and "pageSize must be one of" in bad_request.value.detail
    assert busy.value.transient is True
    assert kept.status_code == 400


def test_malformed_json_is_a_transient_error(ooapi_peer):
    ooapi_peer.control.faults(malformed_next=1)
    with OOAPIClient(endpoint(ooapi_peer.base_url)) as client, pytest.raises(errors.InvalidJSONError) as garbage:
        client.get("/courses")
    assert garbage.value.transient is True
    assert garbage.value.message.startswith("The institution's system sent an answer that is not valid JSON (")


def test_a_dropped_connection_is_a_transient_error_and_a_retry_is_safe(ooapi_peer, catalogue):
    ooapi_peer.control.faults(drop_next=1, phase="after", method="POST")
    body = {"remoteState": "pending", "offering": {"offeringId": catalogue.make_id("off", 3)}}
    key = uuid.uuid4()
    with OOAPIClient(endpoint(ooapi_peer.base_url)) as client:
        with pytest.raises(errors.PeerConnectionDroppedError) as dropped:
            client.post("/associations/external/me", json=body, idempotency_key=key)
        assert dropped.value.transient is True
        retried = client.post("/associations/external/me", json=body, idempotency_key=key)
    assert retried.status_code == 201
    assert ooapi_peer.control.association_count() == 1


def test_a_garbage_answer_to_a_post_can_be_retried_safely(ooapi_peer, catalogue):
    ooapi_peer.control.faults(malformed_next=1, phase="after", method="POST")
    body = {"remoteState": "pending", "offering": {"offeringId": catalogue.make_id("off", 4)}}
    key = uuid.uuid4()
    with OOAPIClient(endpoint(ooapi_peer.base_url)) as client:
        with pytest.raises(errors.InvalidJSONError):
            client.post("/associations/external/me", json=body, idempotency_key=key)
        client.post("/associations/external/me", json=body, idempotency_key=key)
    assert ooapi_peer.control.association_count() == 1


def test_every_error_is_an_application_error_with_a_message():
    for name in dir(errors):
        value = getattr(errors, name)
        if isinstance(value, type) and issubclass(value, Exception) and value.__module__ == errors.__name__:
            assert issubclass(value, ApplicationError), name
            assert isinstance(value.transient, bool), name
