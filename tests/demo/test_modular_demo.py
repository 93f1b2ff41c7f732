"""seed_demo includes a professional (``professional@``) with module registrations and invoices, made through
the services: a module-only learner with no home institution, admitted by the VU, one invoice paid."""

import pytest

from accounts.models import StudentProfile
from billing.models_invoices import Invoice
from billing.modules_selectors import stackable_progress
from demo.seeder import DEMO_PASSWORD, DemoSeeder, demo_email
from enrolment.models import EnrolmentRequest

pytestmark = pytest.mark.django_db


def test_the_demo_professional_has_registrations_and_invoices():
    DemoSeeder(offerings=300).run()
    professional = StudentProfile.objects.get(user__email=demo_email("professional"))
    assert professional.user.check_password(DEMO_PASSWORD)
    assert (professional.kind, professional.home_institution_id, professional.programme_id) == (
        "professional",
        None,
        None,
    )
    invoices = list(Invoice.objects.filter(learner=professional).select_related("request"))
    assert invoices, "the demo professional has no invoice"
    assert {i.request.route for i in invoices} == {"modular"}
    assert all(i.request.home_institution_id is None and i.request.status == "registered" for i in invoices)
    assert sorted(i.payment_status for i in invoices)[-1] == "paid"
    assert stackable_progress(professional)[0].in_progress
    # Seeding again changes nothing.
    counts = (Invoice.objects.count(), EnrolmentRequest.objects.count())
    DemoSeeder(offerings=300).run()
    assert (Invoice.objects.count(), EnrolmentRequest.objects.count()) == counts
