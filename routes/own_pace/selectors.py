"""Reads of own pace, always through its permissions: the student's plan with its checks and projected
completion, their contracts with history and tuition, and the staff's view of their own institution's
contracts and a student's ledger.

The projected completion date is computed here, from the results as they stand at each read (the passing
current results and recognised credit entries of ``results``), rather than stored and kept up to date by a
subscription: a result recorded, corrected or recognised shows at once, and there is no copy to go stale."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import StudentProfile
from billing.ledger import ledger_balance, ledger_rows
from billing.tuition import tuition_quote
from billing.tuition_errors import TuitionError
from catalogue.models import Offering
from core.i18n import lazy_format
from institutions.models import AcademicPeriod, AcademicYear, Institution
from results.models import Result
from routes.own_pace import errors, rules
from routes.own_pace.models import ContractEvent, EcContract, PlannedCourse, StudyPlan
from routes.own_pace.permissions import staff_institution_ids, student_of


@dataclass
class PeriodRow:
    period: AcademicPeriod
    courses: list[PlannedCourse] = field(default_factory=list)
    ec: Decimal = Decimal("0")
    overloaded: bool = False


@dataclass
class PlanOverview:
    student: StudentProfile
    plan: StudyPlan | None
    periods: list[PeriodRow]
    warnings: list[str]
    completed_ec: Decimal
    programme_ec: Decimal
    planned_ec: Decimal
    pace: Decimal
    projected_completion: dt.date | None
    max_ec_per_period: Decimal


def plan_overview(user) -> PlanOverview:
    """The student's plan per period with its warnings (overload above the institution's maximum per period, a
    prerequisite neither completed nor planned earlier) and the projected completion date."""
    student = student_of(user)
    institution_rules = rules.rules_for(student.home_institution)
    plan = StudyPlan.objects.filter(student=student, programme_id=student.programme_id).first()
    planned = (
        list(
            PlannedCourse.objects.filter(plan=plan)
            .select_related("course__institution", "period", "offering__institution")
            .prefetch_related("course__prerequisites")
            .order_by("period__start_date", "course__code")
        )
        if plan
        else []
    )
    completed_ids = rules.completed_course_ids(student)
    by_period: dict[int, PeriodRow] = {}
    for item in planned:
        row = by_period.setdefault(item.period_id, PeriodRow(period=item.period))
        row.courses.append(item)
        if item.course_id not in completed_ids:
            row.ec += item.course.ec
    warnings: list[str] = []
    for row in by_period.values():
        if row.ec > institution_rules.max_ec_per_period:
            row.overloaded = True
            warnings.append(
                str(
                    lazy_format(
                        _("Overload: %(ec)s EC planned in %(period)s, above your institution's maximum of %(max)s."),
                        ec=_plain(row.ec),
                        period=row.period.name,
                        max=_plain(institution_rules.max_ec_per_period),
                    )
                )
            )
    position = {item.course_id: item.period for item in planned}
    for item in planned:
        for prerequisite in item.course.prerequisites.all():
            if prerequisite.pk in completed_ids:
                continue
            if prerequisite.pk not in position:
                warnings.append(
                    _("%(course)s needs %(prerequisite)s first: you have neither completed nor planned it.")
                    % {"course": item.course.code, "prerequisite": prerequisite.code}
                )
    completed = rules.completed_ec(student)
    total = rules.programme_ec(student.programme) if student.programme_id else Decimal("0")
    pace = _pace(student)
    projected = rules.projected_completion(
        total=total,
        completed=completed,
        planned=[(row.period.end_date, row.ec) for row in by_period.values()],
        pace=pace,
        today=timezone.localdate(),
    )
    rows = sorted(by_period.values(), key=lambda r: r.period.start_date)
    return PlanOverview(
        student=student,
        plan=plan,
        periods=rows,
        warnings=warnings,
        completed_ec=completed,
        programme_ec=total,
        planned_ec=sum((r.ec for r in rows), Decimal("0")),
        pace=pace,
        projected_completion=projected if student.programme_id else None,
        max_ec_per_period=institution_rules.max_ec_per_period,
    )


def _pace(student) -> Decimal:
    """EC a year: the current academic year's contract, else the latest contract, else none."""
    today = timezone.localdate()
    contracts = list(EcContract.objects.filter(student=student).select_related("academic_year"))
    for contract in contracts:
        if contract.academic_year.start_date <= today <= contract.academic_year.end_date:
            return Decimal(contract.ec)
    return Decimal(contracts[0].ec) if contracts else Decimal("0")


def _plain(value: Decimal) -> str:
    return format(Decimal(value).normalize(), "f")


def plannable_periods(user) -> QuerySet[AcademicPeriod]:
    """The periods of the student's home calendar that have not ended, in order."""
    student = student_of(user)
    return AcademicPeriod.objects.filter(
        institution_id=student.home_institution_id, end_date__gte=timezone.localdate()
    ).order_by("start_date", "pk")


def offerings_of_course(course_id) -> QuerySet[Offering]:
    return (
        Offering.objects.filter(course_id=course_id, is_archived=False)
        .select_related("institution", "period")
        .order_by("start_date", "pk")
    )


def contract_years(user) -> QuerySet[AcademicYear]:
    """The academic years of the home institution a student may propose a contract for: not ended, none yet."""
    student = student_of(user)
    taken = EcContract.objects.filter(student=student).values_list("academic_year_id", flat=True)
    return (
        AcademicYear.objects.filter(institution_id=student.home_institution_id, end_date__gte=timezone.localdate())
        .exclude(pk__in=taken)
        .order_by("start_date")
    )


@dataclass
class ContractView:
    contract: EcContract
    events: list[ContractEvent]
    deadline: dt.date
    changeable: bool
    quote: object | None
    quote_error: str


def contracts_of(user) -> list[ContractView]:
    """The student's contracts, newest year first, with history, change deadline and tuition."""
    student = student_of(user)
    return _views(
        EcContract.objects.filter(student=student)
        .select_related("academic_year", "student__home_institution")
        .prefetch_related(Prefetch("events", queryset=ContractEvent.objects.select_related("actor").order_by("pk")))
        .order_by("-academic_year__start_date"),
        rules.rules_for(student.home_institution),
    )


def _views(contracts, institution_rules) -> list[ContractView]:
    today = timezone.localdate()
    views = []
    for contract in contracts:
        deadline = rules.change_deadline(contract.academic_year, institution_rules)
        quote, problem = None, ""
        try:
            quote = tuition_quote(
                institution=contract.student.home_institution,
                academic_year=contract.academic_year.name,
                ec=contract.ec,
                resit_ec=resit_ec(contract.student, contract.academic_year),
            )
        except TuitionError as error:
            problem = str(error.message)
        views.append(
            ContractView(
                contract=contract,
                events=list(contract.events.all()),
                deadline=deadline,
                changeable=today <= deadline,
                quote=quote,
                quote_error=problem,
            )
        )
    return views


def resit_ec(student, academic_year) -> Decimal:
    """EC of the student's resits (results of attempt 2 or later, not corrections of the same attempt) assessed
    in ``academic_year``."""
    total = Decimal("0")
    results = Result.objects.filter(
        request__student=student,
        attempt__gte=2,
        assessed_on__gte=academic_year.start_date,
        assessed_on__lte=academic_year.end_date,
    ).select_related("corrects", "request__offering__course", "request__offering__module")
    for result in results:
        if result.corrects_id and result.corrects.attempt == result.attempt:
            continue
        total += result.request.offering.teachable.ec
    return total


def contract_of(user, contract_id) -> EcContract:
    student = student_of(user)
    contract = EcContract.objects.filter(pk=contract_id, student=student).first()
    if contract is None:
        raise errors.NotFound(errors.CONTRACT_NOT_FOUND)
    return contract


def staff_institution(user, code: str) -> Institution:
    """An institution whose own-pace contracts ``user`` handles; NotFound (404) for any other."""
    institution = Institution.objects.filter(code=code, pk__in=staff_institution_ids(user)).first()
    if institution is None:
        raise errors.NotFound()
    return institution


def staff_contracts(user, institution: Institution) -> list[ContractView]:
    """The contracts of the institution's students, proposed first, for its home approvers."""
    staff_institution(user, institution.code)
    contracts = (
        EcContract.objects.filter(student__home_institution=institution)
        .select_related("academic_year", "student__user", "student__home_institution")
        .prefetch_related(Prefetch("events", queryset=ContractEvent.objects.select_related("actor").order_by("pk")))
        .order_by("-status", "-academic_year__start_date", "student__user__last_name", "pk")
    )
    return _views(contracts, rules.rules_for(institution))


def staff_entrances(user) -> list[Institution]:
    if not user.is_authenticated:
        return []
    return list(Institution.objects.filter(pk__in=staff_institution_ids(user)).order_by("short_name"))


def student_for_staff(user, institution: Institution, student_id) -> StudentProfile:
    """A student of ``institution`` whose ledger ``user`` may read; NotFound (404) for anyone else."""
    staff_institution(user, institution.code)
    try:
        pk = int(str(student_id))
    except ValueError:
        pk = None
    student = (
        StudentProfile.objects.select_related("user", "home_institution").filter(pk=pk, home_institution=institution)
    ).first()
    if student is None:
        raise errors.NotFound(errors.STUDENT_NOT_FOUND)
    return student


def ledger_of(student) -> dict:
    return {"rows": ledger_rows(student), "balance": ledger_balance(student)}
