"""seed_demo gives the demo professional (``professional@``) two completed VU modules that stack into a VU
programme, their module credentials and the stacked credential for the whole; seeding again keeps them."""

import json

import pytest

from accounts.models import StudentProfile
from billing.modules_selectors import stackable_progress
from credentials.models import IssuedCredential
from credentials.verification import VALID, credential_verify
from demo.seeder import DemoSeeder, demo_email

pytestmark = pytest.mark.django_db


def test_the_demo_professional_holds_a_stacked_credential(settings, client):
    settings.PORTAL_BASE_URL = "https://flexportal.example"
    DemoSeeder(offerings=300).run()
    professional = StudentProfile.objects.get(user__email=demo_email("professional"))
    (stacked,) = IssuedCredential.objects.filter(holder=professional, result__isnull=True)
    components = list(stacked.components.order_by("pk"))
    assert len(components) == 2 and all(c.result.passed and c.status == "issued" for c in components)
    assert {c.definition.module.stacks_into_id for c in components} == {stacked.definition.programme_id}
    assert credential_verify(json.loads(stacked.document)).verdict == VALID
    whole = next(w for w in stackable_progress(professional) if w.programme.pk == stacked.definition.programme_id)
    assert len(whole.completed) == 2 and whole.in_progress  # the demo's open registrations stack there too
    client.force_login(professional.user)
    page = client.get("/credentials/mine/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'data-credential="{stacked.public_id}"' in page
    assert all(f'data-component="{c.public_id}"' in page for c in components)
    before = list(IssuedCredential.objects.filter(holder=professional).values_list("public_id", "status"))
    DemoSeeder(offerings=300).run()
    assert list(IssuedCredential.objects.filter(holder=professional).values_list("public_id", "status")) == before
