"""Issuing after the board's grant, verified by the independent verifier from the portal's own URLs."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from credentials.models import IssuedCredential, MicrocredentialDefinition
from credentials.services import credential_issue
from results.models import Recognition, RecognitionPrecedent
from results.services.recognition import recognition_decide
from results.services.results import ResultInput, result_record
from tests.factories import CourseFactory

from .world import definition, fetch, recognised_pass, registered, revoked_through_portal, verify_through_portal, zone

__all__ = ["zone"]  # the fixture, imported for pytest

pytestmark = pytest.mark.django_db


def test_the_boards_grant_issues_a_credential_that_verifies_from_the_portals_urls(
    zone, client, django_capture_on_commit_callbacks
):
    result = recognised_pass(zone, django_capture_on_commit_callbacks)
    issued = IssuedCredential.objects.get(result=result)
    credential = json.loads(issued.document)
    assert issued.holder == zone.student and issued.definition == zone.definition
    assert credential["credentialSubject"]["achievement"]["achievementType"] == "MicroCredential"
    assert credential["credentialSubject"]["achievement"]["grade"] == "7.5"
    assert credential["issuer"]["id"] == "https://flexportal.example/credentials/issuers/mc-host"
    assert verify_through_portal(client, credential)
    assert not revoked_through_portal(client, credential)


def test_a_tampered_credential_fails_the_independent_verifier(zone, client, django_capture_on_commit_callbacks):
    result = recognised_pass(zone, django_capture_on_commit_callbacks)
    credential = json.loads(IssuedCredential.objects.get(result=result).document)
    credential["credentialSubject"]["achievement"]["ects"] = 30
    assert not verify_through_portal(client, credential)


def test_issuing_is_idempotent(zone, django_capture_on_commit_callbacks):
    result = recognised_pass(zone, django_capture_on_commit_callbacks)
    first = IssuedCredential.objects.get(result=result)
    assert credential_issue(result=result) == first
    assert IssuedCredential.objects.count() == 1


def test_a_waiting_or_denied_credit_entry_issues_nothing(zone, django_capture_on_commit_callbacks):
    request = registered(zone)
    data = ResultInput(scale="1-10", score="7.5", ec="5", assessed_on=zone.offering.end_date)
    with django_capture_on_commit_callbacks(execute=True):
        result = result_record(user=zone.host_admissions, request_id=request.pk, data=data)
    assert credential_issue(result=result) is None
    recognition = Recognition.objects.get(request=request, kind="credit")
    with django_capture_on_commit_callbacks(execute=True):
        recognition_decide(user=zone.home_board, recognition_id=recognition.pk, recognised=False, reason="No")
    assert not IssuedCredential.objects.exists()


def test_a_course_without_a_definition_issues_nothing(zone, django_capture_on_commit_callbacks):
    MicrocredentialDefinition.objects.all().delete()
    recognised_pass(zone, django_capture_on_commit_callbacks)
    assert not IssuedCredential.objects.exists()


def test_the_published_documents_have_their_content_types(zone, client, django_capture_on_commit_callbacks):
    result = recognised_pass(zone, django_capture_on_commit_callbacks)
    issued = IssuedCredential.objects.get(result=result)
    credential = json.loads(issued.document)
    response, _ = fetch(client, credential["@context"][2])
    assert response["Content-Type"] == "application/ld+json"
    response, _ = fetch(client, credential["issuer"]["id"])
    assert response["Content-Type"] == "application/ld+json"
    response, achievement = fetch(client, credential["credentialSubject"]["achievement"]["id"])
    assert response["Content-Type"] == "application/ld+json" and achievement["ects"] == 5
    response, _ = fetch(client, credential["credentialStatus"]["statusListCredential"])
    assert response["Content-Type"] == "application/json"
    response, _ = fetch(client, credential["id"])
    assert response["Content-Type"] == "application/json"
    assert response.content.decode("utf-8") == issued.document  # exactly as stored and signed


@pytest.mark.parametrize("ec", ["2.9", "30.5"])
def test_a_definition_outside_the_size_rule_is_refused_with_a_clear_message(zone, ec):
    with pytest.raises(ValidationError) as refused:
        definition(course=CourseFactory(institution=zone.host), awarding_institution=zone.host, ec=ec)
    assert refused.value.message_dict["ec"] == [f"A microcredential is 3 to 30 EC in the pilot; this one is {ec} EC."]


def test_the_size_rule_is_configurable(zone, settings):
    settings.CREDENTIALS_EC_RANGE = (1, 60)
    made = definition(course=CourseFactory(institution=zone.host), awarding_institution=zone.host, ec="60")
    assert made.pk


def test_a_precedent_that_decides_at_once_issues_too(zone, django_capture_on_commit_callbacks):
    RecognitionPrecedent.objects.create(programme=zone.student.programme, course=zone.course, counts_as="elective")
    request = registered(zone)
    data = ResultInput(scale="1-10", score="8", ec="5", assessed_on=zone.offering.end_date)
    with django_capture_on_commit_callbacks(execute=True):
        result = result_record(user=zone.host_admissions, request_id=request.pk, data=data)
    assert Recognition.objects.get(request=request).status == "recognised"
    assert IssuedCredential.objects.get().result == result


def test_a_grant_rolled_back_issues_nothing(zone, django_capture_on_commit_callbacks):
    request = registered(zone)
    data = ResultInput(scale="1-10", score="8", ec="5", assessed_on=zone.offering.end_date)
    with django_capture_on_commit_callbacks(execute=True):
        result_record(user=zone.host_admissions, request_id=request.pk, data=data)
    recognition = Recognition.objects.get(request=request)
    capture = django_capture_on_commit_callbacks(execute=True)
    with capture as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        recognition_decide(
            user=zone.home_board, recognition_id=recognition.pk, recognised=True, reason="Fits", counts_as="minor"
        )
        raise RuntimeError("rolled back")
    assert callbacks == [] and not IssuedCredential.objects.exists()
