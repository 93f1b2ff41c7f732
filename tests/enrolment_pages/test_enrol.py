"""The Enrol panel on the offering page and its submission, over ``requests.request_submit``."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from enrolment.errors import DUPLICATE_MESSAGE
from enrolment.forms import DIFFERENT_ALTERNATIVES_MESSAGE
from enrolment.models import EnrolmentRequest, Status
from tests.enrolment_pages.conftest import PDF
from tests.factories import OfferingFactory

pytestmark = pytest.mark.django_db


def offering_url(offering):
    return f"/catalogue/offerings/{offering.pk}/"


def enrol_url(offering):
    return f"/enrolment/offerings/{offering.pk}/enrol/"


def files_under(root):
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_anonymous_visitors_get_a_login_link(client, zone):
    page = client.get(offering_url(zone["offering"])).content.decode()
    assert "Log in to enrol" in page
    assert f"/accounts/login/?next=/catalogue/offerings/{zone['offering'].pk}/" in page
    assert 'id="enrol-form"' not in page


def test_anonymous_post_goes_to_login(client, zone):
    response = client.post(enrol_url(zone["offering"]), {"motivation": "x"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not EnrolmentRequest.objects.exists()


def test_student_sees_eligibility_checks_and_the_form(client, zone):
    client.force_login(zone["student"].user)
    page = client.get(offering_url(zone["offering"]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-check="active_enrolment" data-ok="true"' in page
    assert 'data-check="window" data-ok="true"' in page
    assert "Enrolment is open until" in page
    assert 'id="enrol-form"' in page
    for label in ("Motivation", "Supporting document (PDF, optional)", "Route", "First alternative"):
        assert label in page
    assert 'enctype="multipart/form-data"' in page


def test_a_closed_window_is_explained_and_no_form_shown(client, zone):
    offering = zone["offering"]
    offering.enrol_opens_at = timezone.now() + dt.timedelta(days=2)
    offering.enrol_closes_at = timezone.now() + dt.timedelta(days=5)
    offering.save()
    client.force_login(zone["student"].user)
    page = client.get(offering_url(offering), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-check="window" data-ok="false"' in page
    assert "Enrolment opens on" in page
    assert 'id="enrol-form"' not in page

    # Posting anyway: the service refuses with every failed rule, as a 400.
    response = client.post(enrol_url(offering), {"route": "off_the_beaten_path"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "You cannot enrol in this offering: Enrolment opens on" in response.content.decode()
    assert not EnrolmentRequest.objects.exists()


def test_timetable_warning_is_shown_but_does_not_block(client, zone):
    # Another active request overlapping in dates, timetables unknown: a warning, not a failure.
    from enrolment.services import requests

    requests.request_submit(user=zone["student"].user, offering_id=zone["selection"].pk)
    client.force_login(zone["student"].user)
    page = client.get(offering_url(zone["offering"]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-check="overlap" data-ok="false"' in page
    assert "Warning" in page
    # One verdict for the rule: the warning, not also "no overlap".
    assert page.count('data-check="overlap"') == 1 and "No overlap" not in page
    assert 'id="enrol-form"' in page


def test_staff_without_a_student_profile_cannot_enrol(client, zone):
    client.force_login(zone["staff"]["approver"])
    page = client.get(offering_url(zone["offering"]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Only students can enrol" in page
    response = client.post(enrol_url(zone["offering"]), {"route": "off_the_beaten_path"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert "You are not allowed to do this for this request." in response.content.decode()


def test_submit_with_a_pdf_and_alternatives(client, zone, media_root):
    alternative = OfferingFactory(course__institution=zone["host"], period=zone["period"], **zone["window"])
    client.force_login(zone["student"].user)
    response = client.post(
        enrol_url(zone["offering"]),
        {
            "motivation": "It fits my minor",
            "route": "off_the_beaten_path",
            "document": SimpleUploadedFile("agreement.pdf", PDF, content_type="application/pdf"),
            "alternative_1": alternative.pk,
        },
    )
    request = EnrolmentRequest.objects.get(offering=zone["offering"])
    assert response.status_code == 302
    assert response["Location"] == f"/enrolment/requests/{request.public_id}/"
    assert request.status == Status.SUBMITTED and request.motivation == "It fits my minor"
    assert request.document.name.startswith(f"enrolment/{request.public_id}/")
    assert "agreement" not in request.document.name  # never the visitor's file name on disk
    assert [p.read_bytes() for p in files_under(media_root)] == [PDF]
    draft = EnrolmentRequest.objects.get(offering=alternative)
    assert (draft.status, draft.rank, draft.choice_group) == (Status.DRAFT, 2, request.choice_group)

    # Back on the offering page the panel links to the request instead of offering a second form.
    page = client.get(offering_url(zone["offering"]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "You already have a request for this offering" in page
    assert f"/enrolment/requests/{request.public_id}/" in page
    assert 'id="enrol-form"' not in page


def test_a_second_submission_is_a_conflict(client, zone, submitted):
    client.force_login(zone["student"].user)
    response = client.post(enrol_url(zone["offering"]), {"route": "off_the_beaten_path"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    assert str(DUPLICATE_MESSAGE) in response.content.decode()
    assert EnrolmentRequest.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "content", "content_type", "message"),
    [
        ("notes.txt", b"just text", "text/plain", "Upload a PDF document."),
        ("fake.pdf", b"MZ\x90\x00 not a pdf", "application/pdf", "Upload a PDF document."),
        ("big.pdf", PDF + b"0" * (5 * 1024 * 1024), "application/pdf", "The document is too large: at most 5 MB."),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_written(client, zone, media_root, name, content, content_type, message):
    client.force_login(zone["student"].user)
    response = client.post(
        enrol_url(zone["offering"]),
        {"route": "off_the_beaten_path", "document": SimpleUploadedFile(name, content, content_type=content_type)},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page and 'role="alert"' in page
    assert not EnrolmentRequest.objects.exists()
    assert files_under(media_root) == []


@pytest.mark.parametrize(
    "alternatives",
    [
        {"alternative_1": "same"},
        {"alternative_1": 999999, "alternative_2": 999999},
    ],
)
def test_alternatives_must_differ(client, zone, alternatives):
    data = {k: (zone["offering"].pk if v == "same" else v) for k, v in alternatives.items()}
    client.force_login(zone["student"].user)
    response = client.post(
        enrol_url(zone["offering"]), {"route": "off_the_beaten_path", **data}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert str(DIFFERENT_ALTERNATIVES_MESSAGE) in response.content.decode()
    assert not EnrolmentRequest.objects.exists()


def test_an_unknown_alternative_is_bad_input_not_a_server_error(client, zone):
    client.force_login(zone["student"].user)
    response = client.post(
        enrol_url(zone["offering"]),
        {"route": "off_the_beaten_path", "alternative_1": 999999},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "The alternative you chose (999999) is no longer in the catalogue." in response.content.decode()
    assert not EnrolmentRequest.objects.exists()


def test_enrol_page_for_unknown_offering_is_404(client, zone):
    client.force_login(zone["student"].user)
    assert client.get("/enrolment/offerings/999999/enrol/").status_code == 404
    assert client.post("/enrolment/offerings/999999/enrol/", {}).status_code == 404
