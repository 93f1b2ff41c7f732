"""A zone where a result can earn a microcredential, and the independent verifier reading the portal's
published documents through the Django test client (no network)."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from accounts.models import StaffRole
from credentials.models import MicrocredentialDefinition
from enrolment.models import EnrolmentRequest, Status
from results.models import Recognition
from results.services.recognition import recognition_decide
from results.services.results import ResultInput, result_record
from tests.factories import (
    AcademicPeriodFactory,
    CourseFactory,
    InstitutionFactory,
    OfferingFactory,
    ProgrammeFactory,
    StaffRoleFactory,
    StudentProfileFactory,
)

from .conftest import BASE_URL
from .test_independent_verifier import independently_revoked, independently_verified, served_documents

R = StaffRole.Role


class Zone:
    pass


@pytest.fixture
def zone(db, settings):
    """A host whose course ended last week and has a definition, a home with its examination board, the
    student registered for it, and the staff of both and of a third institution."""
    settings.PORTAL_BASE_URL = BASE_URL
    today = timezone.localdate()
    home, host, other = (InstitutionFactory(code=code) for code in ("mc-home", "mc-host", "mc-other"))
    period = AcademicPeriodFactory(
        academic_year__institution=host, start_date=today - dt.timedelta(days=70), end_date=today - dt.timedelta(days=7)
    )
    course = CourseFactory(institution=host, code="MC101", ec=5)
    offering = OfferingFactory(
        course=course,
        institution=host,
        period=period,
        code="MC101-A",
        start_date=period.start_date,
        end_date=period.end_date,
        enrol_opens_at=timezone.now() - dt.timedelta(days=120),
        enrol_closes_at=timezone.now() - dt.timedelta(days=80),
    )
    student = StudentProfileFactory(home_institution=home, user__email="mila@student.example")
    student.programme = ProgrammeFactory(institution=home)
    student.save(update_fields=["programme"])
    z = Zone()
    z.home, z.host, z.other, z.course, z.offering, z.student = home, host, other, course, offering, student
    z.definition = definition(course=course, awarding_institution=host)
    z.host_admissions = StaffRoleFactory(institution=host, role=R.HOST_ADMISSIONS).user
    z.host_board = StaffRoleFactory(institution=host, role=R.EXAMINATION_BOARD).user
    z.home_board = StaffRoleFactory(institution=home, role=R.EXAMINATION_BOARD).user
    z.other_board = StaffRoleFactory(institution=other, role=R.EXAMINATION_BOARD).user
    with translation.override("en"):
        yield z


def definition(**changes) -> MicrocredentialDefinition:
    values = {
        "title": "Data Science 1",
        "description": "An introduction to data science with Python.",
        "learning_outcomes": "Builds a data pipeline in Python\nExplains the limits of a regression model",
        "ec": Decimal("5"),
        "eqf_level": 6,
        "assessment_type": "Written exam, graded",
        "participation_form": "Onsite",
        "quality_assurance": "Accredited programme (NVAO)",
        "awarding_country": "NL",
        "grade_shown": True,
    } | changes
    made = MicrocredentialDefinition(**values)
    made.full_clean()
    made.save()
    return made


def registered(zone) -> EnrolmentRequest:
    return EnrolmentRequest.objects.create(
        student=zone.student,
        offering=zone.offering,
        home_institution=zone.home,
        host_institution=zone.host,
        status=Status.REGISTERED,
        submitted_at=timezone.now() - dt.timedelta(days=100),
        home_approved_at=timezone.now() - dt.timedelta(days=99),
    )


def recognised_pass(zone, capture, *, score="7.5"):
    """Through results' own services: the host records a pass, the home board grants the credit entry."""
    request = registered(zone)
    data = ResultInput(scale="1-10", score=score, ec="5", assessed_on=zone.offering.end_date)
    with capture(execute=True):
        result = result_record(user=zone.host_admissions, request_id=request.pk, data=data)
    recognition = Recognition.objects.get(request=request, kind="credit")
    with capture(execute=True):
        recognition_decide(
            user=zone.home_board, recognition_id=recognition.pk, recognised=True, reason="Fits", counts_as="minor"
        )
    return result


def fetch(client, url: str):
    """What a verifier on the internet gets at ``url``: the portal answers it, through the test client."""
    assert url.startswith(BASE_URL + "/"), url
    response = client.get(url[len(BASE_URL) :])
    assert response.status_code == 200, (url, response.status_code)
    return response, json.loads(response.content)


def verify_through_portal(client, credential: dict) -> bool:
    """The independent verifier, with the issuer's controller document and the portal's context fetched
    from the portal's published URLs."""
    documents = served_documents()
    context_url = credential["@context"][2]
    documents[context_url] = fetch(client, context_url)[1]
    issuer = credential["issuer"]["id"]
    method = credential["proof"]["verificationMethod"]
    if not method.startswith(issuer + "#"):
        return False
    controller = fetch(client, issuer)[1]
    return independently_verified(credential, controller, documents)


def revoked_through_portal(client, credential: dict) -> bool:
    """The status bit, read from the portal's status list credential after verifying that list's proof."""
    status_list = fetch(client, credential["credentialStatus"]["statusListCredential"])[1]
    issuer = status_list["issuer"]
    assert independently_verified(status_list, fetch(client, issuer)[1], served_documents())
    return independently_revoked(credential, status_list)
