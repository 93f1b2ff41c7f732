"""seed_demo gives student@ VU microcredentials, one revoked by examboard.vu@, and seeding again keeps them."""

import json

import pytest

from credentials.models import IssuedCredential
from credentials.verification import REVOKED, VALID, credential_verify
from demo.seeder import DemoSeeder, demo_email

pytestmark = pytest.mark.django_db


def test_the_demo_student_holds_credentials_one_revoked(settings):
    settings.PORTAL_BASE_URL = "https://flexportal.example"
    DemoSeeder().run()
    held = IssuedCredential.objects.filter(holder__user__email=demo_email("student"))
    assert held.count() >= 2
    assert held.filter(status="revoked", revoked_by__email=demo_email("examboard.vu")).count() == 1
    verdicts = sorted(credential_verify(json.loads(c.document)).verdict for c in held)
    assert verdicts.count(REVOKED) == 1 and set(verdicts) == {VALID, REVOKED}
    before = list(held.values_list("public_id", "status"))
    DemoSeeder().run()
    assert list(held.values_list("public_id", "status")) == before
