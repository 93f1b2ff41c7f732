"""The synthetic zone the live benchmarks (``enrolment_burst``, ``sync``) set up in their own databases:
institutions, a period, offerings and students, each created when missing so that later runs reuse them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth.hashers import MD5PasswordHasher
from django.utils import timezone

from accounts.models import StudentProfile, User
from catalogue.models import Course, Level, Mode, Offering
from institutions.models import AcademicPeriod, AcademicYear, Institution
from institutions.routes import Route


def bench_institution(code: str, brin: str, *, kind: str, integration: str) -> Institution:
    """The institution ``code``, made or brought back to these values."""
    institution, _created = Institution.objects.update_or_create(
        code=code,
        defaults={
            "short_name": code.upper(),
            "name_nl": f"Benchmark {code}",
            "name_en": f"Benchmark {code}",
            "brin": brin,
            "schac_home": f"{code}.bench.flexportal.example",
            "kind": kind,
            "city": "Utrecht",
            "integration": integration,
            # Every route piloted: the benchmarks measure enrolment, not the route each student may take.
            "piloted_routes": list(Route.values),
        },
    )
    return institution


def bench_period(institution: Institution) -> AcademicPeriod:
    """The institution's second quarter of 2027-2028."""
    year, _created = AcademicYear.objects.get_or_create(
        institution=institution,
        name="2027-2028",
        defaults={"start_date": dt.date(2027, 8, 30), "end_date": dt.date(2028, 8, 27)},
    )
    period, _created = AcademicPeriod.objects.get_or_create(
        academic_year=year,
        kind=AcademicPeriod.Kind.QUARTER,
        sequence=2,
        defaults={
            "institution": institution,
            "name_nl": "Periode 2",
            "name_en": "Quarter 2",
            "start_date": dt.date(2027, 11, 15),
            "end_date": dt.date(2028, 2, 4),
        },
    )
    return period


def bench_offering(
    host: Institution,
    period: AcademicPeriod,
    code: str,
    capacity: int,
    *,
    title_nl: str,
    title_en: str,
    description_nl: str = "",
    description_en: str = "",
) -> Offering:
    """A 5 EC course ``code`` at ``host`` with one on-campus run in ``period``, open for a week."""
    course, _created = Course.objects.get_or_create(
        institution=host,
        code=code,
        defaults={
            "title_nl": title_nl,
            "title_en": title_en,
            "description_nl": description_nl,
            "description_en": description_en,
            "ec": Decimal("5"),
            "level": Level.BACHELOR,
            "eqf_level": 6,
            "language": "nl",
        },
    )
    offering, _created = Offering.objects.get_or_create(
        course=course,
        defaults={
            "institution": host,
            "period": period,
            "start_date": period.start_date,
            "end_date": period.end_date,
            "enrol_opens_at": timezone.now() - dt.timedelta(hours=1),
            "enrol_closes_at": timezone.now() + dt.timedelta(days=7),
            "capacity": capacity,
            "mode": Mode.ON_CAMPUS,
            "city": host.city,
        },
    )
    return offering


def bench_students(
    template: str,
    count: int,
    homes: list[Institution],
    *,
    password: str,
    name: str,
    number_prefix: str,
    verified_addresses: bool,
) -> list[str]:
    """``count`` students (``template`` formatted with ``index``), spread over ``homes``, created when
    missing; their email addresses in order. One MD5 hash for all: setting up is not what is measured, and
    ``portal.settings.bench`` accepts that hasher. ``verified_addresses``: allauth's verified address, which
    logging in needs in production."""
    from allauth.account.models import EmailAddress

    emails = [template.format(index=i) for i in range(count)]
    existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
    missing = [e for e in emails if e not in existing]
    if missing:
        hashed = MD5PasswordHasher().encode(password, f"bench{name.lower()}")
        users = User.objects.bulk_create(
            [User(email=e, password=hashed, first_name=name, last_name=e.split("@")[0]) for e in missing],
            batch_size=1000,
        )
        if verified_addresses:
            EmailAddress.objects.bulk_create(
                [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users], batch_size=1000
            )
        StudentProfile.objects.bulk_create(
            [
                StudentProfile(
                    user=u, home_institution=homes[u.pk % len(homes)], student_number=f"{number_prefix}{u.pk:08d}"
                )
                for u in users
            ],
            batch_size=1000,
        )
    return emails
