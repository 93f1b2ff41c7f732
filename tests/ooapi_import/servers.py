"""Tiny local servers on 127.0.0.1 for the import's bad-input tests: a tampering proxy in front of the real
reference peer (to break one chosen page), a bystander that records whether anyone called it, and a TLS
server with a certificate nobody trusts."""

from __future__ import annotations

import contextlib
import json
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx
from cryptography import x509

from tests.tls import self_signed_certificate


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request, client_address) -> None:
        pass  # clients that give up (TLS refused) are expected here


@dataclass
class Answer:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


# tamper(path, query, answer from the peer) -> the answer to send instead (or the same one)
Tamper = Callable[[str, dict[str, str], Answer], Answer]


@contextlib.contextmanager
def serve(handler: type[BaseHTTPRequestHandler], *, tls: ssl.SSLContext | None = None) -> Iterator[str]:
    server = QuietServer(("127.0.0.1", 0), handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def send(self, answer: Answer) -> None:
        self.send_response(answer.status)
        headers = {"Content-Type": "application/json", **answer.headers}
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)


@contextlib.contextmanager
def tampering_proxy(peer_base_url: str, tamper: Tamper) -> Iterator[str]:
    """A proxy to the real peer that lets ``tamper`` rewrite any answer; yields its base URL."""
    upstream = httpx.Client(base_url=peer_base_url, trust_env=False, timeout=10)

    class Proxy(_Handler):
        def do_GET(self) -> None:
            split = urlsplit(self.path)
            query = dict(parse_qsl(split.query, keep_blank_values=True))
            response = upstream.get(split.path, params=query)
            answer = Answer(response.status_code, response.content)
            self.send(tamper(split.path, query, answer))

    try:
        with serve(Proxy) as url:
            yield url
    finally:
        upstream.close()


@contextlib.contextmanager
def bystander() -> Iterator[tuple[str, list[str]]]:
    """A server that must never be called; yields its URL and the paths it was asked for."""
    hits: list[str] = []

    class Bystander(_Handler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send(Answer(200, b'{"pageSize": 10, "pageNumber": 1, "hasNextPage": false, "items": []}'))

    with serve(Bystander) as url:
        yield url, hits


@contextlib.contextmanager
def untrusted_tls_server(workdir: Path) -> Iterator[str]:
    """An HTTPS server on 127.0.0.1 with a self-signed certificate made now."""
    cert_path, key_path = self_signed_certificate(workdir, san=x509.DNSName("localhost"))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)

    class Catalogue(_Handler):
        def do_GET(self) -> None:
            self.send(Answer(200, json.dumps({"items": []}).encode()))

    with serve(Catalogue, tls=context) as url:
        yield url
