"""The reference peer's HTTP server: stdlib ``ThreadingHTTPServer``, HTTP/1.1 keep-alive, no Django.

``serve()`` runs it in the foreground (``python -m tools.ooapi_peer`` and ``manage.py run_ooapi_peer``);
``PeerServer`` runs it in a thread of the current process. See ``tools.ooapi_peer`` for the API it serves.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
import logging
import math
import os
import signal
import socket
import sys
import threading
import time
import uuid
from dataclasses import asdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tools.ooapi_peer.catalogue import Catalogue, text
from tools.ooapi_peer.report import report_to_portal
from tools.ooapi_peer.state import STATES, ControlError, PeerState

logger = logging.getLogger("tools.ooapi_peer")

PAGE_SIZES = (10, 20, 50, 100, 250)
MAX_REQUEST_BYTES = 1024 * 1024
JSON_TYPE = "application/json"
PROBLEM_TYPE = "application/problem+json"
MALFORMED_BODY = b'{"pageSize": 10, "pageNumber": 1, "items": [{"courseId": "c1", "name": [{"language": "en-GB", "val'
STATE_MESSAGES = {
    "associated": ("De inschrijving is goedgekeurd.", "The enrolment was approved."),
    "pending": ("De inschrijving wacht op een beslissing.", "The enrolment is waiting for a decision."),
    "queued": ("De inschrijving staat op de wachtlijst.", "The enrolment is on the waiting list."),
    "denied": ("De inschrijving is afgewezen.", "The enrolment was denied."),
    "canceled": ("De inschrijving is geannuleerd.", "The enrolment was cancelled."),
}
COURSE_SORTS = {"name", "-name", "courseId", "-courseId"}


class HTTPProblem(Exception):
    """Answer with an ``application/problem+json`` document."""

    def __init__(self, status: int, title: str, detail: str = "", headers: dict | None = None):
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.headers = headers or {}


class Dropped(Exception):
    """Close the connection without answering."""


def problem(status: int, title: str, detail: str = "") -> dict:
    doc = {"status": str(status), "title": title}
    if detail:
        doc["detail"] = detail
    return doc


def _date(value: str | None, name: str) -> dt.date | None:
    if value is None or value == "":
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise HTTPProblem(400, "Bad request", f"{name} must be a date (YYYY-MM-DD), not {value!r}") from None


class PeerApp:
    """Routing and documents. Independent of the socket layer so every handler thread shares one."""

    def __init__(self, *, catalogue: Catalogue, state: PeerState, base_path: str = ""):
        self.catalogue = catalogue
        self.state = state
        self.base_path = base_path.rstrip("/")

    # Paging ------------------------------------------------------------------------------------------

    @staticmethod
    def paging(query: dict[str, str]) -> tuple[int, int]:
        try:
            size = int(query.get("pageSize", "10"))
            number = int(query.get("pageNumber", "1"))
        except ValueError:
            raise HTTPProblem(400, "Bad request", "pageSize and pageNumber must be integers") from None
        if size not in PAGE_SIZES:
            raise HTTPProblem(400, "Bad request", f"pageSize must be one of {', '.join(map(str, PAGE_SIZES))}")
        if number < 1:
            raise HTTPProblem(400, "Bad request", "pageNumber must be 1 or more")
        return size, number

    @staticmethod
    def page(items: list, total: int, size: int, number: int) -> dict:
        pages = math.ceil(total / size)
        return {
            "pageSize": size,
            "pageNumber": number,
            "hasPreviousPage": number > 1,
            "hasNextPage": number < pages,
            "totalPages": pages,
            "items": items,
        }

    def list_page(self, query: dict, total: int, build) -> dict:
        """A page of a list of ``total`` items, ``build(start, stop)`` making the items of a slice."""
        size, number = self.paging(query)
        start = min((number - 1) * size, total)
        stop = min(start + size, total)
        return self.page(build(start, stop), total, size, number)

    # Routing -----------------------------------------------------------------------------------------

    def route(self, method: str, path: str, query: dict[str, str], headers, body: bytes) -> tuple[int, Any, str]:
        """``(status, document, content type)`` for an OOAPI request (path without the base path)."""
        parts = [unquote(p) for p in path.strip("/").split("/")] if path.strip("/") else []
        c = self.catalogue
        if method == "GET":
            if not parts:
                return 200, self.service(), JSON_TYPE
            head, rest = parts[0], parts[1:]
            if head == "organizations":
                if not rest:
                    return 200, self.organizations(query), JSON_TYPE
                index = self.lookup("org", rest[0], c.organization_count(), "organization")
                if len(rest) == 1:
                    return 200, c.organization(index), JSON_TYPE
                if rest[1:] == ["offerings"]:
                    faculty = None if index == 0 else index
                    # Course offerings unless component offerings (the lectures' sessions) are asked for.
                    build = c.component_offering if query.get("offeringType") == "component" else None
                    return 200, self.offering_list(query, faculty=faculty, periods=None, build=build), JSON_TYPE
            elif head == "academic-sessions":
                if not rest:
                    return 200, self.academic_sessions(query), JSON_TYPE
                index = self.lookup("ses", rest[0], len(c.sessions), "academic session")
                session = c.session(index)
                if len(rest) == 1:
                    return 200, session.document(c), JSON_TYPE
                if rest[1:] == ["offerings"]:
                    if session.kind == "academic year":
                        periods = list(range(session.year_index * 4, session.year_index * 4 + 4))
                    else:
                        periods = [session.index - 3]
                    return 200, self.offering_list(query, faculty=None, periods=periods), JSON_TYPE
            elif head == "programs":
                if not rest:
                    return 200, self.programs(query), JSON_TYPE
                index = self.lookup("prg", rest[0], c.program_count, "program")
                if len(rest) == 1:
                    return 200, c.program(index), JSON_TYPE
            elif head == "courses":
                if not rest:
                    return 200, self.courses(query), JSON_TYPE
                index = self.lookup("crs", rest[0], c.course_count, "course")
                if len(rest) == 1:
                    return 200, c.course(index), JSON_TYPE
                if rest[1:] == ["offerings"]:
                    return 200, self.course_offerings(index, query), JSON_TYPE
            elif head == "offerings" and len(rest) == 1:
                index = self.lookup("off", rest[0], c.offering_count, "offering")
                return 200, self.offering(index), JSON_TYPE
            elif head == "persons" and rest == ["me"]:
                return 200, c.person(c.person_index_for_token(bearer_token(headers))), JSON_TYPE
            elif head == "associations" and len(rest) == 1 and rest[0] != "external":
                return 200, self.association_document(self.association(rest[0])), JSON_TYPE
        elif method == "POST" and parts == ["associations", "external", "me"]:
            return self.create_association(headers, body)
        elif method == "PATCH" and len(parts) == 2 and parts[0] == "associations":
            return self.patch_association(parts[1], headers, body)
        if self.known_path(parts):
            raise HTTPProblem(405, "Method not allowed", f"{method} is not supported on /{'/'.join(parts)}")
        raise HTTPProblem(404, "Not found", f"/{'/'.join(parts)} is not an endpoint of this service")

    @staticmethod
    def known_path(parts: list[str]) -> bool:
        return bool(parts) and parts[0] in {
            "organizations",
            "academic-sessions",
            "programs",
            "courses",
            "offerings",
            "persons",
            "associations",
        }

    def lookup(self, kind: str, value: str, count: int, label: str) -> int:
        index = self.catalogue.parse_id(kind, value)
        if index is None or index >= count:
            raise HTTPProblem(404, "Not found", f"no {label} with id {value}")
        return index

    # Documents ---------------------------------------------------------------------------------------

    def service(self) -> dict:
        return {
            "contactEmail": "ooapi@reference-university.example",
            "specification": "https://open-education-api.github.io/specification/v5/docs.html",
            "documentation": "https://www.reference-university.example/ooapi",
            "consumers": [{"consumerKey": "eduxchange"}],
        }

    def organizations(self, query: dict) -> dict:
        c = self.catalogue
        docs = [c.organization(i) for i in range(c.organization_count())]
        if query.get("organizationType"):
            docs = [d for d in docs if d["organizationType"] == query["organizationType"]]
        docs = self.filter_code(docs, query)
        docs.sort(key=lambda d: d["name"][1]["value"])
        return self.list_page(query, len(docs), lambda a, b: docs[a:b])

    def academic_sessions(self, query: dict) -> dict:
        c = self.catalogue
        sessions = list(c.sessions)
        if query.get("academicSessionType"):
            sessions = [s for s in sessions if s.kind == query["academicSessionType"]]
        for key in ("parent", "year"):
            if query.get(key):
                year = c.parse_id("ses", query[key])
                sessions = [s for s in sessions if s.kind == "period" and s.year_index == year]
        docs = self.filter_code([s.document(c) for s in sorted(sessions, key=lambda s: (s.start, -s.index))], query)
        return self.list_page(query, len(docs), lambda a, b: docs[a:b])

    def programs(self, query: dict) -> dict:
        c = self.catalogue
        docs = self.filter_code([c.program(i) for i in range(c.program_count)], query)
        docs.sort(key=lambda d: d["name"][1]["value"])
        return self.list_page(query, len(docs), lambda a, b: docs[a:b])

    @staticmethod
    def filter_code(docs: list[dict], query: dict) -> list[dict]:
        code = query.get("primaryCode")
        return [d for d in docs if d["primaryCode"]["code"] == code] if code else docs

    def courses(self, query: dict) -> dict:
        c = self.catalogue
        code = query.get("primaryCode")
        if code:
            index = int(code[2:]) if code.startswith("RU") and code[2:].isdigit() else -1
            matches = [index] if 0 <= index < c.course_count and c.course_code(index) == code else []
            return self.list_page(query, len(matches), lambda a, b: [c.course(i) for i in matches[a:b]])
        sort = [s for s in query.get("sort", "name").split(",") if s] or ["name"]
        if any(s not in COURSE_SORTS for s in sort):
            raise HTTPProblem(400, "Bad request", f"sort must be one of {', '.join(sorted(COURSE_SORTS))}")
        key = sort[0]
        total = c.course_count
        # Ids encode the index, so id order is index order.
        order = c.courses_by_name if key.lstrip("-") == "name" else range(total)

        def build(start: int, stop: int) -> list[dict]:
            if key.startswith("-"):
                return [c.course(order[total - 1 - i]) for i in range(start, stop)]
            return [c.course(order[i]) for i in range(start, stop)]

        return self.list_page(query, total, build)

    def since_until(self, query: dict) -> tuple[dt.date | None, dt.date | None]:
        # The spec: "By default only future offerings are shown (equal to ?since=<today>)".
        since = _date(query.get("since", dt.date.today().isoformat()), "since")
        until = _date(query.get("until"), "until")
        return since, until

    def offering(self, index: int) -> dict:
        offering_id = self.catalogue.make_id("off", index)
        enrolled, pending = self.state.offering_load(offering_id)
        return self.catalogue.offering(index, enrolled=enrolled, pending=pending)

    def course_offerings(self, course: int, query: dict) -> dict:
        c = self.catalogue
        since, until = self.since_until(query)
        indexes = []
        for index in c.course_offering_indexes(course):
            period = c.periods[c.period_of_offering(index)]
            if (since is None or period.start >= since) and (until is None or period.end <= until):
                indexes.append((c.period_of_offering(index), index))
        indexes.sort(reverse=query.get("sort", "").startswith("-startDate"))
        return self.list_page(query, len(indexes), lambda a, b: [self.offering(i) for _, i in indexes[a:b]])

    def offering_list(self, query: dict, *, faculty: int | None, periods: list[int] | None, build=None) -> dict:
        """All offerings of a faculty (None: the whole institution) or of some periods, chronologically;
        ``build`` makes the document of an offering index (default: the course offering)."""
        c = self.catalogue
        document = build or self.offering
        since, until = self.since_until(query)
        candidates = range(len(c.periods)) if periods is None else periods
        chosen = [
            p
            for p in candidates
            if (since is None or c.periods[p].start >= since) and (until is None or c.periods[p].end <= until)
        ]
        runs = c.offering_indexes(faculty=faculty, periods=chosen)
        total = sum(len(run) for run in runs)

        def page_items(start: int, stop: int) -> list[dict]:
            items, offset = [], 0
            for run in runs:
                if offset + len(run) > start and offset < stop:
                    for index in run[max(0, start - offset) : stop - offset]:
                        items.append(document(index))
                offset += len(run)
                if offset >= stop:
                    break
            return items

        return self.list_page(query, total, page_items)

    # Associations ------------------------------------------------------------------------------------

    def association(self, association_id: str) -> dict:
        association = self.state.associations.get(association_id)
        if association is None:
            raise HTTPProblem(404, "Not found", f"no association with id {association_id}")
        return association

    @staticmethod
    def association_document(association: dict) -> dict:
        # remoteState is write-only in the spec: it is never part of an answer.
        doc = {
            "associationId": association["associationId"],
            "associationType": association["associationType"],
            "role": association["role"],
            "state": association["state"],
            "person": association["personId"],
        }
        if _is_uuid(association.get("offeringId")):
            doc["offering"] = association["offeringId"]
        if association.get("result"):
            doc["result"] = association["result"]
        return doc

    @staticmethod
    def post_response(association: dict) -> dict:
        nl, en = STATE_MESSAGES[association["state"]]
        return {"associationId": association["associationId"], "state": association["state"], "message": text(nl, en)}

    def create_association(self, headers, body: bytes) -> tuple[int, Any, str]:
        if (headers.get("Content-Type") or "").split(";")[0].strip().lower() != JSON_TYPE:
            raise HTTPProblem(400, "Bad request", "the association must be sent as application/json")
        payload = _json_body(body)
        remote_state = payload.get("remoteState")
        if remote_state not in STATES:
            raise HTTPProblem(400, "Bad request", f"remoteState must be one of {', '.join(STATES)}")
        offering = payload.get("offering")
        if isinstance(offering, str) and offering:
            offering_id, offering_code = offering, ""
        elif isinstance(offering, dict):
            offering_id = str(offering.get("offeringId") or "")
            code = offering.get("primaryCode")
            offering_code = str(code.get("code") or "") if isinstance(code, dict) else ""
            if not (offering_id or offering_code):
                raise HTTPProblem(400, "Bad request", "the offering needs an offeringId or a primaryCode")
        else:
            raise HTTPProblem(400, "Bad request", "offering is required (an offeringId or an offering object)")
        person = self.catalogue.person(self.catalogue.person_index_for_token(bearer_token(headers)))
        key = (headers.get("Idempotency-Key") or "").strip()[:200]
        try:
            association, created = self.state.create_association(
                body=payload,
                offering_id=offering_id,
                offering_code=offering_code,
                person_id=person["personId"],
                idempotency_key=key,
            )
        except ControlError as error:
            raise HTTPProblem(400, "Bad request", str(error)) from None
        return 201, self.post_response(association), JSON_TYPE

    def patch_association(self, association_id: str, headers, body: bytes) -> tuple[int, Any, str]:
        content_type = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if content_type != "application/merge-patch+json":
            raise HTTPProblem(400, "Bad request", "PATCH takes application/merge-patch+json")
        patch = _json_body(body)
        if "remoteState" in patch and patch["remoteState"] not in STATES:
            raise HTTPProblem(400, "Bad request", f"remoteState must be one of {', '.join(STATES)}")
        if "result" in patch and not isinstance(patch["result"], dict | None):
            raise HTTPProblem(400, "Bad request", "result must be an object")
        allowed = {k: v for k, v in patch.items() if k in ("remoteState", "result")}
        association = self.state.patch_association(association_id, allowed)
        if association is None:
            raise HTTPProblem(404, "Not found", f"no association with id {association_id}")
        return 200, self.post_response(association), JSON_TYPE

    # Control API -------------------------------------------------------------------------------------

    def control(self, method: str, path: str, query: dict, body: bytes, port: int) -> tuple[int, Any]:
        state = self.state
        parts = path.strip("/").split("/")[1:]  # after "_peer"
        try:
            if parts == ["health"] and method == "GET":
                return 200, {
                    "ok": True,
                    "pid": os.getpid(),
                    "port": port,
                    "offerings": self.catalogue.offering_count,
                    "courses": self.catalogue.course_count,
                    "seed": self.catalogue.seed,
                }
            if parts == ["state"] and method == "GET":
                with state.lock:
                    return 200, {
                        "settings": state.describe_settings(),
                        "faults": asdict(state.faults),
                        "associations": state.counts(),
                        "requests": state.request_count,
                        "tokens_issued": state.tokens_issued,
                    }
            if parts in (["settings"], ["decision"]) and method in ("POST", "PUT", "PATCH"):
                return 200, state.configure(_json_body(body))
            if parts == ["faults"]:
                if method == "GET":
                    return 200, asdict(state.faults)
                if method in ("POST", "PATCH"):
                    return 200, state.set_faults(_json_body(body), replace=False)
                if method == "PUT":
                    return 200, state.set_faults(_json_body(body), replace=True)
                if method == "DELETE":
                    return 200, state.set_faults({}, replace=True)
            if parts == ["reset"] and method == "POST":
                state.reset()
                return 200, {"ok": True}
            if parts == ["auth", "revoke"] and method == "POST":
                return 200, {"revoked": state.revoke_tokens()}
            if parts == ["requests"] and method == "GET":
                prefix = query.get("path_prefix", "")
                with state.lock:
                    items = [r for r in state.requests if r["path"].startswith(prefix)]
                    return 200, {"count": len(items), "total": state.request_count, "items": items}
            if parts[:1] == ["associations"]:
                return self.control_associations(method, parts[1:], query, body)
            if parts == ["report"] and method == "POST":
                return 200, report_to_portal(_json_body(body))
        except ControlError as error:
            return 400, {"error": str(error)}
        return 404, {"error": f"no control endpoint {method} /_peer/{'/'.join(parts)}"}

    def control_associations(self, method: str, parts: list[str], query: dict, body: bytes) -> tuple[int, Any]:
        state = self.state
        if not parts and method == "GET":
            with state.lock:
                items = list(state.associations.values())
                if query.get("offering"):
                    items = [a for a in items if query["offering"] in (a["offeringId"], a["offeringCode"])]
                if query.get("state"):
                    items = [a for a in items if a["state"] == query["state"]]
                return 200, {**state.counts(items), "items": json.loads(json.dumps(items))}
        if parts == ["decide-pending"] and method == "POST":
            return 200, {"decided": state.decide_pending(_json_body(body).get("state", "associated"))}
        if len(parts) == 1 and method == "GET":
            association = state.associations.get(parts[0])
            return (200, association) if association else (404, {"error": "no such association"})
        if len(parts) == 2 and parts[1] == "decide" and method == "POST":
            association = state.decide(parts[0], _json_body(body).get("state", "associated"))
            return (200, association) if association else (404, {"error": "no such association"})
        return 404, {"error": "no such control endpoint"}

    # Token endpoint ----------------------------------------------------------------------------------

    def token(self, headers, body: bytes) -> tuple[int, dict]:
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        if form.get("grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type"}
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        authorization = headers.get("Authorization") or ""
        if authorization.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(authorization[6:].strip()).decode()
                client_id, _, secret = decoded.partition(":")
                client_id, secret = unquote(client_id), unquote(secret)
            except (ValueError, UnicodeDecodeError):
                return 401, {"error": "invalid_client"}
        issued = self.state.issue_token(client_id, secret)
        if issued is None:
            return 401, {"error": "invalid_client"}
        token, lifetime = issued
        return 200, {"access_token": token, "token_type": "Bearer", "expires_in": lifetime}


def _is_uuid(value: Any) -> bool:
    if not isinstance(value, str) or len(value) != 36:
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _json_body(body: bytes) -> dict:
    if not body:
        return {}
    try:
        value = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise HTTPProblem(400, "Bad request", "the request body is not valid JSON") from None
    if not isinstance(value, dict):
        raise HTTPProblem(400, "Bad request", "the request body must be a JSON object")
    return value


def bearer_token(headers) -> str:
    authorization = headers.get("Authorization") or ""
    if authorization[:7].lower() == "bearer ":
        return authorization[7:].strip()
    return ""


def break_document(doc: Any) -> Any:
    """The same document with typical spec violations: a required field missing, wrong types, a date that
    is not a date, a value outside its pattern."""
    if not isinstance(doc, dict):
        return doc
    doc = dict(doc)
    if "contactEmail" in doc:  # the service root
        doc.pop("specification", None)
        doc["contactEmail"] = 42
        return doc
    doc.pop("name", None)
    doc.pop("givenName", None)
    if "teachingLanguage" in doc:
        doc["teachingLanguage"] = "English"
    if "startDate" in doc:
        doc["startDate"] = ""
    if "maxNumberStudents" in doc:
        doc["maxNumberStudents"] = "many"
    if "studyLoad" in doc:
        doc["studyLoad"] = {"studyLoadUnit": "credits", "value": "five"}
    if "mail" in doc:
        doc["mail"] = 42
    return doc


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


class PeerHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "OOAPIReferencePeer/1.0"
    sys_version = ""
    timeout = 120  # an idle keep-alive connection is closed after this long
    server: PeerHTTPServer

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - stdlib signature
        if self.server.verbose:
            super().log_message(format, *args)

    def do_GET(self) -> None:
        self.dispatch("GET")

    def do_POST(self) -> None:
        self.dispatch("POST")

    def do_PATCH(self) -> None:
        self.dispatch("PATCH")

    def do_PUT(self) -> None:
        self.dispatch("PUT")

    def do_DELETE(self) -> None:
        self.dispatch("DELETE")

    # -------------------------------------------------------------------------------------------------

    def read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            self.close_connection = True
            raise HTTPProblem(400, "Bad request", "chunked request bodies are not supported")
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_REQUEST_BYTES:
            self.close_connection = True
            raise HTTPProblem(413, "Payload too large", f"request bodies are limited to {MAX_REQUEST_BYTES} bytes")
        return self.rfile.read(length) if length else b""

    def dispatch(self, method: str) -> None:
        app: PeerApp = self.server.app
        split = urlsplit(self.path)
        path = split.path
        query = {k: v[0] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        status = 0
        try:
            body = self.read_body()
            if path == "/_peer" or path.startswith("/_peer/"):
                status, doc = app.control(method, path, query, body, self.server.server_address[1])
                self.send_document(status, doc, JSON_TYPE)
                return
            status = self.serve_ooapi(app, method, path, query, body)
        except HTTPProblem as error:
            status = error.status
            self.send_document(status, problem(status, error.title, error.detail), PROBLEM_TYPE, error.headers)
        except Dropped:
            status = -1
            self.drop()
        except (BrokenPipeError, ConnectionResetError):
            status = -1
            self.close_connection = True
        except Exception:  # a bug in the peer: answer 500 like a real service, and say so in the log
            logger.exception("peer error on %s %s", method, self.path)
            status = 500
            self.send_document(500, problem(500, "Internal server error", "unexpected error in the peer"), PROBLEM_TYPE)
        finally:
            if not (path == "/_peer" or path.startswith("/_peer/")):
                app.state.log_request(
                    {
                        "method": method,
                        "path": path,
                        "query": query,
                        "status": status,
                        "idempotencyKey": self.headers.get("Idempotency-Key"),
                        "authorization": self.headers.get("Authorization"),
                        "accept": self.headers.get("Accept"),
                        "contentType": self.headers.get("Content-Type"),
                        "userAgent": self.headers.get("User-Agent"),
                        "at": time.time(),
                    }
                )

    def serve_ooapi(self, app: PeerApp, method: str, path: str, query: dict, body: bytes) -> int:
        state = app.state
        is_token = path == "/oauth2/token"
        faults = state.faults
        # Faults aimed at "everything" leave the token endpoint alone; aim at /oauth2 to break it.
        applies = faults.matches(method, path) and (not is_token or faults.path_prefix.startswith("/oauth2"))
        fault = state.take_fault(method, path)[0] if applies else None
        if applies and faults.latency_ms:
            time.sleep(faults.latency_ms / 1000)
        if applies and faults.redirect_to:
            self.send_document(302, {"moved": faults.redirect_to}, JSON_TYPE, {"Location": faults.redirect_to})
            return 302
        if fault and (faults.phase == "before" or method == "GET"):
            return self.misbehave(fault, faults)
        if is_token:
            if method != "POST":
                raise HTTPProblem(405, "Method not allowed", "the token endpoint takes POST")
            status, doc = app.token(self.headers, body)
            self.send_document(status, doc, JSON_TYPE)
            return status
        if app.base_path:
            if path != app.base_path and not path.startswith(app.base_path + "/"):
                raise HTTPProblem(404, "Not found", f"this service lives under {app.base_path}/")
            path = path[len(app.base_path) :] or "/"
        if state.settings.auth.required and not state.token_valid(bearer_token(self.headers)):
            raise HTTPProblem(
                401, "Unauthorized", "a valid bearer token is required", {"WWW-Authenticate": 'Bearer realm="ooapi"'}
            )
        status, doc, content_type = app.route(method, path, query, self.headers, body)
        if fault:  # phase "after": the request was processed, but the answer goes wrong
            return self.misbehave(fault, faults)
        if applies and faults.broken and method == "GET" and not path.startswith("/associations"):
            doc = self.broken(doc, faults.broken_every)
        if applies and faults.oversize_bytes:
            self.send_oversized(status, doc, faults.oversize_bytes, chunked=faults.oversize_chunked)
            return status
        self.send_document(status, doc, content_type)
        return status

    @staticmethod
    def broken(doc: Any, every: int) -> Any:
        if isinstance(doc, dict) and isinstance(doc.get("items"), list) and "pageNumber" in doc:
            start = (doc["pageNumber"] - 1) * doc["pageSize"]
            items = [break_document(item) if (start + n) % every == 0 else item for n, item in enumerate(doc["items"])]
            return {**doc, "items": items}
        return break_document(doc)

    def misbehave(self, fault: str, faults) -> int:
        if fault == "error":
            status = faults.error_status
            self.send_document(status, problem(status, "Internal server error", "injected fault"), PROBLEM_TYPE)
            return status
        if fault == "malformed":
            self.send_raw(200, MALFORMED_BODY, JSON_TYPE)
            return 200
        if fault == "hang":
            # Hold the request without answering, until released (reset, faults cleared, shutdown) or timed out.
            self.server.app.state.release.wait(faults.hang_seconds)
        raise Dropped

    def drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def send_document(self, status: int, doc: Any, content_type: str, headers: dict | None = None) -> None:
        self.send_raw(status, _dumps(doc), content_type, headers)

    def send_raw(self, status: int, body: bytes, content_type: str, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def send_oversized(self, status: int, doc: Any, size: int, *, chunked: bool) -> None:
        """The document with an ``ext`` padding of ``size`` bytes, written in 64 KiB pieces."""
        marker = "@@PADDING@@"
        padded = {**doc, "ext": {"padding": marker}} if isinstance(doc, dict) else {"ext": {"padding": marker}}
        head, tail = _dumps(padded).split(marker.encode(), 1)
        piece = b"x" * 65536
        self.send_response(status)
        self.send_header("Content-Type", JSON_TYPE)
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(len(head) + size + len(tail)))
        self.end_headers()

        def write(data: bytes) -> None:
            if chunked:
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            else:
                self.wfile.write(data)

        write(head)
        remaining = size
        while remaining > 0:
            chunk = piece[: min(remaining, len(piece))]
            write(chunk)
            remaining -= len(chunk)
        write(tail)
        if chunked:
            self.wfile.write(b"0\r\n\r\n")


class PeerHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], app: PeerApp, *, verbose: bool = False):
        self.app = app
        self.verbose = verbose
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, PeerHandler)

    def track(self, connection: socket.socket, open_: bool) -> None:
        with self._connections_lock:
            (self._connections.add if open_ else self._connections.discard)(connection)

    def close_connections(self) -> None:
        """Cut every open connection (keep-alive ones too): used when the peer stops."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


def build_server(
    *,
    host: str = "127.0.0.1",
    port: int = 8100,
    offerings: int = 200,
    seed: int = 1,
    offerings_per_course: int = 4,
    today: dt.date | None = None,
    base_path: str = "",
    state_file: Path | None = None,
    verbose: bool = False,
) -> PeerHTTPServer:
    catalogue = Catalogue(offerings=offerings, seed=seed, offerings_per_course=offerings_per_course, today=today)
    state = PeerState(seed=seed, state_file=state_file)
    return PeerHTTPServer((host, port), PeerApp(catalogue=catalogue, state=state, base_path=base_path), verbose=verbose)


def serve(*, stdout=None, exit_with_parent: bool = False, **options) -> None:
    """Run the peer in the foreground until SIGTERM or Ctrl-C. Prints one line when it listens (with the
    real port, useful with ``port=0``). ``exit_with_parent``: also stop when the process that started it
    dies (a test run that crashed must not leave peers behind)."""
    server = build_server(**options)
    if exit_with_parent:
        _watch_parent()
    host, port = server.server_address[:2]
    line = f"OOAPI reference peer listening on http://{host}:{port}{server.app.base_path}"
    line += f" ({server.app.catalogue.offering_count} offerings, seed {server.app.catalogue.seed}, pid {os.getpid()})"
    stdout = stdout or sys.stdout
    stdout.write(line + "\n")
    stdout.flush()

    def stop(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.app.state.close()
        server.close_connections()
        server.server_close()


def _watch_parent() -> None:
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


class PeerServer:
    """The peer in a background thread of this process (for scripts and benchmarks)::

    with PeerServer(port=0, offerings=1000) as peer:
        httpx.get(peer.base_url + "/courses")
    """

    def __init__(self, **options):
        self.server = build_server(**options)
        self.thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{self.server.app.base_path}"

    def start(self) -> PeerServer:
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.app.state.close()
        self.server.close_connections()
        self.server.server_close()
        if self.thread is not None:
            self.thread.join(timeout=5)

    def __enter__(self) -> PeerServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
