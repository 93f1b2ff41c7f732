"""A module-only learner earns the module's microcredential from the host's passing result alone: there is
no home examination board to recognise it (DOMAIN: "a microcredential per completed module")."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from credentials.models import IssuedCredential, MicrocredentialDefinition
from credentials.verification import VALID, credential_verify
from enrolment.models import EnrolmentRequest, Status
from results.services.results import ResultInput, result_record
from tests.modular.test_invoices_and_progress import registered

pytestmark = pytest.mark.django_db


@pytest.fixture
def definition(modular, settings):
    settings.PORTAL_BASE_URL = "https://flexportal.example"
    module = modular["offering"].module
    made = MicrocredentialDefinition(
        module=module,
        title="Data for Professionals",
        learning_outcomes="Builds a data pipeline",
        ec=Decimal("5"),
        eqf_level=6,
        assessment_type="Project, graded",
        participation_form="Online",
        quality_assurance="Accredited programme (NVAO)",
        awarding_institution=module.institution,
    )
    made.full_clean()
    made.save()
    return made


def _ended_and_registered(modular):
    request = registered(modular).request
    EnrolmentRequest.objects.filter(pk=request.pk).update(status=Status.REGISTERED)
    offering = modular["offering"]
    ended = timezone.localdate() - dt.timedelta(days=1)
    type(offering).objects.filter(pk=offering.pk).update(start_date=ended - dt.timedelta(days=30), end_date=ended)
    return request, ended


def _record(modular, request, ended, score, ec="5"):
    return result_record(
        user=modular["staff"]["admissions"],
        request_id=request.pk,
        data=ResultInput(scale="1-10", score=score, ec=Decimal(ec), assessed_on=ended, examiner="", attempt=1),
    )


def test_a_passing_module_result_issues_the_credential_without_a_home_board(
    modular, definition, django_capture_on_commit_callbacks
):
    request, ended = _ended_and_registered(modular)
    with django_capture_on_commit_callbacks(execute=True):
        result = _record(modular, request, ended, "7.5")
    credential = IssuedCredential.objects.get(result=result)
    assert (credential.holder, credential.definition) == (modular["professional"], definition)
    assert credential_verify(json.loads(credential.document)).verdict == VALID


def test_a_failing_module_result_issues_nothing(modular, definition, django_capture_on_commit_callbacks):
    request, ended = _ended_and_registered(modular)
    with django_capture_on_commit_callbacks(execute=True):
        _record(modular, request, ended, "4.0", ec="0")
    assert not IssuedCredential.objects.exists()
