"""Demo module-only learner: ``professional@`` (Pat Jansen, a professional without a home institution) has
registered for two Vrije Universiteit modules through billing's module registration, with the invoice data;
the VU's admissions (``admissions.vu@``) admitted them where the module selects, and marked one invoice paid.
The modules stack into a VU programme, so **My modules** shows progress toward it.

Everything goes through the services (learner profile, module registration, host admission, payment status).
Idempotent: a learner with registrations already is left as they are.
"""

from __future__ import annotations

from django.utils import timezone

from accounts.models import StudentProfile, User
from accounts.services import learner_profile_create
from billing.models_invoices import Invoice
from billing.services.invoices import InvoiceData, invoice_payment_status_set, module_register
from catalogue.models import Offering
from core.errors import ApplicationError
from enrolment.models import Status
from enrolment.services import admission
from institutions.models import Programme

HOST = "vu"
INVOICE = InvoiceData(
    name="Pat Jansen",
    organisation="Windkracht Advies BV",
    vat_number="NL853016409B01",
    po_reference="PO-2026-0417",
    address="Stationsplein 1\n3511 ED Utrecht",
)


def seed_modular(*, email, password: str, say=print) -> int:
    """The professional, their registrations and invoices. Returns the number of invoices they have."""
    user, created = User.objects.get_or_create(
        email=email("professional"), defaults={"first_name": "Pat", "last_name": "Jansen"}
    )
    if created:
        user.set_password(password)
        user.save(update_fields=["password"])
    profile = StudentProfile.objects.filter(user=user).first() or learner_profile_create(user=user, kind="professional")
    if Invoice.objects.filter(learner=profile).exists():
        return Invoice.objects.filter(learner=profile).count()
    staff = User.objects.filter(email=email(f"admissions.{HOST}")).first()
    now = timezone.now()
    offerings = list(
        Offering.objects.filter(
            institution__code=HOST,
            module__isnull=False,
            visible_professionals=True,
            price_module_only__isnull=False,
            is_archived=False,
            enrol_opens_at__lte=now,
            enrol_closes_at__gt=now,
        )
        .select_related("module")
        .order_by("start_date", "pk")[:2]
    )
    programme = Programme.objects.filter(institution__code=HOST).order_by("pk").first()
    invoices = []
    for offering in offerings:
        if programme is not None and offering.module.stacks_into_id is None:
            offering.module.stacks_into = programme  # demo fixture: the module stacks into this programme
            offering.module.save(update_fields=["stacks_into"])
        try:
            invoice = module_register(user=user, offering_id=offering.pk, invoice=INVOICE)
        except ApplicationError as error:
            say(f"Demo professional could not register for {offering}: {error.message}")
            continue
        request = invoice.request
        request.refresh_from_db()
        if staff is not None and request.status in (Status.HOME_APPROVED, Status.WAITLISTED):
            admission.host_admit(request_id=request.pk, actor=staff)
        invoices.append(invoice)
    if invoices and staff is not None:
        invoice_payment_status_set(user=staff, invoice_id=invoices[0].public_id, status="paid", note="Demo: paid")
    say(f"Demo professional {user.email}: {len(invoices)} module registrations with invoices.")
    return len(invoices)
