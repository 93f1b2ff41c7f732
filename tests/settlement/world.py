"""A small zone with a hand-computed settlement: three institutions, their tariffs and nine requests.

Tariffs (all in the academic year 2026-2027, runs starting 2027-02-01):
- AA pays BB €33.33 per EC, for BB's academic year 2026-2027;
- BB pays AA €400.00 per course or module, open-ended from 2026-08-31;
- AA and CC have no tariff: AA's students at CC owe nothing, and the statement says so.

Requests (set up directly: history, not moves), and what each owes:
1. AA student at BB, 7.5 EC, registered               7.5 × 33.33 = 249.975
2. AA student at BB, 7.5 EC, completed                7.5 × 33.33 = 249.975
3. AA student at BB, 4.5 EC, registered, cancelled on the run's first day (no withdraw deadline: the
   cut-off is that day, so it is billable)            4.5 × 33.33 = 149.985
4. AA student at BB, 6 EC, registered, withdrawn a day after the start but before the run's withdraw
   deadline a week after the start                   nothing
5. AA student at BB, 5 EC, admitted, not registered   nothing
6. AA learner at BB, a 5 EC module, route modular, registered (invoiced, not settled)   nothing
7. BB student at AA, 5 EC, registered                 400.00 (per course)
8. AA student at CC, 5 EC, registered                 no tariff: 0.00, counted as "without tariff"
9. AA student at BB, 5 EC, registered, a run of 2025-2026   another year: not in 2026-2027's statement
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from accounts.models import StaffRole
from billing.models_settlement import Tariff, TariffBasis
from enrolment.models import EnrolmentRequest, RequestEvent, Status
from institutions.models import Institution
from institutions.routes import Route
from tests.factories import (
    AcademicPeriodFactory,
    AcademicYearFactory,
    CourseFactory,
    InstitutionFactory,
    ModuleFactory,
    OfferingFactory,
    StaffRoleFactory,
    StudentProfileFactory,
    UserFactory,
)

YEAR = "2026-2027"
START = dt.date(2027, 2, 1)
AMSTERDAM = timezone.get_fixed_timezone(60)


@dataclass
class Zone:
    aa: Institution
    bb: Institution
    cc: Institution
    users: dict


def _at(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=AMSTERDAM)


def _request(student, offering, status, *, route=Route.OFF_THE_BEATEN_PATH, events=()) -> EnrolmentRequest:
    request = EnrolmentRequest.objects.create(
        student=student,
        offering=offering,
        home_institution=student.home_institution,
        host_institution=offering.institution,
        route=route,
        submitted_at=timezone.now(),
    )
    EnrolmentRequest.objects.filter(pk=request.pk).update(status=status, home_approved_at=timezone.now())
    for to_status, at in events:
        event = RequestEvent.objects.create(request=request, to_status=to_status, reason="other")
        RequestEvent.objects.filter(pk=event.pk).update(at=at)
    return request


def build_zone() -> Zone:
    aa, bb, cc = (InstitutionFactory(code=code, short_name=code.upper()) for code in ("aa", "bb", "cc"))
    periods = {}
    for inst in (aa, bb, cc):
        year = AcademicYearFactory(institution=inst, name=YEAR)
        periods[inst.code] = AcademicPeriodFactory(academic_year=year, start_date=START, end_date=dt.date(2027, 4, 16))
    previous = AcademicPeriodFactory(
        academic_year=AcademicYearFactory(
            institution=bb, name="2025-2026", start_date=dt.date(2025, 9, 1), end_date=dt.date(2026, 8, 30)
        ),
        start_date=dt.date(2026, 2, 2),
        end_date=dt.date(2026, 4, 17),
    )

    def run(host, ec, *, period=None, module=False, **extra):
        teachable = (
            {"module": ModuleFactory(institution=host, ec=ec), "course": None}
            if module
            else {"course": CourseFactory(institution=host, ec=ec)}
        )
        return OfferingFactory(institution=host, period=period or periods[host.code], **teachable, **extra)

    student_a = StudentProfileFactory(home_institution=aa)
    student_b = StudentProfileFactory(home_institution=bb)
    registered = (Status.REGISTERED, _at(START - dt.timedelta(days=20)))

    _request(student_a, run(bb, Decimal("7.5")), Status.REGISTERED, events=[registered])  # 1
    _request(student_a, run(bb, Decimal("7.5")), Status.COMPLETED, events=[registered])  # 2
    _request(  # 3: ended on the first day; no withdraw deadline, so the cut-off is that day
        student_a, run(bb, Decimal("4.5")), Status.CANCELLED, events=[registered, (Status.CANCELLED, _at(START, 9))]
    )
    _request(  # 4: withdrawn before the run's withdraw deadline
        student_a,
        run(bb, Decimal("6"), withdraw_deadline=_at(START + dt.timedelta(days=7))),
        Status.WITHDRAWN,
        events=[registered, (Status.WITHDRAWN, _at(START + dt.timedelta(days=1)))],
    )
    _request(student_a, run(bb, Decimal("5")), Status.ADMITTED)  # 5
    _request(student_a, run(bb, Decimal("5"), module=True), Status.REGISTERED, route=Route.MODULAR)  # 6
    _request(student_b, run(aa, Decimal("5")), Status.REGISTERED, events=[registered])  # 7
    _request(student_a, run(cc, Decimal("5")), Status.REGISTERED, events=[registered])  # 8
    _request(student_a, run(bb, Decimal("5"), period=previous), Status.REGISTERED)  # 9

    Tariff.objects.create(
        payer=aa,
        payee=bb,
        basis=TariffBasis.PER_EC,
        rate=Decimal("33.33"),
        academic_year=YEAR,
        valid_from=dt.date(2026, 8, 31),
        valid_until=dt.date(2027, 8, 29),
    )
    Tariff.objects.create(
        payer=bb, payee=aa, basis=TariffBasis.PER_MODULE, rate=Decimal("400.00"), valid_from=dt.date(2026, 8, 31)
    )
    users = {
        "staff_aa": StaffRoleFactory(institution=aa, role=StaffRole.Role.HOME_APPROVER).user,
        "staff_bb": StaffRoleFactory(institution=bb, role=StaffRole.Role.HOST_ADMISSIONS).user,
        "staff_cc": StaffRoleFactory(institution=cc, role=StaffRole.Role.CATALOGUE_MANAGER).user,
        "student": student_a.user,
        "coordinator": UserFactory(is_zone_coordinator=True),
        "admin": UserFactory(is_staff=True, is_superuser=True),
    }
    return Zone(aa=aa, bb=bb, cc=cc, users=users)
