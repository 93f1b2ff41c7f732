"""Every write of own pace: a course into or out of the plan, an EC contract proposed, agreed or changed.

Each service authorises first (whose: the student, or a home approver of the student's institution; which
institution; which state), locks what it changes, checks the rules, and writes inside one transaction with an
audit row; a refusal raises an ``ApplicationError`` and writes nothing. Agreeing or changing a contract posts
the tuition to the student's ledger (``billing.services.tuition``) in the same transaction."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import StudentProfile
from billing.ledger import ledger_entries
from billing.services.tuition import ledger_charge, ledger_correct
from billing.tuition import tuition_quote, whole_ec
from catalogue.models import Course, Offering
from core.errors import WrongStateError
from core.i18n import lazy_format
from institutions.models import AcademicPeriod, AcademicYear
from routes.own_pace import errors, rules
from routes.own_pace.models import ContractEvent, EcContract, PlannedCourse, StudyPlan
from routes.own_pace.permissions import staff_institution_ids, student_of


def _plan_locked(student) -> StudyPlan:
    if student.programme_id is None:
        raise errors.OwnPaceError(errors.NO_PROGRAMME, code="no_programme")
    StudyPlan.objects.get_or_create(student=student, programme_id=student.programme_id)
    return StudyPlan.objects.select_for_update().get(student=student, programme_id=student.programme_id)


def plan_course_add(*, user, course_id, period_id, offering_id=None) -> PlannedCourse:
    """Plan a course in a period of the student's home calendar, optionally a run of it elsewhere.

    Locks the plan. Refuses (nothing written): an unknown course, period outside the home calendar or run of
    another course (404); a period that has ended, a run outside the period, a course already planned or
    completed, prerequisites that form a circle, a prerequisite not planned earlier or a dependent not planned
    later (400)."""
    student = student_of(user)
    today = timezone.localdate()
    with transaction.atomic():
        plan = _plan_locked(student)
        course = Course.objects.filter(pk=_int(course_id)).first()
        if course is None:
            raise errors.NotFound(errors.COURSE_NOT_FOUND)
        period = AcademicPeriod.objects.filter(pk=_int(period_id), institution_id=student.home_institution_id).first()
        if period is None:
            raise errors.NotFound(errors.PERIOD_NOT_FOUND)
        offering = None
        if offering_id not in (None, ""):
            offering = Offering.objects.filter(pk=_int(offering_id), course=course).first()
            if offering is None:
                raise errors.NotFound(errors.OFFERING_NOT_FOUND)
        if period.end_date < today:
            raise errors.OwnPaceError(errors.PERIOD_ENDED, code="period_ended")
        if offering is not None and not (
            offering.start_date <= period.end_date and offering.end_date >= period.start_date
        ):
            raise errors.OwnPaceError(errors.OFFERING_OUTSIDE_PERIOD, code="offering_outside_period")
        if plan.courses.filter(course=course).exists():
            raise errors.OwnPaceError(errors.ALREADY_PLANNED, code="already_planned")
        if course.pk in rules.completed_course_ids(student):
            raise errors.OwnPaceError(errors.ALREADY_COMPLETED, code="already_completed")
        cycle = rules.prerequisite_cycle(course)
        if cycle:
            raise errors.OwnPaceError(
                lazy_format(errors.CIRCULAR, course=course.code, cycle=" → ".join(c.code for c in cycle)),
                code="circular_prerequisites",
            )
        _check_order(plan, course, period)
        return PlannedCourse.objects.create(plan=plan, course=course, period=period, offering=offering)


def _check_order(plan: StudyPlan, course: Course, period: AcademicPeriod) -> None:
    """Each planned prerequisite of ``course`` ends before ``period`` starts, and each planned course that
    needs ``course`` starts after ``period`` ends."""
    planned = {p.course_id: p for p in plan.courses.select_related("course", "period")}
    for prerequisite_id in course.prerequisites.values_list("pk", flat=True):
        earlier = planned.get(prerequisite_id)
        if earlier is not None and not earlier.period.end_date < period.start_date:
            raise errors.OwnPaceError(
                lazy_format(errors.PREREQUISITE_LATER, prerequisite=earlier.course.code, course=course.code),
                code="periods_out_of_order",
            )
    for dependent_id in course.required_for.values_list("pk", flat=True):
        later = planned.get(dependent_id)
        if later is not None and not period.end_date < later.period.start_date:
            raise errors.OwnPaceError(
                lazy_format(errors.DEPENDENT_EARLIER, course=course.code, dependent=later.course.code),
                code="periods_out_of_order",
            )


def plan_course_remove(*, user, planned_id) -> None:
    """Take a course out of the student's own plan. Another student's or an unknown id: NotFound (404)."""
    student = student_of(user)
    with transaction.atomic():
        planned = PlannedCourse.objects.select_for_update().filter(pk=_int(planned_id), plan__student=student).first()
        if planned is None:
            raise errors.NotFound(errors.PLANNED_NOT_FOUND)
        planned.delete()


def _int(value) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def contract_propose(*, user, academic_year_id, ec) -> EcContract:
    """The student proposes an EC contract for an academic year of their home institution (one per year),
    within its limits; the institution then agrees it. Refuses (nothing written): a year elsewhere or unknown
    (404), a year that ended, EC fractional, not positive or outside the limits, a contract already there."""
    student = student_of(user)
    amount = whole_ec(ec)
    with transaction.atomic():
        year = AcademicYear.objects.filter(
            pk=_int(academic_year_id), institution_id=student.home_institution_id
        ).first()
        if year is None:
            raise errors.NotFound(errors.YEAR_NOT_FOUND)
        if year.end_date < timezone.localdate():
            raise errors.OwnPaceError(errors.YEAR_ENDED, code="year_ended")
        rules.ec_within_limits(amount, rules.rules_for(student.home_institution))
        # The student's row is the lock: two tabs proposing at once take turns, and the second sees the first's
        # contract (the unique constraint stands behind it).
        StudentProfile.objects.select_for_update().filter(pk=student.pk).first()
        if EcContract.objects.filter(student=student, academic_year=year).exists():
            raise errors.OwnPaceError(lazy_format(errors.CONTRACT_EXISTS, year=year.name), code="contract_exists")
        contract = EcContract.objects.create(student=student, academic_year=year, ec=amount)
        ContractEvent.objects.create(contract=contract, kind=ContractEvent.Kind.PROPOSED, to_ec=amount, actor=user)
        return contract


def _contract_for_staff(user, contract_id) -> EcContract:
    contract = (
        EcContract.objects.select_for_update(of=("self",))
        .select_related("student__home_institution", "academic_year")
        .filter(pk=_int(contract_id), student__home_institution_id__in=staff_institution_ids(user))
        .first()
    )
    if contract is None:
        raise errors.NotFound(errors.CONTRACT_NOT_FOUND)
    return contract


def contract_agree(*, user, contract_id) -> EcContract:
    """A home approver of the student's institution agrees a proposed contract; its tuition is charged on the
    student's ledger (once: "contract:<id>"). Locks the contract, then the ledger. Refuses: a contract of
    another institution or none (404), one already agreed (409), a year without a statutory fee (400)."""
    with transaction.atomic():
        contract = _contract_for_staff(user, contract_id)
        if contract.status != EcContract.Status.PROPOSED:
            raise WrongStateError(_("This contract has been agreed already."))
        quote = tuition_quote(
            institution=contract.student.home_institution, academic_year=contract.academic_year.name, ec=contract.ec
        )
        contract.status = EcContract.Status.AGREED
        contract.agreed_by = user
        contract.agreed_at = timezone.now()
        contract.save(update_fields=["status", "agreed_by", "agreed_at"])
        ContractEvent.objects.create(
            contract=contract, kind=ContractEvent.Kind.AGREED, from_ec=contract.ec, to_ec=contract.ec, actor=user
        )
        ledger_charge(
            student_id=contract.student_id,
            institution=contract.student.home_institution,
            amount=quote.contract_amount,
            description=_("Tuition %(year)s: %(ec)s EC") % {"year": contract.academic_year.name, "ec": contract.ec},
            reference=f"contract:{contract.pk}",
            user=user,
        )
        return contract


def contract_change(*, user, contract_id, ec, reason: str) -> EcContract:
    """The student changes their contract mid-year, within the institution's limits and before its change
    deadline, with a reason kept in the contract's history. An agreed contract's tuition is corrected on the
    ledger: a correction of its charge by the difference, so the contract's net charge is the new tuition.

    Locks the contract, then the ledger. Refuses (nothing written): another student's contract or none (404),
    no reason, EC fractional, not positive, unchanged or outside the limits (400), after the deadline (409)."""
    student = student_of(user)
    reason = (reason or "").strip()
    amount = whole_ec(ec)
    with transaction.atomic():
        contract = (
            EcContract.objects.select_for_update(of=("self",))
            .select_related("academic_year")
            .filter(pk=_int(contract_id), student=student)
            .first()
        )
        if contract is None:
            raise errors.NotFound(errors.CONTRACT_NOT_FOUND)
        institution_rules = rules.rules_for(student.home_institution)
        deadline = rules.change_deadline(contract.academic_year, institution_rules)
        if timezone.localdate() > deadline:
            raise errors.DeadlinePassedError(
                lazy_format(
                    errors.CHANGE_AFTER_DEADLINE, year=contract.academic_year.name, deadline=date_format(deadline)
                )
            )
        if not reason:
            raise errors.OwnPaceError(errors.REASON_REQUIRED, code="reason_required")
        rules.ec_within_limits(amount, institution_rules)
        if amount == contract.ec:
            raise errors.OwnPaceError(lazy_format(errors.CHANGE_SAME_EC, ec=amount), code="unchanged")
        previous = contract.ec
        contract.ec = amount
        contract.save(update_fields=["ec"])
        ContractEvent.objects.create(
            contract=contract,
            kind=ContractEvent.Kind.CHANGED,
            from_ec=previous,
            to_ec=amount,
            reason=reason,
            actor=user,
        )
        if contract.status == EcContract.Status.AGREED:
            _correct_tuition(contract, student, user, previous)
        return contract


def _correct_tuition(contract: EcContract, student, user, previous: int) -> None:
    charge = ledger_entries(student).filter(kind="charge", reference=f"contract:{contract.pk}").first()
    if charge is None:
        return
    net = charge.amount + sum((c.amount for c in charge.corrections.all()), Decimal("0"))
    quote = tuition_quote(
        institution=student.home_institution, academic_year=contract.academic_year.name, ec=contract.ec
    )
    difference = quote.contract_amount - net
    if difference:
        ledger_correct(
            student_id=student.pk,
            corrects_id=charge.pk,
            amount=difference,
            description=_("Contract %(year)s changed from %(old)s to %(new)s EC")
            % {"year": contract.academic_year.name, "old": previous, "new": contract.ec},
            reference=f"contract:{contract.pk}:change",
            user=user,
        )
