"""factory_boy factories that keep related objects consistent: an offering's institution is its
course's institution, its period belongs to that institution's calendar, and so on."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import factory
from django.utils import timezone

from accounts.models import StaffRole, StudentProfile, User
from catalogue.models import Course, Level, Mode, Module, Offering, Theme
from institutions.models import AcademicPeriod, AcademicYear, Institution, Programme
from institutions.routes import Route

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"inst{n}")
    short_name = factory.LazyAttribute(lambda o: o.code.upper())
    name_nl = factory.LazyAttribute(lambda o: f"Hogeschool {o.code}")
    name_en = factory.LazyAttribute(lambda o: f"{o.code} University of Applied Sciences")
    brin = factory.Sequence(lambda n: f"{10 + n % 90:02d}X{n % 10}")
    schac_home = factory.LazyAttribute(lambda o: f"{o.code}.example.nl")
    kind = Institution.Kind.APPLIED_SCIENCES
    city = "Utrecht"
    # Every route piloted unless a test says otherwise: the enrol form offers what an offering suits.
    piloted_routes = factory.LazyFunction(lambda: list(Route.values))


class AcademicYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AcademicYear

    institution = factory.SubFactory(InstitutionFactory)
    name = "2026-2027"
    start_date = dt.date(2026, 8, 31)
    end_date = dt.date(2027, 8, 29)


class AcademicPeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AcademicPeriod

    academic_year = factory.SubFactory(AcademicYearFactory)
    institution = factory.SelfAttribute("academic_year.institution")
    kind = AcademicPeriod.Kind.QUARTER
    sequence = factory.Sequence(lambda n: n + 1)
    name_nl = factory.LazyAttribute(lambda o: f"Periode {o.sequence}")
    name_en = factory.LazyAttribute(lambda o: f"Quarter {o.sequence}")
    start_date = dt.date(2027, 2, 1)
    end_date = dt.date(2027, 4, 16)


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme

    institution = factory.SubFactory(InstitutionFactory)
    croho_code = factory.Sequence(lambda n: f"{30000 + n:05d}")
    name_nl = "Informatica"
    name_en = "Computer Science"
    level = Programme.Level.BACHELOR
    language = "nl"


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"theme-{n}")
    name_nl = factory.LazyAttribute(lambda o: f"Thema {o.code}")
    name_en = factory.LazyAttribute(lambda o: f"Theme {o.code}")
    bit = factory.Sequence(lambda n: n % 24)


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    institution = factory.SubFactory(InstitutionFactory)
    code = factory.Sequence(lambda n: f"CRS{n:04d}")
    title_nl = "Inleiding duurzame energie"
    title_en = "Introduction to Sustainable Energy"
    description_nl = "Je leert over zonne- en windenergie."
    description_en = "You learn about solar and wind energy."
    ec = Decimal("5")
    level = Level.BACHELOR
    eqf_level = 6
    language = "nl"
    suitable_routes = factory.LazyFunction(lambda: ["off_the_beaten_path"])


class ModuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Module

    institution = factory.SubFactory(InstitutionFactory)
    code = factory.Sequence(lambda n: f"MOD{n:04d}")
    title_nl = "Module data voor professionals"
    title_en = "Data for Professionals"
    ec = Decimal("5")
    level = Level.POSTGRADUATE
    eqf_level = 7
    language = "en"
    is_microcredential = True
    suitable_routes = factory.LazyFunction(lambda: ["modular"])


class OfferingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offering

    course = factory.SubFactory(CourseFactory)
    module = None
    institution = factory.LazyAttribute(lambda o: (o.course or o.module).institution)
    period = factory.LazyAttribute(lambda o: AcademicPeriodFactory(academic_year__institution=o.institution))
    start_date = factory.SelfAttribute("period.start_date")
    end_date = factory.SelfAttribute("period.end_date")
    enrol_opens_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=7))
    enrol_closes_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=7))
    capacity = 30
    mode = Mode.ON_CAMPUS
    city = factory.SelfAttribute("institution.city")
    visible_partners = True


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"user{n}@example.nl")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User {n}")
    password = factory.django.Password("correct horse battery staple")


class StudentProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StudentProfile

    user = factory.SubFactory(UserFactory)
    home_institution = factory.SubFactory(InstitutionFactory)
    programme = factory.LazyAttribute(lambda o: ProgrammeFactory(institution=o.home_institution))
    student_number = factory.Sequence(lambda n: f"S{n:07d}")


class StaffRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffRole

    user = factory.SubFactory(UserFactory)
    institution = factory.SubFactory(InstitutionFactory)
    role = StaffRole.Role.HOME_APPROVER


def open_offering(host: Institution, *, code: str, title_en: str, capacity: int, ec: int = 5) -> Offering:
    """A course of ``host`` with one run in a spring period, its enrolment window open now (since yesterday,
    ten more days) and its withdrawal deadline in twenty: the run the enrolment, sync and webhook zones share."""
    now = timezone.now()
    period = AcademicPeriodFactory(
        academic_year__institution=host, start_date=dt.date(2027, 2, 1), end_date=dt.date(2027, 4, 16)
    )
    return OfferingFactory(
        course=CourseFactory(institution=host, code=code, title_en=title_en, ec=ec),
        period=period,
        capacity=capacity,
        enrol_opens_at=now - dt.timedelta(days=1),
        enrol_closes_at=now + dt.timedelta(days=10),
        withdraw_deadline=now + dt.timedelta(days=20),
    )
