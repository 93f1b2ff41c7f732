"""Revocation (who, which institution, which state), key rotation, and the export."""

import io
import json

import pytest
from django.core.management import call_command
from django.db import connection

from core.errors import ConflictError
from credentials.errors import (
    NOT_AWARDING_BOARD_MESSAGE,
    REASON_REQUIRED_MESSAGE,
    CredentialError,
    CredentialNotFoundError,
    NotAwardingBoardError,
)
from credentials.models import IssuedCredential, IssuerKey
from credentials.services import credential_revoke, issuer_key_create

from .world import recognised_pass, revoked_through_portal, verify_through_portal, zone

__all__ = ["zone"]  # the fixture, imported for pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(zone, django_capture_on_commit_callbacks):
    result = recognised_pass(zone, django_capture_on_commit_callbacks)
    return IssuedCredential.objects.get(result=result)


def test_revocation_sets_the_bit_the_independent_verifier_reads(zone, client, issued):
    credential = json.loads(issued.document)
    assert not revoked_through_portal(client, credential)
    revoked = credential_revoke(user=zone.host_board, credential_id=issued.public_id, reason="Exam fraud established")
    assert (revoked.status, revoked.revoked_by, revoked.revocation_reason) == (
        "revoked",
        zone.host_board,
        "Exam fraud established",
    )
    assert revoked_through_portal(client, credential)
    assert verify_through_portal(client, credential)  # still authentic, but revoked


@pytest.mark.parametrize("who", ["host_admissions", "home_board", "other_board"])
def test_only_the_awarding_institutions_board_revokes(zone, issued, who):
    # host admissions: the right institution, the wrong role; the home board: the right role at the wrong
    # institution (it recognised, it did not award); another institution's board: neither.
    with pytest.raises(NotAwardingBoardError) as refused:
        credential_revoke(user=getattr(zone, who), credential_id=issued.public_id, reason="why")
    assert refused.value.message == NOT_AWARDING_BOARD_MESSAGE
    issued.refresh_from_db()
    assert issued.status == "issued"


def test_the_student_does_not_revoke(zone, issued):
    with pytest.raises(NotAwardingBoardError):
        credential_revoke(user=zone.student.user, credential_id=issued.public_id, reason="why")


def test_revocation_starts_from_issued_only_and_needs_a_reason(zone, issued):
    with pytest.raises(CredentialError) as refused:
        credential_revoke(user=zone.host_board, credential_id=issued.public_id, reason="  ")
    assert refused.value.message == REASON_REQUIRED_MESSAGE
    credential_revoke(user=zone.host_board, credential_id=issued.public_id, reason="Fraud")
    with pytest.raises(ConflictError) as refused:
        credential_revoke(user=zone.host_board, credential_id=issued.public_id, reason="Fraud again")
    assert str(refused.value.message) == "A credential that is revoked cannot be revoked."
    assert list(issued.events.values_list("verb", "from_status", "to_status", "actor", "reason")) == [
        ("issue", "", "issued", None, ""),
        ("revoke", "issued", "revoked", zone.host_board.pk, "Fraud"),
    ]


def test_an_unknown_credential_is_not_found(zone):
    with pytest.raises(CredentialNotFoundError):
        credential_revoke(user=zone.host_board, credential_id="not-a-uuid", reason="Fraud")


def test_the_secret_key_is_stored_encrypted(zone, issued):
    key = IssuerKey.objects.get(institution=zone.host)
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM credentials_issuerkey WHERE id = %s", [key.pk])
        stored = cursor.fetchone()[0]
    assert stored.startswith("fernet:") and key.secret not in stored and key.secret.startswith("z")


def test_rotation_keeps_the_earlier_credential_verifiable(zone, client, issued, django_capture_on_commit_callbacks):
    earlier = json.loads(issued.document)
    old_key = IssuerKey.objects.get(institution=zone.host)
    call_command("credential_keys", zone.host.code, "--rotate", stdout=io.StringIO())
    old_key.refresh_from_db()
    new_key = IssuerKey.objects.get(institution=zone.host, retired_at__isnull=True)
    assert old_key.retired_at is not None and new_key != old_key
    # The next credential is signed with the new key, the earlier one still verifies with the old one.
    later = json.loads(
        IssuedCredential.objects.get(result=recognised_pass(zone, django_capture_on_commit_callbacks)).document
    )
    assert later["proof"]["verificationMethod"].endswith("#" + new_key.key_id)
    assert earlier["proof"]["verificationMethod"].endswith("#" + old_key.key_id)
    assert verify_through_portal(client, earlier) and verify_through_portal(client, later)
    assert not revoked_through_portal(client, earlier)  # the list, signed with the new key, verifies too


def test_the_keys_command_creates_once(zone):
    call_command("credential_keys", zone.other.code, "--create", stdout=io.StringIO())
    assert IssuerKey.objects.filter(institution=zone.other).count() == 1
    with pytest.raises(Exception, match="has a current key already"):
        call_command("credential_keys", zone.other.code, "--create", stdout=io.StringIO())
    issuer_key_create(institution=zone.other)
    assert IssuerKey.objects.filter(institution=zone.other, retired_at__isnull=True).count() == 1


def test_the_export_writes_each_credential_exactly_as_downloaded(zone, client, issued, tmp_path):
    credential_revoke(user=zone.host_board, credential_id=issued.public_id, reason="Fraud")
    call_command("credential_export", "--all", "--out", str(tmp_path / "out"), stdout=io.StringIO())
    written = tmp_path / "out" / f"{issued.public_id}.json"
    download = client.get(f"/credentials/{issued.public_id}")
    assert [p.name for p in (tmp_path / "out").iterdir()] == [written.name]
    assert written.read_bytes() == download.content
