"""Issue #5: the request-size cap holds before the body is read, on Django's own server too (runserver, the
test server), where a chunked body cannot be measured and is refused (411). gunicorn, as ``make run`` and
production serve the portal, is covered in tests/ops/test_make_run_connections.py."""

import socket
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def _exchange(live_server, request: bytes) -> bytes:
    address = urlsplit(live_server.url)
    with socket.create_connection((address.hostname, address.port), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith((b"}", b".")):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
        return answer


def test_an_announced_60_mb_upload_is_refused_while_the_body_is_held_back(live_server):
    answer = _exchange(
        live_server,
        b"POST /enrolment/offerings/1/enrol/ HTTP/1.1\r\nHost: localhost\r\nAccept-Language: en\r\n"
        b"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 62914560\r\n\r\n--x\r\n",
    )

    assert answer.startswith(b"HTTP/1.1 413"), answer[:300]
    assert b"The request is too large: at most 10 MB may be sent at once." in answer


def test_a_chunked_body_is_refused_where_it_cannot_be_measured(live_server):
    answer = _exchange(
        live_server,
        b"POST /api/enrolments/ HTTP/1.1\r\nHost: localhost\r\nAccept-Language: en\r\n"
        b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n",
    )

    assert answer.startswith(b"HTTP/1.1 411"), answer[:300]
    assert b'"code": "length_required"' in answer


def test_a_body_within_the_limit_passes(client, settings):
    settings.PORTAL_MAX_REQUEST_BYTES = 100

    small = client.post("/api/enrolments/", "x" * 100, content_type="application/json")
    large = client.post("/api/enrolments/", "x" * 101, content_type="application/json")

    assert small.status_code == 403  # past the cap; anonymous, so not allowed
    assert large.status_code == 413
    assert large.json()["code"] == "request_too_large"
