"""Every URL pattern × every role × own versus another institution's (or student's) objects.

Each project URL must have an entry in MATRIX; third-party URL groups (the Django admin, allauth,
django-oauth-toolkit) must be listed in THIRD_PARTY with a representative check. A new URL without an
entry makes ``test_every_url_pattern_is_in_the_matrix`` fail.

Outcomes:
- ``OK``: allowed; the view answers without an authorisation refusal (2xx/3xx other than a login
  redirect, or a 400/409 about the input or the request's state);
- ``LOGIN``: anonymous; a page redirects to the login, the API answers 401/403;
- ``DENY``: 403; ``HIDE``: 404 (used where even the existence of someone else's object must not leak).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from accounts.models import StaffRole
from billing.models_settlement import Tariff
from catalogue.models import AdmissionMode
from credentials.models import IssuedCredential, MicrocredentialDefinition, StatusList
from enrolment.models import EnrolmentRequest, Status
from notifications.models import Notification
from ooapi.models import Connection, ImportRun, OutboxMessage, WebhookEndpoint
from results.models import ConversionTable, Recognition, RecognitionPrecedent, Result
from tests.factories import (
    CourseFactory,
    InstitutionFactory,
    OfferingFactory,
    ProgrammeFactory,
    StaffRoleFactory,
    StudentProfileFactory,
    UserFactory,
)

OK, LOGIN, DENY, HIDE = "ok", "login", "deny", "hide"
ROLES = (
    "anonymous",
    "student",
    "home_approver",
    "host_admissions",
    "exam_board",
    "catalogue_manager",
    "coordinator",
    "admin",
)


@dataclass
class World:
    users: dict
    own: dict  # per role: the objects that are "theirs"
    other: dict  # per role: another institution's / student's objects


def _request(student, offering, status=Status.HOME_APPROVED) -> EnrolmentRequest:
    request = EnrolmentRequest.objects.create(
        student=student,
        offering=offering,
        home_institution=student.home_institution,
        host_institution=offering.institution,
        submitted_at=timezone.now(),
    )
    # Set up directly: fixtures, not a move. Past submitted, home has approved it, so the host has it.
    approved = None if status in (Status.DRAFT, Status.SUBMITTED, Status.HOME_DENIED) else timezone.now()
    EnrolmentRequest.objects.filter(pk=request.pk).update(status=status, home_approved_at=approved)
    request.refresh_from_db()
    return request


def _results_objects(student, offering, programme) -> dict:
    """A registered request of ``student`` for a course like ``offering`` that has ended, with its result, a
    credit entry waiting for the home board, and a precedent of ``programme`` (set up directly)."""
    today = timezone.localdate()
    ended = OfferingFactory(
        course=CourseFactory(institution=offering.institution, ec=5),
        institution=offering.institution,
        period=offering.period,
        start_date=today - dt.timedelta(days=70),
        end_date=today - dt.timedelta(days=10),
    )
    request = _request(student, ended, status=Status.REGISTERED)
    result = Result.objects.create(
        request=request, scale="1-10", score="7.0", passed=True, ec=5, assessed_on=ended.end_date
    )
    recognition = Recognition.objects.create(
        request=request, kind="credit", scope="institution", programme=programme, result=result
    )
    precedent = RecognitionPrecedent.objects.create(programme=programme, course=ended.course, counts_as="elective")
    return {
        "registered": request,
        "result": result,
        "recognition": recognition,
        "precedent": precedent,
        "programme": programme,
    }


def _credential_objects(results: dict) -> dict:
    """A definition for the results' course and a credential issued on its result (set up directly; the
    document's content does not matter to who may fetch it)."""
    request = results["registered"]
    definition = MicrocredentialDefinition.objects.create(
        course=request.offering.course,
        awarding_institution=request.host_institution,
        title="Matrix",
        learning_outcomes="Reads a matrix",
        ec=5,
        eqf_level=6,
        assessment_type="Exam",
        participation_form="Onsite",
        quality_assurance="NVAO",
    )
    status_list = StatusList.objects.create(institution=request.host_institution, next_index=1)
    credential = IssuedCredential.objects.create(
        definition=definition,
        result=results["result"],
        holder=request.student,
        document="{}",
        issued_at=timezone.now(),
        status_list=status_list,
        status_index=0,
    )
    return {"definition": definition, "status_list": status_list, "credential": credential}


def build_world() -> World:
    now = timezone.now()
    home_a, host_b, home_c, host_d = (
        InstitutionFactory(code=c) for c in ("mx-home-a", "mx-host-b", "mx-home-c", "mx-host-d")
    )
    window = {"enrol_opens_at": now - dt.timedelta(days=1), "enrol_closes_at": now + dt.timedelta(days=5)}
    offering_b = OfferingFactory(
        course=CourseFactory(institution=host_b), admission_mode=AdmissionMode.SELECTION, **window
    )
    offering_d = OfferingFactory(
        course=CourseFactory(institution=host_d), admission_mode=AdmissionMode.SELECTION, **window
    )
    student = StudentProfileFactory(home_institution=home_a)
    other_student = StudentProfileFactory(home_institution=home_c)
    users = {
        "anonymous": None,
        "student": student.user,
        "home_approver": StaffRoleFactory(institution=home_a, role=StaffRole.Role.HOME_APPROVER).user,
        "host_admissions": StaffRoleFactory(institution=host_b, role=StaffRole.Role.HOST_ADMISSIONS).user,
        "exam_board": StaffRoleFactory(institution=home_a, role=StaffRole.Role.EXAMINATION_BOARD).user,
        "catalogue_manager": StaffRoleFactory(institution=host_b, role=StaffRole.Role.CATALOGUE_MANAGER).user,
        "coordinator": UserFactory(is_zone_coordinator=True),
        "admin": UserFactory(is_staff=True, is_superuser=True),
    }
    request_own = _request(student, offering_b)
    request_other = _request(other_student, offering_d)
    notification = Notification.objects.create(user=student.user, source="matrix", kind="enrolment.submitted")
    links = {}
    for inst in (host_b, host_d):
        connection = Connection.objects.create(institution=inst, base_url="http://127.0.0.1:9/", auth_method="none")
        links[inst.pk] = {
            "connection": connection,
            "run": ImportRun.objects.create(connection=connection),
            "message": OutboxMessage.objects.create(
                connection=connection, kind="test", status=OutboxMessage.Status.DEAD
            ),
        }
        webhook = WebhookEndpoint.objects.create(
            institution=inst, url="http://127.0.0.1:9/hooks", events=["request.submitted"], secret="whsec_matrix"
        )
        links[inst.pk] |= {
            "webhook": webhook,
            "delivery": OutboxMessage.objects.create(
                endpoint=webhook, kind="webhook:request.submitted", status=OutboxMessage.Status.DEAD
            ),
        }
    ConversionTable.objects.create(
        name="matrix", from_scale="0-100", to_scale="1-10", pass_threshold=5.5, rounding_rule="Half up."
    )
    student.programme = ProgrammeFactory(institution=home_a)
    student.save(update_fields=["programme"])
    results_own = _results_objects(student, offering_b, student.programme)
    results_other = _results_objects(other_student, offering_d, ProgrammeFactory(institution=home_c))
    results_own |= _credential_objects(results_own)
    results_other |= _credential_objects(results_other)
    own_objects = {
        **results_own,
        "request": request_own,
        "offering": offering_b,
        "home": home_a,
        "host": host_b,
        "notification": notification,
        **links[host_b.pk],
    }
    other_objects = {
        **results_other,
        "request": request_other,
        "offering": offering_d,
        "home": home_c,
        "host": host_d,
        "notification": notification,
        **links[host_d.pk],
    }
    return World(users=users, own={r: own_objects for r in ROLES}, other={r: other_objects for r in ROLES})


@dataclass(frozen=True)
class Entry:
    method: str
    path: Callable[[dict], str]
    expect: dict  # role -> (own outcome, other outcome); missing roles use "default"
    data: dict | Callable[[dict], dict] | None = None
    api: bool = False
    multipart: bool = False

    def outcome(self, role: str, own: bool) -> str:
        pair = self.expect.get(role, self.expect.get("default"))
        return pair[0] if own else pair[1]


def everyone(outcome=OK):
    return {"default": (outcome, outcome)}


def logged_in(outcome=OK):
    return {"default": (outcome, outcome), "anonymous": (LOGIN, LOGIN)}


def request_readers():
    """Who may see a request: the student, and staff of its home (approver, board) and host (admissions)."""
    return {
        "anonymous": (LOGIN, LOGIN),
        "student": (OK, HIDE),
        "home_approver": (OK, HIDE),
        "exam_board": (OK, HIDE),
        "host_admissions": (OK, HIDE),
        "catalogue_manager": (HIDE, HIDE),
        "coordinator": (HIDE, HIDE),
        "admin": (OK, OK),
    }


def act(only: dict, *, others=DENY, hide_from_outsiders=True):
    """A move on a request: visible-but-not-theirs users get ``others``; outsiders see nothing (404)."""
    expect = request_readers()
    for role, (own, other) in list(expect.items()):
        if role in ("anonymous",):
            continue
        if role in only:
            expect[role] = only[role]
        elif own == OK and role != "admin":
            expect[role] = (others, other)
    expect["admin"] = only.get("admin", (others, others))
    return expect


def board_only(other=OK):
    """A page of the examination board: its members only (the other side: ``other``); anyone else 404."""
    expect = {role: (HIDE, HIDE) for role in ROLES}
    expect["anonymous"] = (LOGIN, LOGIN)
    expect["exam_board"] = (OK, other)
    return expect


def staff_console(side_role_ok: tuple[str, ...], which: str):
    expect = {role: (DENY, DENY) for role in ROLES}
    expect["anonymous"] = (LOGIN, LOGIN)
    for role in side_role_ok:
        expect[role] = (OK, DENY)
    return expect


API = "/api/enrolments/"


def rid(objects) -> str:
    return str(objects["request"].public_id)


MATRIX: dict[str, Entry] = {
    # Public pages and operations
    "home": Entry("GET", lambda o: "/", everyone()),
    "healthz": Entry("GET", lambda o: "/healthz", everyone()),
    "set_language": Entry("POST", lambda o: "/i18n/setlang/", everyone(), data={"language": "en", "next": "/"}),
    "javascript-catalog": Entry("GET", lambda o: "/jsi18n/", everyone()),
    "catalogue:list": Entry("GET", lambda o: "/catalogue/", everyone()),
    "catalogue:offering": Entry("GET", lambda o: f"/catalogue/offerings/{o['offering'].pk}/", everyone()),
    "api-root": Entry("GET", lambda o: "/api/", everyone(), api=True),
    "api-schema": Entry("GET", lambda o: "/api/schema/", everyone(), api=True),
    "api-docs": Entry("GET", lambda o: "/api/docs/", everyone()),
    "api-redoc": Entry("GET", lambda o: "/api/redoc/", everyone()),
    # The API's catch-all: an unknown address under /api/ is a JSON 404 for anyone.
    "api-not-found": Entry("GET", lambda o: "/api/no-such-thing/", everyone(HIDE), api=True),
    "institution-list": Entry("GET", lambda o: "/api/institutions/", everyone(), api=True),
    "institution-detail": Entry("GET", lambda o: f"/api/institutions/{o['host'].code}/", everyone(), api=True),
    "course-list": Entry("GET", lambda o: "/api/courses/", everyone(), api=True),
    "course-detail": Entry("GET", lambda o: f"/api/courses/{o['offering'].course_id}/", everyone(), api=True),
    "offering-list": Entry("GET", lambda o: "/api/offerings/", everyone(), api=True),
    "offering-detail": Entry("GET", lambda o: f"/api/offerings/{o['offering'].pk}/", everyone(), api=True),
    # Accounts
    "account_profile": Entry("GET", lambda o: "/accounts/profile/", logged_in()),
    "accounts_api_me": Entry("GET", lambda o: "/accounts/api/me/", logged_in(), api=True),
    # Enrolment API
    "enrolment-list": Entry("GET", lambda o: API, logged_in(), api=True),
    "enrolment-detail": Entry("GET", lambda o: f"{API}{rid(o)}/", request_readers(), api=True),
    "enrolment-eligibility": Entry(
        "GET",
        lambda o: f"{API}eligibility/?offering={o['offering'].pk}",
        {**{r: (DENY, DENY) for r in ROLES}, "anonymous": (LOGIN, LOGIN), "student": (OK, OK)},
        api=True,
    ),
    "enrolment-bulk": Entry(
        "POST",
        lambda o: f"{API}bulk/",
        # For home staff only; each id is checked again (see the per-id results test).
        {
            **{r: (DENY, DENY) for r in ROLES},
            "anonymous": (LOGIN, LOGIN),
            "home_approver": (OK, OK),
            "exam_board": (OK, OK),
        },
        data={"verb": "approve"},
        api=True,
    ),
    "enrolment-act#approve": Entry(
        "POST", lambda o: f"{API}{rid(o)}/approve/", act({"home_approver": (OK, HIDE)}), api=True
    ),
    "enrolment-act#deny": Entry(
        "POST", lambda o: f"{API}{rid(o)}/deny/", act({"home_approver": (OK, HIDE)}), data={"reason": "other"}, api=True
    ),
    "enrolment-act#admit": Entry(
        "POST", lambda o: f"{API}{rid(o)}/admit/", act({"host_admissions": (OK, HIDE)}), api=True
    ),
    "enrolment-act#waitlist": Entry(
        "POST", lambda o: f"{API}{rid(o)}/waitlist/", act({"host_admissions": (OK, HIDE)}), api=True
    ),
    "enrolment-act#reject": Entry(
        "POST",
        lambda o: f"{API}{rid(o)}/reject/",
        act({"host_admissions": (OK, HIDE)}),
        data={"reason": "capacity"},
        api=True,
    ),
    "enrolment-act#accept": Entry("POST", lambda o: f"{API}{rid(o)}/accept/", act({"student": (OK, HIDE)}), api=True),
    "enrolment-act#decline": Entry("POST", lambda o: f"{API}{rid(o)}/decline/", act({"student": (OK, HIDE)}), api=True),
    "enrolment-act#withdraw": Entry(
        "POST", lambda o: f"{API}{rid(o)}/withdraw/", act({"student": (OK, HIDE)}), api=True
    ),
    # The owner only (the world's request is past the home decision: a 409 for them, not a refusal).
    "enrolment-motivation": Entry(
        "POST", lambda o: f"{API}{rid(o)}/motivation/", act({"student": (OK, HIDE)}), data={"motivation": "x"}, api=True
    ),
    "enrolment-act#resubmit": Entry(
        "POST", lambda o: f"{API}{rid(o)}/resubmit/", act({"student": (OK, HIDE)}), api=True
    ),
    "enrolment-act#cancel": Entry(
        "POST",
        lambda o: f"{API}{rid(o)}/cancel/",
        act(
            {
                "student": (OK, HIDE),
                "home_approver": (OK, HIDE),
                "exam_board": (OK, HIDE),
                "host_admissions": (OK, HIDE),
            }
        ),
        data={"reason": "other"},
        api=True,
    ),
    # Enrolment pages
    "enrolment:enrol": Entry("GET", lambda o: f"/enrolment/offerings/{o['offering'].pk}/enrol/", logged_in()),
    "enrolment:alternatives": Entry(
        "GET", lambda o: f"/enrolment/offerings/{o['offering'].pk}/enrol/alternatives/?alternative_1_q=co", logged_in()
    ),
    "enrolment:motivation": Entry(
        "POST",
        lambda o: f"/enrolment/requests/{rid(o)}/motivation/",
        act({"student": (OK, HIDE)}),
        data={"motivation": "x"},
    ),
    "enrolment:requests": Entry("GET", lambda o: "/enrolment/requests/", logged_in()),
    "enrolment:request": Entry("GET", lambda o: f"/enrolment/requests/{rid(o)}/", request_readers()),
    # The status fragment a queued request's page follows (htmx): whoever may read the request.
    "enrolment:request_status": Entry("GET", lambda o: f"/enrolment/requests/{rid(o)}/status/", request_readers()),
    # Results: a request's result is read by whoever reads the request and recorded by its host only (here
    # the request is not registered yet, so the host's own record is a 409 about the state).
    "results:request": Entry("GET", lambda o: f"/results/requests/{rid(o)}/", request_readers()),
    "results:request#record": Entry(
        "POST",
        lambda o: f"/results/requests/{rid(o)}/",
        act({"host_admissions": (OK, HIDE)}),
        data={"scale": "1-10", "score": "8", "ec": "5", "assessed_on": "2026-01-01", "attempt": "1"},
    ),
    "results:preapproval": Entry(
        "POST",
        lambda o: f"/results/requests/{rid(o)}/preapproval/",
        # Anyone who reads the request may post; only its student is heard (others: 404, as for an unknown id).
        {
            **request_readers(),
            "home_approver": (HIDE, HIDE),
            "exam_board": (HIDE, HIDE),
            "host_admissions": (HIDE, HIDE),
            "admin": (HIDE, HIDE),
            "student": (OK, HIDE),
        },
    ),
    "results:board": Entry("GET", lambda o: "/results/board/", board_only()),
    "results:decide": Entry("GET", lambda o: f"/results/board/{o['recognition'].pk}/", board_only(other=HIDE)),
    "results:decide#post": Entry(
        "POST",
        lambda o: f"/results/board/{o['recognition'].pk}/",
        board_only(other=HIDE),
        data={"decision": "recognise", "counts_as": "elective", "reason": "matrix"},
    ),
    "results:precedents": Entry("GET", lambda o: "/results/precedents/", board_only()),
    "results:precedents#delete": Entry(
        "POST", lambda o: "/results/precedents/", board_only(other=HIDE), data=lambda o: {"delete": o["precedent"].pk}
    ),
    "results:conversions": Entry("GET", lambda o: "/results/conversions/", board_only()),
    "results:transcript": Entry("GET", lambda o: "/results/transcript/", logged_in()),
    "results:transcript_pdf": Entry("GET", lambda o: "/results/transcript.pdf", logged_in()),
    # Results API
    "result-list": Entry("GET", lambda o: "/api/results/", logged_in(), api=True),
    "result-list#record": Entry(
        "POST",
        lambda o: "/api/results/",
        {**{r: (DENY, DENY) for r in ROLES}, "anonymous": (LOGIN, LOGIN), "host_admissions": (OK, DENY)},
        data=lambda o: {
            "request": str(o["registered"].public_id),
            "scale": "1-10",
            "score": "8",
            "ec": "5",
            "assessed_on": o["registered"].offering.end_date.isoformat(),
            "attempt": 2,
        },
        api=True,
    ),
    "result-detail": Entry("GET", lambda o: f"/api/results/{o['result'].pk}/", request_readers(), api=True),
    "result-correct": Entry(
        "POST",
        lambda o: f"/api/results/{o['result'].pk}/correct/",
        {**{r: (HIDE, HIDE) for r in ROLES}, "anonymous": (LOGIN, LOGIN), "host_admissions": (OK, HIDE)},
        data=lambda o: {
            "scale": "1-10",
            "score": "8",
            "ec": "5",
            "assessed_on": o["registered"].offering.end_date.isoformat(),
            "reason": "matrix",
        },
        api=True,
    ),
    "result-upload": Entry(
        "POST",
        lambda o: "/api/results/upload/",
        # A file for the institution of the objects: only its host admissions are heard (the row is then
        # refused as already recorded: 400, about the input); others 403.
        {**{r: (DENY, DENY) for r in ROLES}, "anonymous": (LOGIN, LOGIN), "host_admissions": (OK, DENY)},
        data=lambda o: {
            "institution": o["host"].code,
            "file": SimpleUploadedFile(
                "r.csv", b"offering,student,scale,score,ec,date\nX,y@z.nl,1-10,8,5,2020-01-01\n"
            ),
        },
        api=True,
        multipart=True,
    ),
    "recognition-list": Entry("GET", lambda o: "/api/recognitions/", logged_in(), api=True),
    "recognition-list#preapproval": Entry(
        "POST",
        lambda o: "/api/recognitions/",
        # Own request: the student is heard (409: the course has started); staff and others: 404.
        {
            **request_readers(),
            "home_approver": (HIDE, HIDE),
            "exam_board": (HIDE, HIDE),
            "host_admissions": (HIDE, HIDE),
            "admin": (HIDE, HIDE),
            "student": (OK, HIDE),
        },
        data=lambda o: {"request": str(o["registered"].public_id)},
        api=True,
    ),
    "recognition-detail": Entry(
        "GET",
        lambda o: f"/api/recognitions/{o['recognition'].pk}/",
        {
            **{r: (HIDE, HIDE) for r in ROLES},
            "anonymous": (LOGIN, LOGIN),
            "student": (OK, HIDE),
            "exam_board": (OK, HIDE),
        },
        api=True,
    ),
    "recognition-decide": Entry(
        "POST",
        lambda o: f"/api/recognitions/{o['recognition'].pk}/decide/",
        {**{r: (HIDE, HIDE) for r in ROLES}, "anonymous": (LOGIN, LOGIN), "exam_board": (OK, HIDE)},
        data={"recognised": True, "reason": "matrix", "counts_as": "elective"},
        api=True,
    ),
    "precedent-list": Entry("GET", lambda o: "/api/precedents/", logged_in(), api=True),
    "precedent-list#create": Entry(
        "POST",
        lambda o: "/api/precedents/",
        {**{r: (DENY, DENY) for r in ROLES}, "anonymous": (LOGIN, LOGIN), "exam_board": (OK, DENY)},
        data=lambda o: {"programme": o["programme"].pk, "course": o["offering"].course_id, "counts_as": "minor"},
        api=True,
    ),
    "precedent-detail": Entry(
        "GET",
        lambda o: f"/api/precedents/{o['precedent'].pk}/",
        {**{r: (HIDE, HIDE) for r in ROLES}, "anonymous": (LOGIN, LOGIN), "exam_board": (OK, HIDE)},
        api=True,
    ),
    "precedent-detail#delete": Entry(
        "DELETE",
        lambda o: f"/api/precedents/{o['precedent'].pk}/",
        {**{r: (HIDE, HIDE) for r in ROLES}, "anonymous": (LOGIN, LOGIN), "exam_board": (OK, HIDE)},
        api=True,
    ),
    "conversion-table-list": Entry("GET", lambda o: "/api/conversion-tables/", logged_in(), api=True),
    "conversion-table-detail": Entry(
        "GET", lambda o: f"/api/conversion-tables/{ConversionTable.objects.get().pk}/", logged_in(), api=True
    ),
    "transcript": Entry("GET", lambda o: "/api/transcript/", logged_in(), api=True),
    "results:host": Entry(
        "GET",
        lambda o: f"/results/host/{o['host'].code}/",
        {**{r: (HIDE, HIDE) for r in ROLES}, "anonymous": (LOGIN, LOGIN), "host_admissions": (OK, HIDE)},
    ),
    "results:host#upload": Entry(
        "POST",
        lambda o: f"/results/host/{o['host'].code}/",
        {**{r: (HIDE, HIDE) for r in ROLES}, "anonymous": (LOGIN, LOGIN), "host_admissions": (OK, HIDE)},
        data={},
    ),
    "enrolment:request_action": Entry(
        "POST",
        lambda o: f"/enrolment/requests/{rid(o)}/act/",
        act({"host_admissions": (OK, HIDE)}),
        data={"verb": "admit"},
    ),
    "enrolment:document": Entry(
        "GET",
        lambda o: f"/enrolment/requests/{rid(o)}/document/",
        {**request_readers(), **{r: (HIDE, HIDE) for r in ROLES if r != "anonymous"}},
    ),
    "notifications:list": Entry("GET", lambda o: "/notifications/", logged_in()),
    "notifications:read": Entry("POST", lambda o: "/notifications/read/", logged_in()),
    "notifications:preferences": Entry("GET", lambda o: "/notifications/preferences/", logged_in()),
    "enrolment:staff": Entry(
        "GET",
        lambda o: "/enrolment/staff/",
        {
            **{r: (DENY, DENY) for r in ROLES},
            "anonymous": (LOGIN, LOGIN),
            "home_approver": (OK, OK),
            "exam_board": (OK, OK),
            "host_admissions": (OK, OK),
        },
    ),
    "enrolment:seats": Entry(
        "GET",
        lambda o: f"/enrolment/staff/offerings/{o['offering'].pk}/seats/",
        staff_console(("host_admissions",), "host"),
    ),
    "enrolment:incoming": Entry(
        "GET", lambda o: f"/enrolment/staff/{o['host'].code}/incoming/", staff_console(("host_admissions",), "host")
    ),
    "enrolment:outgoing": Entry(
        "GET",
        lambda o: f"/enrolment/staff/{o['home'].code}/outgoing/",
        staff_console(("home_approver", "exam_board"), "home"),
    ),
    "enrolment:bulk": Entry(
        "POST",
        lambda o: f"/enrolment/staff/{o['home'].code}/outgoing/bulk/",
        staff_console(("home_approver", "exam_board"), "home"),
        data={"verb": "approve", "ids": ""},
    ),
}


def oauth_only():
    """The OOAPI provider takes OAuth2 client-credential tokens only: a browser session gets 401.
    Which institution's client sees what is tested in tests/ooapi_provider."""
    return {"default": (LOGIN, LOGIN)}


V5 = "/ooapi/v5/"
MATRIX.update(
    {
        "ooapi:check": Entry(
            "GET",
            lambda o: "/ooapi/check/",
            {
                **{r: (DENY, DENY) for r in ROLES},
                "anonymous": (LOGIN, LOGIN),
                "catalogue_manager": (OK, OK),
                "admin": (OK, OK),
            },
        ),
        # The service root describes the endpoint and is public; everything else needs a token.
        "ooapi_provider:service": Entry("GET", lambda o: V5, everyone(), api=True),
        "ooapi_provider:organizations": Entry("GET", lambda o: f"{V5}organizations", oauth_only(), api=True),
        "ooapi_provider:organization": Entry("GET", lambda o: f"{V5}organizations/x", oauth_only(), api=True),
        "ooapi_provider:academic-sessions": Entry("GET", lambda o: f"{V5}academic-sessions", oauth_only(), api=True),
        "ooapi_provider:academic-session": Entry("GET", lambda o: f"{V5}academic-sessions/x", oauth_only(), api=True),
        "ooapi_provider:programs": Entry("GET", lambda o: f"{V5}programs", oauth_only(), api=True),
        "ooapi_provider:program": Entry("GET", lambda o: f"{V5}programs/x", oauth_only(), api=True),
        "ooapi_provider:program-offerings": Entry("GET", lambda o: f"{V5}programs/x/offerings", oauth_only(), api=True),
        "ooapi_provider:courses": Entry("GET", lambda o: f"{V5}courses", oauth_only(), api=True),
        "ooapi_provider:course": Entry("GET", lambda o: f"{V5}courses/x", oauth_only(), api=True),
        "ooapi_provider:course-offerings": Entry("GET", lambda o: f"{V5}courses/x/offerings", oauth_only(), api=True),
        "ooapi_provider:offering": Entry("GET", lambda o: f"{V5}offerings/x", oauth_only(), api=True),
        "ooapi_provider:offering-associations": Entry(
            "GET", lambda o: f"{V5}offerings/x/associations", oauth_only(), api=True
        ),
        "ooapi_provider:association": Entry("GET", lambda o: f"{V5}associations/x", oauth_only(), api=True),
        "ooapi_provider:person-me": Entry("GET", lambda o: f"{V5}persons/me", oauth_only(), api=True),
        # The provider's catch-all: an unknown path is a 404 problem for anyone.
        r"ooapi/v5/^(?P<rest>[\s\S]*)$": Entry("GET", lambda o: f"{V5}no-such-thing", everyone(HIDE), api=True),
    }
)


def only(roles: dict, default=(DENY, DENY)):
    expect = {r: default for r in ROLES}
    expect["anonymous"] = (LOGIN, LOGIN)
    expect.update(roles)
    return expect


MATRIX.update(
    {
        # Connection status: staff see their own institution's connection; admins all.
        "ooapi_sync:connections": Entry(
            "GET",
            lambda o: "/ooapi/connections/",
            only(
                {r: (OK, OK) for r in ("home_approver", "host_admissions", "exam_board", "catalogue_manager", "admin")}
            ),
        ),
        "ooapi_sync:connection": Entry(
            "GET",
            lambda o: f"/ooapi/connections/{o['connection'].pk}/",
            only({"host_admissions": (OK, DENY), "catalogue_manager": (OK, DENY), "admin": (OK, OK)}),
        ),
        "ooapi_sync:retry": Entry(
            "POST",
            lambda o: f"/ooapi/connections/{o['connection'].pk}/messages/{o['message'].pk}/retry/",
            only({"host_admissions": (OK, DENY), "catalogue_manager": (OK, DENY), "admin": (OK, OK)}),
        ),
        # Webhooks: staff (any role) of the institution, and nobody else (superusers use the admin).
        "webhooks:endpoints": Entry(
            "GET",
            lambda o: f"/webhooks/{o['host'].code}/",
            only({"host_admissions": (OK, DENY), "catalogue_manager": (OK, DENY)}),
        ),
        "webhooks:endpoints#register": Entry(
            "POST",
            lambda o: f"/webhooks/{o['host'].code}/",
            only({"host_admissions": (OK, DENY), "catalogue_manager": (OK, DENY)}),
            data={"url": "https://hooks.example.nl/in", "events": ["request.submitted"]},
        ),
        "webhooks:endpoint": Entry(
            "GET",
            lambda o: f"/webhooks/{o['host'].code}/endpoints/{o['webhook'].pk}/",
            only({"host_admissions": (OK, DENY), "catalogue_manager": (OK, DENY)}),
        ),
        "webhooks:active": Entry(
            "POST",
            lambda o: f"/webhooks/{o['host'].code}/endpoints/{o['webhook'].pk}/active/",
            only({"host_admissions": (OK, DENY), "catalogue_manager": (OK, DENY)}),
            data={"active": "0"},
        ),
        "webhooks:rotate": Entry(
            "POST",
            lambda o: f"/webhooks/{o['host'].code}/endpoints/{o['webhook'].pk}/rotate/",
            only({"host_admissions": (OK, DENY), "catalogue_manager": (OK, DENY)}),
        ),
        "webhooks:delete": Entry(
            "POST",
            lambda o: f"/webhooks/{o['host'].code}/endpoints/{o['webhook'].pk}/delete/",
            only({"host_admissions": (OK, DENY), "catalogue_manager": (OK, DENY)}),
        ),
        "webhooks:replay": Entry(
            "POST",
            lambda o: f"/webhooks/{o['host'].code}/deliveries/{o['delivery'].pk}/replay/",
            only({"host_admissions": (OK, DENY), "catalogue_manager": (OK, DENY)}),
        ),
        # Catalogue imports: catalogue managers of the institution, and admins.
        "ooapi_imports:list": Entry(
            "GET", lambda o: "/ooapi/imports/", only({"catalogue_manager": (OK, OK), "admin": (OK, OK)})
        ),
        "ooapi_imports:runs": Entry(
            "GET", lambda o: "/ooapi/imports/runs/", only({"catalogue_manager": (OK, OK), "admin": (OK, OK)})
        ),
        "ooapi_imports:detail": Entry(
            "GET",
            lambda o: f"/ooapi/imports/{o['run'].pk}/",
            only({"catalogue_manager": (OK, HIDE), "admin": (OK, OK)}),
        ),
        "ooapi_imports:start": Entry(
            "POST",
            lambda o: f"/ooapi/imports/start/{o['connection'].pk}/",
            only({"catalogue_manager": (OK, HIDE), "admin": (OK, OK)}),
        ),
    }
)

# Microcredentials: what every issued credential points at is public, for anyone, without login.
MATRIX.update(
    {
        "credentials:context": Entry("GET", lambda o: "/credentials/contexts/eu-microcredential-v1.jsonld", everyone()),
        "credentials:issuer": Entry("GET", lambda o: f"/credentials/issuers/{o['host'].code}", everyone()),
        "credentials:status-list": Entry(
            "GET",
            lambda o: f"/credentials/issuers/{o['host'].code}/status/{o['status_list'].pk}",
            everyone(),
        ),
        "credentials:achievement": Entry(
            "GET", lambda o: f"/credentials/achievements/{o['definition'].public_id}", everyone()
        ),
        "credentials:credential": Entry("GET", lambda o: f"/credentials/{o['credential'].public_id}", everyone()),
        # The verifier (page and API) is public; a student's own credentials are theirs alone.
        "credentials:verify": Entry("GET", lambda o: "/credentials/verify/", everyone()),
        "credentials:verify#post": Entry("POST", lambda o: "/credentials/verify/", everyone(), data={"pasted": "{}"}),
        "credentials-verify": Entry("POST", lambda o: "/api/credentials/verify/", everyone(), data={}, api=True),
        "credentials:mine": Entry("GET", lambda o: "/credentials/mine/", logged_in()),
        "credentials:download": Entry(
            "GET",
            lambda o: f"/credentials/mine/{o['credential'].public_id}.json",
            {**{r: (HIDE, HIDE) for r in ROLES}, "anonymous": (LOGIN, LOGIN), "student": (OK, HIDE)},
        ),
        # The awarding institution's examination board only. The matrix's board sits at the student's home,
        # which awards nothing: it sees its own (empty) list, and no other institution's list or credential.
        "credentials:awarded": Entry(
            "GET", lambda o: f"/credentials/awarded/{o['home'].code}/", board_only(other=HIDE)
        ),
        "credentials:revoke": Entry(
            "POST",
            lambda o: f"/credentials/awarded/{o['host'].code}/{o['credential'].public_id}/revoke/",
            {**{r: (HIDE, HIDE) for r in ROLES}, "anonymous": (LOGIN, LOGIN)},
            data={"reason": "matrix"},
        ),
    }
)

# A person's own data: everyone signed in sees and exports only their own (no id in any URL), and may ask
# for erasure (the matrix's confirmation is wrong on purpose: a 400 about the input, nothing erased).
MATRIX.update(
    {
        "privacy:mine": Entry("GET", lambda o: "/privacy/", logged_in()),
        "privacy:export": Entry("GET", lambda o: "/privacy/export.json", logged_in()),
        "privacy:erase": Entry("GET", lambda o: "/privacy/erase/", logged_in()),
        "privacy:erase#post": Entry(
            "POST", lambda o: "/privacy/erase/", logged_in(), data={"confirmation": "nobody@example.invalid"}
        ),
        "privacy-export": Entry("GET", lambda o: "/api/privacy/export/", logged_in(), api=True),
        "privacy:consent": Entry("GET", lambda o: "/privacy/consent/", logged_in()),
        # An answer to words that are not the current ones: a 409 about the state, nothing recorded.
        "privacy:consent#post": Entry(
            "POST", lambda o: "/privacy/consent/", logged_in(), data={"answer": "agree", "version": "outdated"}
        ),
    }
)


def _tariff(objects):
    """A tariff between the objects' home and host, made when the path is built: inside the entry's
    savepoint, so every check starts without one."""
    tariff, _created = Tariff.objects.get_or_create(
        payer=objects["home"],
        payee=objects["host"],
        defaults={"basis": "per_ec", "rate": 10, "valid_from": dt.date(2026, 1, 1)},
    )
    return tariff


def _settlement(side_roles: tuple[str, ...]):
    """An institution's statement: its own staff (any role), coordinators and admins; anyone else 404."""
    expect = {r: (HIDE, HIDE) for r in ROLES}
    expect.update({"anonymous": (LOGIN, LOGIN), "coordinator": (OK, OK), "admin": (OK, OK)})
    expect.update({r: (OK, HIDE) for r in side_roles})
    return expect


HOME_SIDE, HOST_SIDE = ("home_approver", "exam_board"), ("host_admissions", "catalogue_manager")
ZONE_ONLY = only({"coordinator": (OK, OK), "admin": (OK, OK)})
TARIFF_READERS = _settlement(HOME_SIDE + HOST_SIDE)

# Settlement between institutions: staff see their own institution's statement (as the paying home or the paid
# host), coordinators the zone's and manage the tariffs.
MATRIX.update(
    {
        "billing:settlement_zone": Entry("GET", lambda o: "/billing/settlement/", ZONE_ONLY),
        "billing:settlement_zone_csv": Entry("GET", lambda o: "/billing/settlement/zone.csv", ZONE_ONLY),
        "billing:tariffs": Entry("GET", lambda o: "/billing/settlement/tariffs/", ZONE_ONLY),
        "billing:tariffs#create": Entry("POST", lambda o: "/billing/settlement/tariffs/", ZONE_ONLY, data={}),
        "billing:tariffs#delete": Entry(
            "POST", lambda o: "/billing/settlement/tariffs/", ZONE_ONLY, data=lambda o: {"delete": _tariff(o).pk}
        ),
        "billing:settlement": Entry("GET", lambda o: f"/billing/settlement/{o['home'].code}/", _settlement(HOME_SIDE)),
        "billing:settlement#host": Entry(
            "GET", lambda o: f"/billing/settlement/{o['host'].code}/", _settlement(HOST_SIDE)
        ),
        "billing:settlement_csv": Entry(
            "GET", lambda o: f"/billing/settlement/{o['home'].code}.csv", _settlement(HOME_SIDE)
        ),
        "billing:settlement_csv#host": Entry(
            "GET", lambda o: f"/billing/settlement/{o['host'].code}.csv", _settlement(HOST_SIDE)
        ),
        "settlement-statement": Entry(
            "GET",
            lambda o: f"/api/settlement/statement/?institution={o['home'].code}",
            _settlement(HOME_SIDE),
            api=True,
        ),
        "settlement-statement#host": Entry(
            "GET",
            lambda o: f"/api/settlement/statement/?institution={o['host'].code}",
            _settlement(HOST_SIDE),
            api=True,
        ),
        "settlement-statement#zone": Entry(
            "GET", lambda o: "/api/settlement/statement/", {**ZONE_ONLY, "anonymous": (LOGIN, LOGIN)}, api=True
        ),
        "settlement-tariff-list": Entry("GET", lambda o: "/api/settlement/tariffs/", logged_in(), api=True),
        "settlement-tariff-list#create": Entry(
            "POST", lambda o: "/api/settlement/tariffs/", ZONE_ONLY, data={}, api=True
        ),
        "settlement-tariff-detail": Entry(
            "GET", lambda o: f"/api/settlement/tariffs/{_tariff(o).pk}/", TARIFF_READERS, api=True
        ),
        "settlement-tariff-detail#delete": Entry(
            "DELETE",
            lambda o: f"/api/settlement/tariffs/{_tariff(o).pk}/",
            {**TARIFF_READERS, **{r: (DENY, HIDE) for r in HOME_SIDE + HOST_SIDE}},
            api=True,
        ),
    }
)


# Own pace (issue #16): a student's own plan, contracts and ledger; the home approvers of the student's
# institution agree contracts and read ledgers. Objects are made on first use, inside the entry's savepoint.
def _own_pace(o) -> dict:
    if "own_pace" not in o:
        from billing.models_tuition import StatutoryFee
        from institutions.models import AcademicPeriod, AcademicYear
        from routes.own_pace.models import EcContract, PlannedCourse, StudyPlan

        student = o["registered"].student
        today = timezone.localdate()
        year = AcademicYear.objects.create(
            institution=student.home_institution,
            name="op-matrix",
            start_date=today - dt.timedelta(days=10),
            end_date=today + dt.timedelta(days=350),
        )
        period = AcademicPeriod.objects.create(
            academic_year=year,
            institution=student.home_institution,
            kind="quarter",
            sequence=1,
            name_nl="P1",
            name_en="Q1",
            start_date=year.start_date,
            end_date=year.start_date + dt.timedelta(days=80),
        )
        StatutoryFee.objects.get_or_create(academic_year="op-matrix", defaults={"annual_fee": 2601})
        plan = StudyPlan.objects.create(student=student, programme=student.programme)
        o["own_pace"] = {
            "student": student,
            "year": year,
            "period": period,
            "contract": EcContract.objects.create(student=student, academic_year=year, ec=30),
            "planned": PlannedCourse.objects.create(plan=plan, course=o["offering"].course, period=period),
        }
    return o["own_pace"]


def own_student(other=OK):
    return only({"student": (OK, other)})


def own_approver():
    return {**{r: (HIDE, HIDE) for r in ROLES}, "anonymous": (LOGIN, LOGIN), "home_approver": (OK, HIDE)}


MATRIX.update(
    {
        "own_pace:plan": Entry("GET", lambda o: "/own-pace/", own_student()),
        "own_pace:plan#add": Entry(
            "POST",
            lambda o: "/own-pace/",
            own_student(),
            data=lambda o: {"institution": o["host"].pk, "code": "X", "period": _own_pace(o)["period"].pk},
        ),
        "own_pace:plan_remove": Entry(
            "POST", lambda o: f"/own-pace/plan/{_own_pace(o)['planned'].pk}/remove/", own_student(HIDE)
        ),
        "own_pace:contract": Entry("GET", lambda o: "/own-pace/contract/", own_student()),
        "own_pace:contract#change": Entry(
            "POST",
            lambda o: "/own-pace/contract/",
            own_student(HIDE),
            data=lambda o: {
                "change-contract": _own_pace(o)["contract"].pk,
                f"c{_own_pace(o)['contract'].pk}-ec": "31",
                f"c{_own_pace(o)['contract'].pk}-reason": "matrix",
            },
        ),
        "own_pace:ledger": Entry("GET", lambda o: "/own-pace/ledger/", own_student()),
        "own_pace:ledger_csv": Entry("GET", lambda o: "/own-pace/ledger.csv", own_student()),
        "own_pace:staff": Entry("GET", lambda o: f"/own-pace/staff/{o['home'].code}/", own_approver()),
        "own_pace:staff#agree": Entry(
            "POST",
            lambda o: f"/own-pace/staff/{_own_pace(o)['student'].home_institution.code}/",
            own_approver(),
            data=lambda o: {"contract": _own_pace(o)["contract"].pk},
        ),
        "own_pace:staff_ledger": Entry(
            "GET",
            lambda o: f"/own-pace/staff/{o['home'].code}/students/{_own_pace(o)['student'].pk}/ledger/",
            own_approver(),
        ),
        "own-pace-plan": Entry("GET", lambda o: "/api/own-pace/plan/", own_student(), api=True),
        "own-pace-plan#add": Entry(
            "POST",
            lambda o: "/api/own-pace/plan/",
            own_student(HIDE),
            data=lambda o: {"course": o["offering"].course_id, "period": _own_pace(o)["period"].pk},
            api=True,
        ),
        "own-pace-planned": Entry(
            "DELETE", lambda o: f"/api/own-pace/plan/{_own_pace(o)['planned'].pk}/", own_student(HIDE), api=True
        ),
        "own-pace-contracts": Entry("GET", lambda o: "/api/own-pace/contracts/", own_student(), api=True),
        "own-pace-contracts#propose": Entry(
            "POST",
            lambda o: "/api/own-pace/contracts/",
            own_student(HIDE),
            data=lambda o: {"academic_year": _own_pace(o)["year"].pk, "ec": "30"},
            api=True,
        ),
        "own-pace-change": Entry(
            "POST",
            lambda o: f"/api/own-pace/contracts/{_own_pace(o)['contract'].pk}/change/",
            own_student(HIDE),
            data={"ec": "32", "reason": "matrix"},
            api=True,
        ),
        "own-pace-agree": Entry(
            "POST",
            lambda o: f"/api/own-pace/contracts/{_own_pace(o)['contract'].pk}/agree/",
            own_approver(),
            api=True,
        ),
        "own-pace-ledger": Entry("GET", lambda o: "/api/own-pace/ledger/", own_student(), api=True),
    }
)


# MijnDiploma: each student's composed programme with version 1 submitted (one item, at the host), and a
# published portfolio curated by each host. Added to the world without changing how it is built above.
def _mijndiploma_objects(student, offering, curator) -> dict:
    from routes.mijndiploma.models import ComposedProgramme, Portfolio, VersionItem

    composed = ComposedProgramme.objects.create(student=student, programme=student.programme)
    version = composed.versions.create(number=1, status="submitted", submitted_at=timezone.now())
    item = VersionItem.objects.create(version=version, offering=offering)
    portfolio = Portfolio.objects.create(institution=curator, title_nl="Matrix", title_en="Matrix", is_published=True)
    portfolio.offerings.add(offering)
    return {"md_version": version, "md_item": item, "md_portfolio": portfolio}


_build_world_without_mijndiploma = build_world


def build_world() -> World:  # noqa: F811 - extends the world above with MijnDiploma's objects
    world = _build_world_without_mijndiploma()
    own, other = world.own["student"], world.other["student"]
    own |= _mijndiploma_objects(own["request"].student, own["offering"], own["host"])
    other |= _mijndiploma_objects(other["request"].student, other["offering"], other["host"])
    return world


def md_readers():
    """Who sees a composed programme's version: its student, the board of the student's home, admins."""
    return {
        **{role: (HIDE, HIDE) for role in ROLES},
        "anonymous": (LOGIN, LOGIN),
        "student": (OK, HIDE),
        "exam_board": (OK, HIDE),
        "admin": (OK, OK),
    }


def md_student_move():
    """A student's move on a version: theirs only; the board and admins see it but may not (403)."""
    return {**md_readers(), "exam_board": (DENY, HIDE), "admin": (DENY, DENY)}


def students_only(other=OK):
    return {**{role: (HIDE, HIDE) for role in ROLES}, "anonymous": (LOGIN, LOGIN), "student": (OK, other)}


def md_curators(other=OK):
    return {
        **{role: (HIDE, HIDE) for role in ROLES},
        "anonymous": (LOGIN, LOGIN),
        "catalogue_manager": (OK, other),
        "admin": (OK, OK),
    }


MDV = "/api/mijndiploma/versions/"
MATRIX.update(
    {
        "mijndiploma:compose": Entry("GET", lambda o: "/mijndiploma/", students_only()),
        "mijndiploma:compose#add": Entry(
            "POST",
            lambda o: "/mijndiploma/",
            students_only(other=HIDE),
            data=lambda o: {
                "action": "add",
                "version": o["md_version"].pk,
                "row_version": o["md_version"].row_version,
                "offering": o["offering"].pk,
            },
        ),
        "mijndiploma:audit": Entry("GET", lambda o: "/mijndiploma/audit/", students_only()),
        "mijndiploma:portfolios": Entry("GET", lambda o: "/mijndiploma/portfolios/", everyone()),
        "mijndiploma:overview": Entry("GET", lambda o: f"/mijndiploma/versions/{o['md_version'].pk}/", md_readers()),
        "mijndiploma:overview_pdf": Entry(
            "GET", lambda o: f"/mijndiploma/versions/{o['md_version'].pk}.pdf", md_readers()
        ),
        "mijndiploma:enrol": Entry(
            "POST", lambda o: f"/mijndiploma/items/{o['md_item'].pk}/enrol/", students_only(other=HIDE)
        ),
        "mijndiploma:board": Entry("GET", lambda o: "/mijndiploma/board/", board_only()),
        "mijndiploma:review": Entry(
            "GET", lambda o: f"/mijndiploma/board/{o['md_version'].pk}/", board_only(other=HIDE)
        ),
        "mijndiploma:review#post": Entry(
            "POST",
            lambda o: f"/mijndiploma/board/{o['md_version'].pk}/",
            board_only(other=HIDE),
            data=lambda o: {"decision": "ask_changes", "comment": "matrix", "row_version": o["md_version"].row_version},
        ),
        "mijndiploma:rules": Entry("GET", lambda o: "/mijndiploma/board/rules/", board_only()),
        "mijndiploma:portfolio_manage": Entry("GET", lambda o: "/mijndiploma/staff/portfolios/", md_curators()),
        "mijndiploma:portfolio_new": Entry("GET", lambda o: "/mijndiploma/staff/portfolios/new/", md_curators()),
        "mijndiploma:portfolio_edit": Entry(
            "GET", lambda o: f"/mijndiploma/staff/portfolios/{o['md_portfolio'].pk}/", md_curators(other=HIDE)
        ),
        "mijndiploma-version-list": Entry("GET", lambda o: MDV, logged_in(), api=True),
        "mijndiploma-version-detail": Entry("GET", lambda o: f"{MDV}{o['md_version'].pk}/", md_readers(), api=True),
        "mijndiploma-version-checks": Entry(
            "GET", lambda o: f"{MDV}{o['md_version'].pk}/checks/", md_readers(), api=True
        ),
        "mijndiploma-version-audit": Entry(
            "GET", lambda o: f"{MDV}{o['md_version'].pk}/audit/", md_readers(), api=True
        ),
        "mijndiploma-version-items": Entry(
            "POST",
            lambda o: f"{MDV}{o['md_version'].pk}/items/",
            md_student_move(),
            data=lambda o: {"row_version": o["md_version"].row_version, "items": []},
            api=True,
        ),
        "mijndiploma-version-submit": Entry(
            "POST",
            lambda o: f"{MDV}{o['md_version'].pk}/submit/",
            md_student_move(),
            data=lambda o: {"row_version": o["md_version"].row_version},
            api=True,
        ),
        "mijndiploma-version-decide": Entry(
            "POST",
            lambda o: f"{MDV}{o['md_version'].pk}/decide/",
            {**md_readers(), "student": (DENY, HIDE), "admin": (DENY, DENY)},
            data=lambda o: {"decision": "ask_changes", "comment": "matrix", "row_version": o["md_version"].row_version},
            api=True,
        ),
        "mijndiploma-portfolio-list": Entry("GET", lambda o: "/api/mijndiploma/portfolios/", everyone(), api=True),
        "mijndiploma-portfolio-detail": Entry(
            "GET", lambda o: f"/api/mijndiploma/portfolios/{o['md_portfolio'].pk}/", everyone(), api=True
        ),
        "mijndiploma-programme": Entry(
            "POST", lambda o: "/api/mijndiploma/programme/", {**only({"student": (OK, OK)})}, api=True
        ),
        "mijndiploma-new-version": Entry(
            "POST", lambda o: "/api/mijndiploma/new-version/", {**only({"student": (OK, OK)})}, api=True
        ),
        "mijndiploma-enrol": Entry(
            "POST", lambda o: f"/api/mijndiploma/items/{o['md_item'].pk}/enrol/", students_only(other=HIDE), api=True
        ),
    }
)


def dashboard_of(institution_roles: tuple[str, ...]):
    """An institution's dashboard: its own staff (any role there), coordinators and admins; others 403."""
    expect = {role: (DENY, DENY) for role in ROLES}
    expect["anonymous"] = (LOGIN, LOGIN)
    for role in institution_roles:
        expect[role] = (OK, DENY)
    expect["coordinator"] = expect["admin"] = (OK, OK)
    return expect


def zone_dashboard():
    """The zone's dashboard: coordinators and admins only; staff and students 403."""
    expect = {role: (DENY, DENY) for role in ROLES}
    expect["anonymous"] = (LOGIN, LOGIN)
    expect["coordinator"] = expect["admin"] = (OK, OK)
    return expect


# Participation dashboards: aggregates only. The zone's for coordinators; an institution's for its own staff.
HOME_SIDE, HOST_SIDE = ("home_approver", "exam_board"), ("host_admissions", "catalogue_manager")
MATRIX.update(
    {
        "insights:zone": Entry("GET", lambda o: "/insights/", zone_dashboard()),
        "insights:zone-csv": Entry("GET", lambda o: "/insights/flows.csv", zone_dashboard()),
        "insights:institution": Entry(
            "GET", lambda o: f"/insights/institutions/{o['home'].code}/", dashboard_of(HOME_SIDE)
        ),
        "insights:institution#host": Entry(
            "GET", lambda o: f"/insights/institutions/{o['host'].code}/", dashboard_of(HOST_SIDE)
        ),
        "insights:institution-csv": Entry(
            "GET", lambda o: f"/insights/institutions/{o['host'].code}/incoming.csv", dashboard_of(HOST_SIDE)
        ),
        "insights-zone": Entry("GET", lambda o: "/api/insights/zone/", zone_dashboard(), api=True),
        "insights-zone-panel": Entry("GET", lambda o: "/api/insights/zone/funnel/", zone_dashboard(), api=True),
        "insights-institution": Entry(
            "GET", lambda o: f"/api/insights/institutions/{o['home'].code}/", dashboard_of(HOME_SIDE), api=True
        ),
        "insights-institution-panel": Entry(
            "GET", lambda o: f"/api/insights/institutions/{o['host'].code}/queues/", dashboard_of(HOST_SIDE), api=True
        ),
    }
)


# Module-only learners (issue #16): no role of the matrix is a professional or guest, so a learner's own
# pages and API answer 403 to every role and an invoice is hidden from all; the host's admissions keep
# their own institution's invoices only. The invoice is set up here, at the objects' host, when asked for.
def _module_invoice(objects) -> str:
    from decimal import Decimal

    from accounts.services import learner_profile_create
    from billing.models_invoices import Invoice
    from tests.factories import ModuleFactory

    host = objects["host"]
    learner = learner_profile_create(user=UserFactory(), kind="professional")
    offering = OfferingFactory(
        course=None,
        module=ModuleFactory(institution=host),
        period=objects["offering"].period,
        visible_professionals=True,
        price_module_only=Decimal("100.00"),
    )
    request = EnrolmentRequest.objects.create(
        student=learner, offering=offering, home_institution=None, host_institution=host, route="modular"
    )
    EnrolmentRequest.objects.filter(pk=request.pk).update(status=Status.HOME_APPROVED, home_approved_at=timezone.now())
    invoice = Invoice.objects.create(
        request=request, learner=learner, host_institution=host, amount=Decimal("100.00"), name="M", address="A"
    )
    return str(invoice.public_id)


def _learners_only():
    return {**{r: (DENY, DENY) for r in ROLES}, "anonymous": (LOGIN, LOGIN)}


def _invoice_keepers(other=DENY):
    return {**_learners_only(), "host_admissions": (OK, other)}


MATRIX.update(
    {
        "account_learner": Entry("GET", lambda o: "/accounts/learner/", everyone()),
        "billing:modules": Entry("GET", lambda o: "/billing/modules/", logged_in()),
        "billing:module_register": Entry(
            "GET", lambda o: f"/billing/modules/register/{o['offering'].pk}/", _learners_only()
        ),
        "billing:invoice": Entry(
            "GET",
            lambda o: f"/billing/modules/invoices/{_module_invoice(o)}/",
            {**{r: (HIDE, HIDE) for r in ROLES}, "anonymous": (LOGIN, LOGIN)},
        ),
        "billing:staff_invoices": Entry("GET", lambda o: "/billing/modules/staff/invoices/", _invoice_keepers(OK)),
        "billing:staff_invoice_status": Entry(
            "POST",
            lambda o: f"/billing/modules/staff/invoices/{_module_invoice(o)}/status/",
            _invoice_keepers(),
            data={"status": "paid"},
        ),
        "modules-registrations": Entry("GET", lambda o: "/api/modules/registrations/", _learners_only(), api=True),
        "modules-stackable": Entry("GET", lambda o: "/api/modules/stackable/", _learners_only(), api=True),
        "modules-invoices": Entry("GET", lambda o: "/api/modules/invoices/", logged_in(), api=True),
        "modules-host-invoices": Entry("GET", lambda o: "/api/modules/host-invoices/", _invoice_keepers(OK), api=True),
        "modules-payment-status": Entry(
            "POST",
            lambda o: f"/api/modules/host-invoices/{_module_invoice(o)}/payment-status/",
            _invoice_keepers(),
            data={"status": "paid"},
            api=True,
        ),
    }
)


# URL groups that third-party apps own, each with a representative check of who gets in.
THIRD_PARTY = {
    "admin": Entry("GET", lambda o: "/admin/", {**{r: (LOGIN, LOGIN) for r in ROLES}, "admin": (OK, OK)}),
    "allauth": Entry("GET", lambda o: "/accounts/login/", everyone()),
    "allauth-headless": Entry("GET", lambda o: "/_allauth/browser/v1/config", everyone(), api=True),
    "oauth2_provider": Entry(
        "GET", lambda o: "/o/applications/", {**{r: (OK, OK) for r in ROLES}, "anonymous": (LOGIN, LOGIN)}
    ),
}
THIRD_PARTY_PREFIXES = {
    "admin/": "admin",
    "accounts/": "allauth",  # allauth's own pages; the portal's /accounts/ URLs are named entries above
    "_allauth/": "allauth-headless",
    "o/": "oauth2_provider",
}


def _patterns(resolvers=None, prefix="", namespace=""):
    for pattern in resolvers if resolvers is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _patterns(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            yield (f"{namespace}{pattern.name}" if pattern.name else route), route


# One URL pattern may stand for several operations (the API's transitions, one per verb): their entries are
# named "<url name>#<operation>".
def _url_names() -> set[str]:
    return {key.split("#", 1)[0] for key in MATRIX}


def _group_of(name: str | None, route: str) -> str | None:
    if name in _url_names():
        return name
    for prefix, group in THIRD_PARTY_PREFIXES.items():
        if route.startswith(prefix) and (
            prefix != "accounts/" or not (name or "").startswith(("account_profile", "accounts_api"))
        ):
            return group
    return None


def test_every_url_pattern_is_in_the_matrix():
    missing = sorted({f"{name} ({route})" for name, route in _patterns() if _group_of(name, route) is None})
    assert missing == [], "URLs without an entry in the authorisation matrix:\n" + "\n".join(missing)
    stale = sorted(_url_names() - {name for name, _route in _patterns()})
    assert stale == [], f"matrix entries for URLs that no longer exist: {stale}"


def _check(response, outcome: str, entry: Entry, label: str) -> None:
    status = response.status_code
    assert status < 500, f"{label}: server error {status}"
    if outcome == OK:
        login_redirect = status == 302 and "/login/" in response.get("Location", "")
        assert status not in (401, 403, 404) and not login_redirect, f"{label}: expected access, got {status}"
    elif outcome == LOGIN:
        if entry.api:
            assert status in (401, 403), f"{label}: expected 401/403, got {status}"
        else:
            assert status == 302 and "/login/" in response["Location"], (
                f"{label}: expected login redirect, got {status}"
            )
    elif outcome == DENY:
        assert status == 403, f"{label}: expected 403, got {status}"
    elif outcome == HIDE:
        assert status == 404, f"{label}: expected 404, got {status}"


def _run(entry: Entry, role: str, name: str):
    world = build_world()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if world.users[role] is not None:
        client.force_login(world.users[role])
    for own in (True, False):
        objects = world.own[role] if own else world.other[role]
        label = f"{name} as {role} on {'own' if own else 'other'}"
        sid = transaction.savepoint()
        try:
            if entry.method == "GET":
                response = client.get(entry.path(objects))
            elif entry.method == "DELETE":
                response = client.delete(entry.path(objects))
            elif entry.multipart:
                response = client.post(entry.path(objects), entry.data(objects))
            else:
                data = entry.data(objects) if callable(entry.data) else dict(entry.data or {})
                if name == "enrolment:bulk":
                    data["ids"] = str(objects["request"].public_id)
                if name == "enrolment-bulk":
                    data = {**data, "ids": [str(objects["request"].public_id)]}
                response = (
                    client.post(entry.path(objects), data, content_type="application/json")
                    if entry.api
                    else client.post(entry.path(objects), data)
                )
            _check(response, entry.outcome(role, own), entry, label)
        finally:
            transaction.savepoint_rollback(sid)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_matrix(name, role):
    _run(MATRIX[name], role, name)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("group", sorted(THIRD_PARTY))
def test_third_party_groups(group, role):
    _run(THIRD_PARTY[group], role, group)


@pytest.mark.django_db
def test_bulk_decisions_check_every_id():
    world = build_world()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.users["home_approver"])
    other = world.other["home_approver"]["request"]
    response = client.post(
        "/api/enrolments/bulk/", {"verb": "approve", "ids": [str(other.public_id)]}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["results"][str(other.public_id)] == {
        "ok": False,
        "code": "not_found",
        "detail": "No such request.",
    }
    other.refresh_from_db()
    assert other.status == Status.HOME_APPROVED
