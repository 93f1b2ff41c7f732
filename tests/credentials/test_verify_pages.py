"""The public verification page, the JSON API and the holder's credentials page."""

import json

import pytest
import segno
from django.core.files.uploadedfile import SimpleUploadedFile

from credentials import verification
from credentials.models import IssuedCredential
from credentials.services import credential_revoke

from .conftest import BASE_URL
from .world import recognised_pass, zone

__all__ = ["zone"]

pytestmark = pytest.mark.django_db

API = "/api/credentials/verify/"
PAGE = "/credentials/verify/"


@pytest.fixture
def issued(zone, django_capture_on_commit_callbacks):
    result = recognised_pass(zone, django_capture_on_commit_callbacks)
    return IssuedCredential.objects.get(result=result)


def link_of(credential) -> str:
    return f"{BASE_URL}/credentials/{credential.public_id}"


def test_the_api_answers_every_check_for_a_credential_a_link_and_an_upload(client, issued):
    document = json.loads(issued.document)
    by_body = client.post(API, {"credential": document}, content_type="application/json")
    by_link = client.post(API, {"url": link_of(issued)}, content_type="application/json")
    upload = SimpleUploadedFile("c.json", issued.document.encode(), content_type="application/json")
    by_file = client.post(API, {"file": upload})
    for response in (by_body, by_link, by_file):
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["verdict"] == "valid"
        assert [check["check"] for check in body["checks"]] == [
            "json_ld",
            "terms",
            "issuer",
            "proof",
            "dates",
            "status",
        ]


def test_the_api_reads_a_revocation(client, issued, zone):
    credential_revoke(user=zone.host_board, credential_id=issued.public_id, reason="Exam fraud established")
    body = client.post(API, {"url": link_of(issued)}, content_type="application/json").json()
    assert body["verdict"] == "revoked"
    assert "Exam fraud established" in body["checks"][-1]["reason"]


def test_the_api_refuses_bad_input_with_a_400_and_a_message(client, zone):
    malformed = client.post(API, "{not json", content_type="application/json")
    assert malformed.status_code == 400 and malformed.json()["detail"]
    huge = SimpleUploadedFile("c.json", b" " * (verification.MAX_UPLOAD_BYTES + 1), content_type="application/json")
    too_large = client.post(API, {"file": huge})
    assert too_large.status_code == 400
    assert too_large.json()["code"] == "too_large"
    nothing = client.post(API, {}, content_type="application/json")
    assert nothing.status_code == 400 and nothing.json()["code"] == "nothing_given"
    foreign = client.post(API, {"url": "https://elsewhere.example/c/1"}, content_type="application/json")
    assert foreign.status_code == 400 and foreign.json()["code"] == "foreign_link"
    listed = client.post(API, {"credential": [1]}, content_type="application/json")
    assert listed.status_code == 400


def test_the_page_shows_the_verdict_for_pasted_json_and_a_link(client, issued, zone):
    response = client.post(PAGE, {"pasted": issued.document})
    assert response.status_code == 200
    assert b'data-verdict="valid"' in response.content
    assert b"This credential is valid." in response.content
    credential_revoke(user=zone.host_board, credential_id=issued.public_id, reason="Exam fraud established")
    response = client.get(PAGE, {"link": link_of(issued)})
    assert b'data-verdict="revoked"' in response.content
    assert b"Exam fraud established" in response.content


def test_the_page_puts_errors_next_to_the_field(client, zone):
    huge = SimpleUploadedFile("c.json", b" " * (verification.MAX_UPLOAD_BYTES + 1))
    response = client.post(PAGE, {"file": huge})
    assert response.status_code == 400
    assert b'id="id_file_error"' in response.content
    assert b"larger than 256 kB" in response.content
    response = client.post(PAGE, {"pasted": "{oops"})
    assert response.status_code == 400 and b'id="id_pasted_error"' in response.content
    response = client.post(PAGE, {"link": "https://elsewhere.example/x"})
    assert response.status_code == 400 and b'id="id_link_error"' in response.content


def test_the_holders_page_offers_the_stored_text_a_share_link_and_its_qr_code(client, issued, zone):
    client.force_login(zone.student.user)
    page = client.get("/credentials/mine/")
    assert page.status_code == 200
    link = link_of(issued)
    assert link.encode() in page.content
    assert segno.make(link, error="m").svg_inline(scale=4, title=link).encode() in page.content
    download = client.get(f"/credentials/mine/{issued.public_id}.json")
    assert download.content == issued.document.encode()
    assert "attachment" in download["Content-Disposition"]
    home = client.get("/")
    assert b'href="/credentials/mine/"' in home.content


def test_only_the_holder_downloads(client, issued, zone):
    client.force_login(zone.host_board)
    assert client.get(f"/credentials/mine/{issued.public_id}.json").status_code == 404
    assert b'href="/credentials/mine/"' not in client.get("/").content


def test_the_awarding_board_revokes_from_its_page_with_a_reason(client, issued, zone):
    client.force_login(zone.host_board)
    page = client.get(f"/credentials/awarded/{zone.host.code}/")
    assert str(issued.public_id).encode() in page.content
    url = f"/credentials/awarded/{zone.host.code}/{issued.public_id}/revoke/"
    client.post(url, {"reason": ""})
    issued.refresh_from_db()
    assert issued.status == "issued"
    client.post(url, {"reason": "Exam fraud established"})
    issued.refresh_from_db()
    assert (issued.status, issued.revocation_reason) == ("revoked", "Exam fraud established")
