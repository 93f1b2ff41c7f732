"""Writes of tuition and the ledger: an institution's tuition policy, and charges, corrections and credits on a
student's ledger.

The posting services are called by the services that decided to post (own pace agrees or changes an EC
contract; a resit is recorded), which have authorised their actor already; they lock the student's profile row
so postings to one ledger are serialised, and write nothing when they refuse. Every amount passes through
``billing.money.to_cents`` once, here."""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import StudentProfile
from billing.models_tuition import LedgerEntry, TuitionPolicy
from billing.money import to_cents
from billing.tuition import amount_for, annual_fee, policy_for, surcharge_check
from billing.tuition_errors import (
    AMOUNT_ZERO,
    CHARGE_NOT_POSITIVE,
    CORRECTS_OTHER_STUDENT,
    CREDIT_NOT_POSITIVE,
    LedgerEntryNotFoundError,
    LedgerError,
    TuitionError,
)
from institutions.models import AcademicYear
from results.models import Result

RESIT_DESCRIPTION = _("Resit %(code)s (attempt %(attempt)s, %(ec)s EC)")


def tuition_policy_set(*, institution, surcharge_percent: Decimal, resit_charged: bool) -> TuitionPolicy:
    """Set an institution's tuition policy. Raises TuitionError (surcharge negative or over the zone's cap);
    then nothing is written. Idempotent."""
    percent = surcharge_check(Decimal(surcharge_percent))
    with transaction.atomic():
        policy, _created = TuitionPolicy.objects.select_for_update().get_or_create(institution=institution)
        policy.surcharge_percent = percent
        policy.resit_charged = bool(resit_charged)
        policy.full_clean()
        policy.save()
    return policy


def _lock_student(student_id: int) -> StudentProfile:
    return StudentProfile.objects.select_for_update(of=("self",)).select_related("home_institution").get(pk=student_id)


def ledger_charge(
    *, student_id: int, institution, amount: Decimal, description: str, reference: str = "", user=None
) -> LedgerEntry:
    """Post a charge (a positive amount). With a ``reference`` it is posted once: a second call with the same
    reference returns the first entry. Raises LedgerError for an amount that is not positive."""
    amount = to_cents(Decimal(amount))
    if amount <= 0:
        raise LedgerError(CHARGE_NOT_POSITIVE, code="charge_not_positive")
    with transaction.atomic():
        student = _lock_student(student_id)
        if reference:
            existing = LedgerEntry.objects.filter(student=student, kind="charge", reference=reference).first()
            if existing is not None:
                return existing
        return LedgerEntry.objects.create(
            student=student,
            institution=institution,
            kind=LedgerEntry.Kind.CHARGE,
            amount=amount,
            description=description[:300],
            reference=reference,
            posted_by=_actor(user),
        )


def ledger_correct(
    *, student_id: int, corrects_id: int, amount: Decimal, description: str, reference: str = "", user=None
) -> LedgerEntry:
    """Post a correction of entry ``corrects_id`` on the same student's ledger: a signed, non-zero amount added
    to the balance. Raises LedgerEntryNotFoundError (404) for an entry of another student or none, LedgerError
    for a zero amount."""
    amount = to_cents(Decimal(amount))
    if amount == 0:
        raise LedgerError(AMOUNT_ZERO, code="amount_zero")
    with transaction.atomic():
        student = _lock_student(student_id)
        corrected = LedgerEntry.objects.filter(pk=corrects_id).first()
        if corrected is None:
            raise LedgerEntryNotFoundError()
        if corrected.student_id != student.pk:
            raise LedgerError(CORRECTS_OTHER_STUDENT, code="corrects_other_student")
        return LedgerEntry.objects.create(
            student=student,
            institution=corrected.institution,
            kind=LedgerEntry.Kind.CORRECTION,
            amount=amount,
            description=description[:300],
            reference=reference,
            corrects=corrected,
            posted_by=_actor(user),
        )


def ledger_credit(*, student_id: int, institution, amount: Decimal, description: str, user=None) -> LedgerEntry:
    """Post a credit (money back, a waiver): ``amount`` is given positive and taken off the balance. Raises
    LedgerError for an amount that is not positive."""
    amount = to_cents(Decimal(amount))
    if amount <= 0:
        raise LedgerError(CREDIT_NOT_POSITIVE, code="credit_not_positive")
    with transaction.atomic():
        student = _lock_student(student_id)
        return LedgerEntry.objects.create(
            student=student,
            institution=institution,
            kind=LedgerEntry.Kind.CREDIT,
            amount=-amount,
            description=description[:300],
            posted_by=_actor(user),
        )


def _actor(user):
    return user if getattr(user, "is_authenticated", False) else None


def resit_charge(*, result_id: int) -> LedgerEntry | None:
    """Charge a resit (a result of attempt 2 or later) again, if the student's home institution charges resits
    and a statutory fee is set for the academic year it falls in. Idempotent: one charge per result
    ("resit:<result id>"). Returns the charge, or None when nothing is due."""
    result = (
        Result.objects.select_related("request__student__home_institution", "request__offering__course")
        .filter(pk=result_id)
        .first()
    )
    if result is None or result.attempt < 2:
        return None
    if result.corrects_id and result.corrects.attempt == result.attempt:
        return None  # a correction of the same attempt is not a new attempt
    student = result.request.student
    home = student.home_institution
    policy = policy_for(home)
    if not policy.resit_charged:
        return None
    year = AcademicYear.objects.filter(
        institution=home, start_date__lte=result.assessed_on, end_date__gte=result.assessed_on
    ).first()
    if year is None:
        return None
    try:
        fee = annual_fee(year.name)
    except TuitionError:  # no fee set for the year: nothing can be charged yet
        return None
    ec = result.request.offering.teachable.ec
    amount = amount_for(fee, policy.surcharge_percent, ec)
    title = result.request.offering.teachable.code
    try:
        return ledger_charge(
            student_id=student.pk,
            institution=home,
            amount=amount,
            description=str(RESIT_DESCRIPTION) % {"code": title, "attempt": result.attempt, "ec": ec},
            reference=f"resit:{result.pk}",
        )
    except IntegrityError:  # the same resit posted by a concurrent call: the constraint kept it to one
        return LedgerEntry.objects.get(student=student, kind="charge", reference=f"resit:{result.pk}")
