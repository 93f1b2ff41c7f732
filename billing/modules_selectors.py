"""Reads for module-only learners: the modules open to them, their registrations with progress and invoice,
their completed modules stacked toward larger wholes, and the host staff's list of learners' invoices.

``stackable_progress`` is the one read of what a learner's completed modules add up to; microcredentials
(#11) may build on it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.models import StudentProfile
from billing.invoices_errors import InvoiceNotFoundError, NotInvoiceStaffError
from billing.models_invoices import Invoice
from catalogue.models import Offering
from enrolment.models import ACTIVE_STATES, EnrolmentRequest, Status
from enrolment.permissions import HOST_ROLES, staff_institution_ids
from institutions.models import Institution, Programme
from results.models import Result


def learner_of(user) -> StudentProfile | None:
    """The user's profile if they are a module-only learner (professional or guest), else None."""
    if not user.is_authenticated:
        return None
    profile = StudentProfile.objects.filter(user_id=user.pk).first()
    return profile if profile is not None and profile.is_module_only else None


def modules_open_to(learner: StudentProfile) -> QuerySet[Offering]:
    """The module offerings a learner may register for now: open for registration, marked visible to their
    kind, priced for module-only learners, and not a module they take or completed already."""
    now = timezone.now()
    kind_visible = Q(visible_professionals=True) if learner.kind == "professional" else Q(visible_guests=True)
    taken = EnrolmentRequest.objects.filter(
        student=learner, status__in=[*ACTIVE_STATES, Status.COMPLETED], offering__module__isnull=False
    ).values("offering__module_id")
    return (
        Offering.objects.filter(kind_visible, module__isnull=False, price_module_only__isnull=False, is_archived=False)
        .filter(enrol_opens_at__lte=now, enrol_closes_at__gt=now)
        .exclude(module_id__in=taken)
        .select_related("module", "institution")
        .order_by("start_date", "pk")
    )


def _current_results() -> Prefetch:
    # The result that counts: the latest one no later result corrects.
    return Prefetch(
        "results", queryset=Result.objects.filter(corrected_by__isnull=True).order_by("-pk"), to_attr="current"
    )


@dataclass
class Registration:
    request: EnrolmentRequest
    invoice: Invoice | None
    result: Result | None

    @property
    def passed(self) -> bool:
        return self.request.status == Status.COMPLETED and self.result is not None and self.result.passed


def module_registrations(learner: StudentProfile) -> list[Registration]:
    """The learner's module registrations, newest first, each with its invoice and current result."""
    requests = (
        EnrolmentRequest.objects.filter(student=learner, offering__module__isnull=False)
        .exclude(status=Status.DRAFT)
        .select_related("offering__module", "host_institution", "invoice")
        .prefetch_related(_current_results())
        .order_by("-created_at", "-pk")
    )
    return [
        Registration(request=r, invoice=getattr(r, "invoice", None), result=(r.current[0] if r.current else None))
        for r in requests
    ]


@dataclass
class StackedWhole:
    """A larger whole (a programme) and the learner's modules that stack into it."""

    programme: Programme
    completed: list[Registration] = field(default_factory=list)
    in_progress: list[Registration] = field(default_factory=list)
    ec_total: Decimal = Decimal("0")

    @property
    def ec_completed(self) -> Decimal:
        return sum((r.request.offering.module.ec for r in self.completed), Decimal("0"))


def stackable_progress(learner: StudentProfile) -> list[StackedWhole]:
    """What the learner's modules add up to: per larger whole a module stacks into (``Module.stacks_into``),
    the modules completed with a passing result, those still under way, and the EC of all the modules that
    stack into it. Wholes in the order of their names; only those the learner has a module toward."""
    wholes: dict[int, StackedWhole] = {}
    for registration in module_registrations(learner):
        module = registration.request.offering.module
        if module.stacks_into_id is None or registration.request.status not in (*ACTIVE_STATES, Status.COMPLETED):
            continue
        if module.stacks_into_id not in wholes:
            programme = Programme.objects.get(pk=module.stacks_into_id)
            total = sum((m.ec for m in programme.stackable_modules.all()), Decimal("0"))
            wholes[module.stacks_into_id] = StackedWhole(programme=programme, ec_total=total)
        whole = wholes[module.stacks_into_id]
        if registration.passed:
            if all(r.request.offering.module_id != module.pk for r in whole.completed):
                whole.completed.append(registration)
        elif registration.request.status != Status.COMPLETED:
            whole.in_progress.append(registration)
    return sorted(wholes.values(), key=lambda w: w.programme.name_en)


def invoice_of_learner(user, public_id) -> Invoice:
    """One of the user's own invoices; anyone else's, or an unknown or malformed id: InvoiceNotFoundError."""
    try:
        return (
            Invoice.objects.select_related("request__offering__module", "host_institution")
            .prefetch_related("payment_history")
            .get(public_id=uuid.UUID(str(public_id)), learner__user_id=user.pk)
        )
    except (Invoice.DoesNotExist, ValueError, TypeError, AttributeError):
        raise InvoiceNotFoundError() from None


def invoice_institutions(user) -> list[Institution]:
    """The institutions whose learners' invoices ``user`` keeps (host admissions); NotInvoiceStaffError
    (403) for anyone without that role anywhere."""
    ids = staff_institution_ids(user, HOST_ROLES) if user.is_authenticated else []
    if not ids:
        raise NotInvoiceStaffError()
    return list(Institution.objects.filter(pk__in=ids).order_by("short_name"))


def host_invoices(user) -> QuerySet[Invoice]:
    """The learners' invoices of the institutions ``user`` keeps them for, newest first, with their
    registration, learner and history. Own institutions only."""
    institutions = invoice_institutions(user)
    return (
        Invoice.objects.filter(host_institution__in=institutions)
        .select_related("request__offering__module", "learner__user", "host_institution")
        .prefetch_related("payment_history__actor")
        .order_by("-created_at", "-pk")
    )
