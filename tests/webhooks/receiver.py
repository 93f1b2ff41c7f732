"""A real HTTP receiver for the webhook tests: ``http.server`` on a free local port, in a thread, recording
every request (headers and raw body), answering with a status the test sets. Its signature check is
written here from the scheme in docs/webhooks.md, not with the portal's signing code."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_SECONDS = 300


def verify(*, secret: str, headers: dict, body: bytes, now: float | None = None) -> bool:
    """The receiver's check, as docs/webhooks.md describes it: HMAC-SHA256 with the secret over
    ``<Webhook-Timestamp>.<raw body>``, compared in constant time with the ``v1=`` value of
    ``Webhook-Signature``, and the timestamp within five minutes of now."""
    lowered = {k.lower(): v for k, v in headers.items()}
    timestamp = lowered.get("webhook-timestamp", "")
    given = lowered.get("webhook-signature", "")
    if not timestamp.isdigit():
        return False
    if abs((now or time.time()) - int(timestamp)) > TOLERANCE_SECONDS:
        return False
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    candidates = [part.split("=", 1)[1] for part in given.split() if part.startswith("v1=")]
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes


@dataclass
class Receiver:
    port: int
    status: int = 200
    received: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    thread: threading.Thread | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver.lock:
                    receiver.received.append(Received(self.path, dict(self.headers.items()), body))
                    status = receiver.status
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok" if status < 300 else b"try later")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def copies(self) -> list[Received]:
        with self.lock:
            return list(self.received)


def free_port() -> int:
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
