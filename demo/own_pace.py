"""Demo own pace: Milan (student.eigentempo@, Hogeschool Utrecht, which pilots own pace) has a study plan over
the coming periods with a course at another institution, and an EC contract that approver.hu@ agreed and Milan
then raised mid-year, with its reason in the history and the tuition's correction on his ledger.

Everything goes through the own-pace services, as Milan and the approver would; the institution's rules,
tuition policy and the statutory fees are demo configuration. Idempotent: a student with a contract is left
as is. The fees are illustrative, not the official amounts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.db import transaction

from accounts.models import StaffRole, StudentProfile, User
from billing.models_tuition import StatutoryFee, TuitionPolicy
from catalogue.models import Course, Offering
from core.errors import ApplicationError
from institutions.models import AcademicPeriod, AcademicYear, Institution
from institutions.routes import Route
from routes.own_pace import services
from routes.own_pace.models import EcContract, OwnPaceRules

HOME = "hu"
STUDENT = ("student.eigentempo", "Milan", "Koster")
APPROVER = ("approver.hu", "Kim", "Willems")
FIRST_FEE = Decimal("2601.00")
CHANGE_REASON = "Mijn bijbaan is gestopt, dus ik wil sneller afstuderen."


def _user(email: str, first: str, last: str, password: str) -> User:
    user, created = User.objects.get_or_create(email=email, defaults={"first_name": first, "last_name": last})
    if created:
        user.set_password(password)
        user.save()
    EmailAddress.objects.get_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
    return user


def seed_own_pace(*, email, password: str, today: dt.date, say=print) -> bool:
    """Returns True when it made Milan's plan and contract this time."""
    home = Institution.objects.filter(code=HOME).first()
    if home is None:
        return False
    with transaction.atomic():
        if Route.OWN_PACE not in home.piloted_routes:
            home.piloted_routes = [*home.piloted_routes, Route.OWN_PACE]
            home.save(update_fields=["piloted_routes"])
        OwnPaceRules.objects.get_or_create(
            institution=home,
            defaults={
                "min_ec_per_year": 12,
                "max_ec_per_year": 60,
                "max_ec_per_period": 15,
                "change_deadline_days": 150,
            },
        )
        TuitionPolicy.objects.get_or_create(
            institution=home, defaults={"surcharge_percent": Decimal("5"), "resit_charged": True}
        )
        for n, name in enumerate(
            AcademicYear.objects.filter(institution=home).order_by("start_date").values_list("name", flat=True)
        ):
            StatutoryFee.objects.get_or_create(academic_year=name, defaults={"annual_fee": FIRST_FEE + 94 * n})
        user = _user(email(STUDENT[0]), STUDENT[1], STUDENT[2], password)
        student, _ = StudentProfile.objects.get_or_create(
            user=user,
            defaults={
                "home_institution": home,
                "programme": home.programmes.order_by("croho_code").first(),
                "student_number": "HU2000001",
            },
        )
        approver = _user(email(APPROVER[0]), APPROVER[1], APPROVER[2], password)
        StaffRole.objects.get_or_create(user=approver, institution=home, role=StaffRole.Role.HOME_APPROVER)
        if EcContract.objects.filter(student=student).exists():
            return False
    planned = _plan(user, home, today)
    contract = _contract(user, approver, home, today)
    say(
        f"Demo own pace: student.eigentempo@ planned {planned} courses"
        + (
            f" and has a {contract.ec}-EC contract for {contract.academic_year.name}, changed once."
            if contract
            else "."
        )
    )
    return True


def _plan(user, home, today) -> int:
    """Two courses of the home institution in the next periods, and one elsewhere in a period it runs in."""
    periods = list(AcademicPeriod.objects.filter(institution=home, end_date__gte=today).order_by("start_date")[:3])
    planned = 0
    own = list(Course.objects.filter(institution=home).order_by("code")[:2])
    for course, period in zip(own, periods, strict=False):
        planned += _try(lambda c=course, p=period: services.plan_course_add(user=user, course_id=c.pk, period_id=p.pk))
    for period in periods:
        run = (
            Offering.objects.filter(course__isnull=False, institution__code="uu", is_archived=False)
            .filter(start_date__gte=period.start_date, end_date__lte=period.end_date)
            .order_by("start_date", "pk")
            .first()
        )
        if run is not None:
            planned += _try(
                lambda r=run, p=period: services.plan_course_add(
                    user=user, course_id=r.course_id, period_id=p.pk, offering_id=r.pk
                )
            )
            break
    return planned


def _try(call) -> int:
    try:
        call()
    except ApplicationError:
        return 0
    return 1


def _contract(user, approver, home, today):
    """30 EC proposed and agreed, then raised to 45 with a reason: in this academic year if its change deadline
    has not passed, else in the next one."""
    rules = OwnPaceRules.objects.get(institution=home)
    for year in AcademicYear.objects.filter(institution=home, end_date__gte=today).order_by("start_date"):
        if year.start_date + dt.timedelta(days=rules.change_deadline_days) < today:
            continue
        try:
            contract = services.contract_propose(user=user, academic_year_id=year.pk, ec=30)
            services.contract_agree(user=approver, contract_id=contract.pk)
            return services.contract_change(user=user, contract_id=contract.pk, ec=45, reason=CHANGE_REASON)
        except ApplicationError:
            return None
    return None
