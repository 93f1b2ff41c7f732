"""Demo data: 21 institutions with their own calendars, programmes, a catalogue of 1,000+ offerings and
one account for every role. Deterministic (seeded random) and idempotent: a second run adds nothing.

Institution names and schacHome domains are those of real Dutch institutions so the demo reads
naturally; the BRIN codes, programmes, courses and people are illustrative demo data.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction

from accounts.models import StaffRole, StudentProfile, User
from catalogue.models import Course, Level, Mode, Module, Offering, OfferingSearch, Theme
from catalogue.services import SharedIn, course_publications_replace, search_index_refresh
from demo.credentials import seed_credentials
from demo.insights import seed_insights
from demo.mijndiploma import seed_mijndiploma
from demo.modular import seed_modular
from demo.own_pace import seed_own_pace
from demo.results import seed_results
from demo.scenarios import DemoScenarios
from demo.settlement import seed_settlement
from demo.stacked import seed_stacked
from demo.webhooks import seed_webhooks
from institutions.models import AcademicPeriod, AcademicYear, Institution, OrganisationalUnit, Programme
from institutions.routes import Route
from institutions.services import alliance_join, alliance_theme_add, alliances_ensure
from ooapi.models import Connection

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
DEMO_PASSWORD = "flexportal-demo"  # noqa: S105  (documented demo login, never used outside the demo)
DEMO_DOMAIN = "demo.flexportal.nl"


@dataclass(frozen=True)
class DemoInstitution:
    code: str
    short_name: str
    name_nl: str
    name_en: str
    brin: str
    schac_home: str
    kind: str
    city: str
    calendar: str  # quarters | semesters | blocks5
    connected: bool = False


INSTITUTIONS = [
    DemoInstitution(
        "uu", "UU", "Universiteit Utrecht", "Utrecht University", "21PD", "uu.nl", "wo", "Utrecht", "quarters"
    ),
    DemoInstitution(
        "uva",
        "UvA",
        "Universiteit van Amsterdam",
        "University of Amsterdam",
        "21PK",
        "uva.nl",
        "wo",
        "Amsterdam",
        "semesters",
    ),
    DemoInstitution(
        "vu",
        "VU",
        "Vrije Universiteit Amsterdam",
        "Vrije Universiteit Amsterdam",
        "21PL",
        "vu.nl",
        "wo",
        "Amsterdam",
        "blocks5",
    ),
    DemoInstitution(
        "ul", "UL", "Universiteit Leiden", "Leiden University", "21PB", "leidenuniv.nl", "wo", "Leiden", "semesters"
    ),
    DemoInstitution(
        "eur",
        "EUR",
        "Erasmus Universiteit Rotterdam",
        "Erasmus University Rotterdam",
        "21PE",
        "eur.nl",
        "wo",
        "Rotterdam",
        "blocks5",
    ),
    DemoInstitution(
        "rug",
        "RUG",
        "Rijksuniversiteit Groningen",
        "University of Groningen",
        "21PC",
        "rug.nl",
        "wo",
        "Groningen",
        "semesters",
    ),
    DemoInstitution(
        "tud",
        "TU Delft",
        "Technische Universiteit Delft",
        "Delft University of Technology",
        "21PF",
        "tudelft.nl",
        "wo",
        "Delft",
        "quarters",
        True,
    ),
    DemoInstitution(
        "tue",
        "TU/e",
        "Technische Universiteit Eindhoven",
        "Eindhoven University of Technology",
        "21PG",
        "tue.nl",
        "wo",
        "Eindhoven",
        "quarters",
    ),
    DemoInstitution(
        "ut", "UT", "Universiteit Twente", "University of Twente", "21PH", "utwente.nl", "wo", "Enschede", "quarters"
    ),
    DemoInstitution(
        "um",
        "UM",
        "Universiteit Maastricht",
        "Maastricht University",
        "21PJ",
        "maastrichtuniversity.nl",
        "wo",
        "Maastricht",
        "blocks5",
    ),
    DemoInstitution(
        "wur",
        "WUR",
        "Wageningen University & Research",
        "Wageningen University & Research",
        "21PQ",
        "wur.nl",
        "wo",
        "Wageningen",
        "blocks5",
        True,
    ),
    DemoInstitution(
        "hu",
        "HU",
        "Hogeschool Utrecht",
        "HU University of Applied Sciences Utrecht",
        "25DW",
        "hu.nl",
        "hbo",
        "Utrecht",
        "quarters",
    ),
    DemoInstitution(
        "hva",
        "HvA",
        "Hogeschool van Amsterdam",
        "Amsterdam University of Applied Sciences",
        "28DN",
        "hva.nl",
        "hbo",
        "Amsterdam",
        "semesters",
    ),
    DemoInstitution(
        "hr",
        "HR",
        "Hogeschool Rotterdam",
        "Rotterdam University of Applied Sciences",
        "22OJ",
        "hr.nl",
        "hbo",
        "Rotterdam",
        "quarters",
    ),
    DemoInstitution(
        "hhs",
        "HHs",
        "De Haagse Hogeschool",
        "The Hague University of Applied Sciences",
        "27UM",
        "hhs.nl",
        "hbo",
        "Den Haag",
        "semesters",
    ),
    DemoInstitution(
        "fontys",
        "Fontys",
        "Fontys Hogescholen",
        "Fontys University of Applied Sciences",
        "30GB",
        "fontys.nl",
        "hbo",
        "Eindhoven",
        "semesters",
        True,
    ),
    DemoInstitution(
        "han",
        "HAN",
        "Hogeschool van Arnhem en Nijmegen",
        "HAN University of Applied Sciences",
        "27UU",
        "han.nl",
        "hbo",
        "Arnhem",
        "quarters",
    ),
    DemoInstitution(
        "saxion",
        "Saxion",
        "Saxion Hogeschool",
        "Saxion University of Applied Sciences",
        "25LX",
        "saxion.nl",
        "hbo",
        "Enschede",
        "quarters",
    ),
    DemoInstitution(
        "hanze",
        "Hanze",
        "Hanzehogeschool Groningen",
        "Hanze University of Applied Sciences",
        "25BE",
        "hanze.nl",
        "hbo",
        "Groningen",
        "semesters",
    ),
    DemoInstitution(
        "avans",
        "Avans",
        "Avans Hogeschool",
        "Avans University of Applied Sciences",
        "07GR",
        "avans.nl",
        "hbo",
        "Breda",
        "quarters",
    ),
    DemoInstitution(
        "windesheim",
        "Windesheim",
        "Hogeschool Windesheim",
        "Windesheim University of Applied Sciences",
        "25PJ",
        "windesheim.nl",
        "hbo",
        "Zwolle",
        "semesters",
    ),
]

THEMES = [
    ("sustainability", "Duurzaamheid", "Sustainability"),
    ("data-ai", "Data en AI", "Data and AI"),
    ("health", "Gezondheid", "Health"),
    ("energy", "Energietransitie", "Energy transition"),
    ("entrepreneurship", "Ondernemerschap", "Entrepreneurship"),
    ("society", "Maatschappij", "Society"),
    ("education", "Onderwijs", "Education"),
    ("technology", "Technologie", "Technology"),
    ("law-governance", "Recht en bestuur", "Law and governance"),
    ("culture", "Cultuur en taal", "Culture and language"),
    ("food-water", "Voedsel en water", "Food and water"),
    ("security", "Veiligheid", "Security"),
]

# Subject (Dutch, English, themes, words for the description).
SUBJECTS = [
    ("Duurzame energiesystemen", "Sustainable Energy Systems", ["energy", "sustainability", "technology"]),
    ("Machine learning", "Machine Learning", ["data-ai", "technology"]),
    ("Datawetenschap voor de zorg", "Data Science for Health", ["data-ai", "health"]),
    ("Circulaire economie", "Circular Economy", ["sustainability", "entrepreneurship"]),
    ("Klimaatadaptatie", "Climate Adaptation", ["sustainability", "food-water"]),
    ("Publieke gezondheid", "Public Health", ["health", "society"]),
    ("Ethiek van technologie", "Ethics of Technology", ["technology", "society"]),
    ("Europees recht", "European Law", ["law-governance"]),
    ("Cybersecurity", "Cybersecurity", ["security", "technology"]),
    ("Onderwijsinnovatie", "Educational Innovation", ["education"]),
    ("Interculturele communicatie", "Intercultural Communication", ["culture", "society"]),
    ("Waterbeheer", "Water Management", ["food-water", "sustainability"]),
    ("Voedselsystemen", "Food Systems", ["food-water", "health"]),
    ("Ondernemen en innovatie", "Entrepreneurship and Innovation", ["entrepreneurship"]),
    ("Stedelijke mobiliteit", "Urban Mobility", ["sustainability", "technology"]),
    ("Digitale geesteswetenschappen", "Digital Humanities", ["culture", "data-ai"]),
    ("Neurowetenschappen", "Neuroscience", ["health"]),
    ("Bestuurskunde", "Public Administration", ["law-governance", "society"]),
    ("Waterstoftechnologie", "Hydrogen Technology", ["energy", "technology"]),
    ("Kunstmatige intelligentie en recht", "Artificial Intelligence and Law", ["data-ai", "law-governance"]),
    ("Psychologie van gedrag", "Behavioural Psychology", ["health", "society"]),
    ("Logistiek en supply chain", "Logistics and Supply Chain", ["entrepreneurship", "technology"]),
    ("Biodiversiteit", "Biodiversity", ["sustainability", "food-water"]),
    ("Zorgtechnologie", "Care Technology", ["health", "technology"]),
    ("Veiligheid en crisisbeheersing", "Safety and Crisis Management", ["security", "law-governance"]),
]
# The European Qualifications Framework puts a bachelor's courses at level 6 and a master's at 7.
PREFIXES = [
    ("Inleiding", "Introduction to", "bachelor", 6),
    ("Verdieping", "Advanced", "master", 7),
    ("Praktijk van", "Practice of", "bachelor", 6),
    ("Onderzoeksproject", "Research Project in", "master", 7),
    ("Minor", "Minor in", "bachelor", 6),
]
EC_CHOICES = [
    Decimal("2.5"),
    Decimal("3"),
    Decimal("5"),
    Decimal("6"),
    Decimal("7.5"),
    Decimal("10"),
    Decimal("15"),
    Decimal("30"),
]

# A degree programme's study load in EC (WHW): a research university's bachelor is 180, a university of
# applied sciences' 240; the demo's masters are one-year masters.
PROGRAMME_EC = {
    ("wo", Programme.Level.BACHELOR): Decimal("180"),
    ("wo", Programme.Level.MASTER): Decimal("60"),
    ("hbo", Programme.Level.BACHELOR): Decimal("240"),
    ("hbo", Programme.Level.MASTER): Decimal("60"),
}

# The eduXchange alliances the zone's institutions really belong to. EWUU: TU/e, WUR and UU (UMC Utrecht
# is not in the zone); LDE: Leiden, Delft and Erasmus; EuroTeQ: TU/e, its only Dutch member; Kies op Maat:
# the universities of applied sciences. UvA, VU, RUG, UT and UM are in none of them.
ALLIANCE_MEMBERS = {
    "ewuu": ("tue", "wur", "uu"),
    "lde": ("ul", "tud", "eur"),
    "euroteq": ("tue",),
    "kom": ("hu", "hva", "hr", "hhs", "fontys", "han", "saxion", "hanze", "avans", "windesheim"),
}
# A course's first portal theme, as a subject of EuroTeQ's vocabulary (fixed by the eduXchange profile).
EUROTEQ_SUBJECT = {
    "sustainability": "Chemistry and Biology",
    "data-ai": "Computer Science and ICT, Data, AI",
    "health": "Food and Health Sciences, Medical engineering",
    "energy": "Physics and Energy",
    "entrepreneurship": "Entrepreneurship",
    "technology": "Mechanical Engineering",
    "culture": "Languages and Culture",
    "food-water": "Food and Health Sciences, Medical engineering",
    "security": "Computer Science and ICT, Data, AI",
}

ROLE_ACCOUNTS = [
    # (email local part, first name, last name, kind, institution code, staff role)
    ("student", "Sanne", "de Vries", "student", "uu", None),
    ("student.hbo", "Daan", "Jansen", "student", "hu", None),
    ("student.tud", "Noor", "Bakker", "student", "tud", None),
    ("approver.uu", "Eva", "Visser", "staff", "uu", StaffRole.Role.HOME_APPROVER),
    ("admissions.tud", "Lars", "Smit", "staff", "tud", StaffRole.Role.HOST_ADMISSIONS),
    ("admissions.uva", "Femke", "Meijer", "staff", "uva", StaffRole.Role.HOST_ADMISSIONS),
    ("admissions.vu", "Sem", "Peters", "staff", "vu", StaffRole.Role.HOST_ADMISSIONS),
    ("examboard.uu", "Bram", "de Boer", "staff", "uu", StaffRole.Role.EXAMINATION_BOARD),
    ("examboard.vu", "Iris", "Hendriks", "staff", "vu", StaffRole.Role.EXAMINATION_BOARD),
    ("catalogue.uva", "Lotte", "Mulder", "staff", "uva", StaffRole.Role.CATALOGUE_MANAGER),
    ("coordinator", "Joris", "de Groot", "coordinator", None, None),
    ("admin", "Anna", "Bos", "admin", None, None),
]


def demo_email(local: str) -> str:
    return f"{local}@{DEMO_DOMAIN}"


def _period_layout(calendar: str) -> list[tuple[str, int, str, str, int, int]]:
    """(kind, sequence, name_nl, name_en, start offset in weeks, length in weeks) of one year's periods."""
    if calendar == "quarters":
        return [
            ("quarter", i + 1, f"Periode {i + 1}", f"Quarter {i + 1}", i * 10 + (2 if i >= 2 else 0), 10)
            for i in range(4)
        ]
    if calendar == "semesters":
        return [("semester", 1, "Semester 1", "Semester 1", 0, 21), ("semester", 2, "Semester 2", "Semester 2", 22, 21)]
    return [("block", i + 1, f"Blok {i + 1}", f"Block {i + 1}", i * 8 + (2 if i >= 2 else 0), 8) for i in range(5)]


def _first_monday_of_september(year: int) -> dt.date:
    day = dt.date(year, 9, 1)
    return day + dt.timedelta(days=(7 - day.weekday()) % 7)


class DemoSeeder:
    def __init__(self, *, offerings: int = 1050, stdout=None, today: dt.date | None = None):
        self.target = offerings
        self.stdout = stdout
        self.rng = random.Random(2026)  # noqa: S311 (demo data, not security)
        self.today = today or dt.date.today()

    def say(self, message: str) -> None:
        if self.stdout:
            self.stdout.write(message)

    def run(self) -> dict[str, int]:
        with transaction.atomic():
            themes = self._themes()
            institutions = self._institutions()
            periods = {inst.code: self._calendar(inst) for inst in institutions}
            self._programmes_and_units(institutions)
            courses = self._courses(institutions, themes)
            modules = self._modules(institutions, courses, themes)
        created = self._offerings(institutions, periods, courses, modules)
        self._accounts()
        self._connections(institutions)
        with transaction.atomic():
            self._alliances(institutions, courses)
        DemoScenarios(password=DEMO_PASSWORD, say=self.say).run()
        seed_results(email=demo_email, today=self.today, say=self.say)
        seed_credentials(email=demo_email, say=self.say)
        seed_settlement(email=demo_email, say=self.say)
        seed_own_pace(email=demo_email, password=DEMO_PASSWORD, today=self.today, say=self.say)
        seed_mijndiploma(email=demo_email, password=DEMO_PASSWORD, say=self.say)
        seed_insights(domain=DEMO_DOMAIN, say=self.say)
        seed_modular(email=demo_email, password=DEMO_PASSWORD, say=self.say)
        seed_stacked(email=demo_email, say=self.say)
        seed_webhooks(email=demo_email, say=self.say)
        refreshed = search_index_refresh() if created or not self._index_complete() else 0
        summary = {
            "institutions": Institution.objects.count(),
            # The catalogue's runs: not the finished, archived ones the demo's scenarios add (demo.stacked).
            "offerings": Offering.objects.filter(is_archived=False).count(),
            "offerings_created": created,
            "search_rows_written": refreshed,
        }
        self.say(f"Demo data ready: {summary}")
        return summary

    def _index_complete(self) -> bool:
        return OfferingSearch.objects.count() == Offering.objects.count()

    def _themes(self) -> dict[str, Theme]:
        result = {}
        for bit, (code, nl, en) in enumerate(THEMES):
            result[code], _ = Theme.objects.get_or_create(
                code=code, defaults={"name_nl": nl, "name_en": en, "bit": bit}
            )
        return result

    def _institutions(self) -> list[Institution]:
        result = []
        for index, demo in enumerate(INSTITUTIONS):
            pilots = [r for i, r in enumerate(Route.values) if (index + i) % 3 != 0]
            inst, _ = Institution.objects.get_or_create(
                code=demo.code,
                defaults={
                    "short_name": demo.short_name,
                    "name_nl": demo.name_nl,
                    "name_en": demo.name_en,
                    "brin": demo.brin,
                    "schac_home": demo.schac_home,
                    "kind": demo.kind,
                    "city": demo.city,
                    "integration": Institution.Integration.CONNECTED
                    if demo.connected
                    else Institution.Integration.PORTAL_MANAGED,
                    "piloted_routes": pilots,
                    "website": f"https://www.{demo.schac_home}",
                },
            )
            result.append(inst)
        return result

    def _calendar(self, inst: Institution) -> list[AcademicPeriod]:
        demo = next(d for d in INSTITUTIONS if d.code == inst.code)
        first_year = self.today.year if self.today.month >= 8 else self.today.year - 1
        periods = []
        for year in (first_year, first_year + 1):
            start = _first_monday_of_september(year)
            academic_year, _ = AcademicYear.objects.get_or_create(
                institution=inst,
                name=f"{year}-{year + 1}",
                defaults={"start_date": start, "end_date": _first_monday_of_september(year + 1) - dt.timedelta(days=1)},
            )
            for kind, seq, nl, en, offset, weeks in _period_layout(demo.calendar):
                p_start = start + dt.timedelta(weeks=offset)
                period, _ = AcademicPeriod.objects.get_or_create(
                    academic_year=academic_year,
                    kind=kind,
                    sequence=seq,
                    defaults={
                        "institution": inst,
                        "name_nl": nl,
                        "name_en": en,
                        "start_date": p_start,
                        "end_date": p_start + dt.timedelta(weeks=weeks, days=-3),
                    },
                )
                periods.append(period)
        return periods

    def _programmes_and_units(self, institutions: list[Institution]) -> None:
        for n, inst in enumerate(institutions):
            unit, _ = OrganisationalUnit.objects.get_or_create(
                institution=inst,
                code="SCI",
                defaults={"name_nl": "Faculteit Bètawetenschappen", "name_en": "Faculty of Science"},
            )
            OrganisationalUnit.objects.get_or_create(
                institution=inst,
                code="SOC",
                defaults={"name_nl": "Faculteit Sociale Wetenschappen", "name_en": "Faculty of Social Sciences"},
            )
            for m, (subject_nl, subject_en, _themes) in enumerate(SUBJECTS[:4]):
                level = (
                    Programme.Level.BACHELOR
                    if inst.kind == Institution.Kind.APPLIED_SCIENCES or m % 2 == 0
                    else Programme.Level.MASTER
                )
                Programme.objects.get_or_create(
                    institution=inst,
                    croho_code=f"{(50000 + n * 40 + m):05d}",
                    defaults={
                        "name_nl": subject_nl,
                        "name_en": subject_en,
                        "unit": unit,
                        "level": level,
                        "language": "en" if m % 3 == 1 else "nl",
                        "ec": PROGRAMME_EC[(inst.kind, level)],
                    },
                )

    def _courses(self, institutions, themes) -> dict[str, list[Course]]:
        result: dict[str, list[Course]] = {}
        per_institution = 25
        for n, inst in enumerate(institutions):
            existing = {c.code: c for c in Course.objects.filter(institution=inst)}
            new, links = [], []
            for i in range(per_institution):
                subject_nl, subject_en, theme_codes = SUBJECTS[(n * 7 + i) % len(SUBJECTS)]
                prefix_nl, prefix_en, level, eqf = PREFIXES[(n + i) % len(PREFIXES)]
                code = f"{inst.code.upper()[:4]}{1000 + i}"
                if code in existing:
                    continue
                if inst.kind == Institution.Kind.APPLIED_SCIENCES and level == "master":
                    level, eqf = Level.BACHELOR, 6
                routes = [Route.OFF_THE_BEATEN_PATH, Route.MY_DIPLOMA] + ([Route.OWN_PACE] if i % 3 == 0 else [])
                course = Course(
                    institution=inst,
                    code=code,
                    title_nl=f"{prefix_nl} {subject_nl.lower() if prefix_nl != 'Minor' else subject_nl}",
                    title_en=f"{prefix_en} {subject_en}",
                    description_nl=(
                        f"In dit vak van {inst.name_nl} werk je aan {subject_nl.lower()}. Je leert theorie en "
                        f"praktijk verbinden in opdrachten met partners uit het werkveld, en je sluit af met een "
                        f"eigen project."
                    ),
                    description_en=(
                        f"In this course of {inst.name_en} you work on {subject_en.lower()}. You learn to connect "
                        f"theory and practice in assignments with partners from the field, and you finish with a "
                        f"project of your own."
                    ),
                    ec=self.rng.choice(EC_CHOICES[:6]) if prefix_nl != "Minor" else Decimal("15"),
                    level=level,
                    eqf_level=eqf,
                    language="en" if (n + i) % 3 == 0 else ("de" if (n + i) % 29 == 0 else "nl"),
                    learning_outcomes_nl=f"Je kunt de kernbegrippen van {subject_nl.lower()} toepassen en onderbouwen.",
                    learning_outcomes_en=f"You can apply and justify the key concepts of {subject_en.lower()}.",
                    suitable_routes=[str(r) for r in routes],
                    unit=None,
                )
                new.append(course)
                links.append(theme_codes)
            Course.objects.bulk_create(new)
            through = Course.themes.through
            through.objects.bulk_create(
                [
                    through(course_id=course.pk, theme_id=themes[code].pk)
                    for course, theme_codes in zip(new, links, strict=True)
                    for code in theme_codes
                ]
            )
            # Only the courses made here: those _grow_courses adds for large catalogues come after them, in
            # the order it makes them, so that seeding again plans the same offerings (and creates none).
            base = [f"{inst.code.upper()[:4]}{1000 + i}" for i in range(per_institution)]
            result[inst.code] = list(Course.objects.filter(institution=inst, code__in=base).order_by("code"))
        return result

    def _modules(self, institutions, courses, themes) -> dict[str, list[Module]]:
        result: dict[str, list[Module]] = {}
        for n, inst in enumerate(institutions):
            for j in range(3):
                subject_nl, subject_en, theme_codes = SUBJECTS[(n * 3 + j) % len(SUBJECTS)]
                bundle = self._module_bundle(n, courses[inst.code], theme_codes, subject_en)
                module, created = Module.objects.get_or_create(
                    institution=inst,
                    code=f"{inst.code.upper()[:4]}M{j + 1}",
                    defaults={
                        "title_nl": f"Module {subject_nl.lower()} voor professionals",
                        "title_en": f"{subject_en} for Professionals",
                        "description_nl": f"Een stapelbare module over {subject_nl.lower()} voor werkenden, in de avonden.",
                        "description_en": f"A stackable module on {subject_en.lower()} for working professionals, in the evenings.",
                        "ec": sum((c.ec for c in bundle), Decimal("0")),
                        "level": Level.POSTGRADUATE if j == 2 else Level.BACHELOR,
                        "eqf_level": 7 if j == 2 else 6,
                        "language": "nl" if j != 1 else "en",
                        "learning_outcomes_nl": f"Je past {subject_nl.lower()} toe in je eigen werkpraktijk.",
                        "learning_outcomes_en": f"You apply {subject_en.lower()} in your own professional practice.",
                        "suitable_routes": [Route.MODULAR.value, Route.OWN_PACE.value],
                        "is_microcredential": j != 1,
                    },
                )
                if created:
                    module.courses.set(bundle)
                    module.themes.set([themes[c] for c in theme_codes])
            # The seeder's own three (demo.stacked adds finished modules of its own that get no runs here).
            own = [f"{inst.code.upper()[:4]}M{j + 1}" for j in range(3)]
            result[inst.code] = list(Module.objects.filter(institution=inst, code__in=own).order_by("code"))
        return result

    @staticmethod
    def _module_bundle(n: int, courses: list[Course], themes: list[str], subject_en: str) -> list[Course]:
        """Up to three of the institution's courses that belong together: the module's own subject first, then
        courses of other subjects that share its main theme, then its other themes. Course ``i`` of
        institution ``n`` teaches ``SUBJECTS[(n * 7 + i) % len(SUBJECTS)]`` (``_courses``)."""
        subject_of = {course.pk: SUBJECTS[(n * 7 + i) % len(SUBJECTS)] for i, course in enumerate(courses[:25])}
        bundle = [c for c in courses[:25] if subject_of[c.pk][1] == subject_en]
        for theme in themes:
            bundle += [c for c in courses[:25] if theme in subject_of[c.pk][2] and c not in bundle]
        return bundle[:3]

    def _offering(self, inst, period, teachable, code, index) -> Offering:
        opens_day = period.start_date - dt.timedelta(weeks=10)
        closes_day = period.start_date - dt.timedelta(weeks=2)
        # Half of the current year's windows are open now, so "open for enrolment" has both values.
        if period.start_date > self.today and index % 2 == 0:
            opens_day = min(opens_day, self.today - dt.timedelta(days=7))
            closes_day = max(closes_day, self.today + dt.timedelta(days=21))
        mode = (Mode.ON_CAMPUS, Mode.ONLINE, Mode.HYBRID)[index % 3] if index % 4 else Mode.ON_CAMPUS
        capacity = self.rng.choice([20, 25, 30, 40, 60, 80, 120])
        return Offering(
            institution=inst,
            course=teachable if isinstance(teachable, Course) else None,
            module=teachable if isinstance(teachable, Module) else None,
            period=period,
            code=code,
            start_date=period.start_date,
            end_date=period.end_date,
            enrol_opens_at=dt.datetime.combine(opens_day, dt.time(9, 0), tzinfo=AMSTERDAM),
            enrol_closes_at=dt.datetime.combine(closes_day, dt.time(23, 59), tzinfo=AMSTERDAM),
            capacity=capacity,
            seats_taken=min(capacity, self.rng.randint(0, capacity)),
            mode=mode,
            city="" if mode == Mode.ONLINE else inst.city,
            location="" if mode == Mode.ONLINE else f"Campus {inst.city}",
            price_module_only=Decimal(self.rng.choice([450, 600, 750, 900])) if isinstance(teachable, Module) else None,
            visible_own_students=True,
            visible_partners=True,
            visible_guests=isinstance(teachable, Module) or index % 5 == 0,
            visible_professionals=isinstance(teachable, Module),
            timeslots=self._timeslots(mode, index),
        )

    @staticmethod
    def _timeslots(mode: str, index: int) -> list[dict]:
        """A weekly two-hour slot on a weekday, spread over the week so that some runs of one period clash;
        online runs follow at their own time (no timetable)."""
        if mode == Mode.ONLINE:
            return []
        hour = 9 + 2 * ((index // 5) % 4)
        return [{"weekday": index % 5, "start": f"{hour:02d}:00", "end": f"{hour + 2:02d}:00"}]

    def _offerings(self, institutions, periods, courses, modules) -> int:
        existing = set(Offering.objects.values_list("institution__code", "code"))
        plan: list[Offering] = []
        count = created = 0
        # Every course runs in two periods of the current year; modules once. Then extra runs in later
        # periods and years until the target is reached (``--offerings N``).
        run = 0
        while count < self.target:
            progressed = False
            for inst in institutions:
                inst_periods = periods[inst.code]
                teachables = courses[inst.code] + modules[inst.code]
                for i, teachable in enumerate(teachables):
                    if count >= self.target:
                        break
                    period = inst_periods[(i + run) % len(inst_periods)]
                    code = f"{teachable.code}-{period.academic_year.name[:4]}-{period.kind[0].upper()}{period.sequence}-{run}"
                    count += 1
                    progressed = True
                    if (inst.code, code) in existing:
                        continue
                    plan.append(self._offering(inst, period, teachable, code, i + run))
                    if len(plan) >= 5000:
                        created += len(Offering.objects.bulk_create(plan))
                        plan = []
            run += 1
            if not progressed:
                break
            if run > 10 and len(courses[institutions[0].code]) * 10 < self.target // len(institutions):
                # Beyond ten runs per course, add synthetic courses so runs stay plausible.
                self._grow_courses(institutions, courses, run)
        if plan:
            created += len(Offering.objects.bulk_create(plan))
        return created

    def _grow_courses(self, institutions, courses, run) -> None:
        themes = {t.code: t for t in Theme.objects.all()}
        for n, inst in enumerate(institutions):
            base = courses[inst.code][:25]
            new = []
            for i, template in enumerate(base):
                code = f"{template.code}X{run}"
                if any(c.code == code for c in courses[inst.code]):
                    continue
                subject_nl, subject_en, theme_codes = SUBJECTS[(n * 11 + i + run) % len(SUBJECTS)]
                new.append(
                    Course(
                        institution=inst,
                        code=code,
                        title_nl=f"{template.title_nl.split(' ')[0]} {subject_nl.lower()} {run}",
                        title_en=f"{template.title_en.split(' ')[0]} {subject_en} {run}",
                        description_nl=template.description_nl,
                        description_en=template.description_en,
                        ec=template.ec,
                        level=template.level,
                        eqf_level=template.eqf_level,
                        language=template.language,
                        learning_outcomes_nl=template.learning_outcomes_nl,
                        learning_outcomes_en=template.learning_outcomes_en,
                        suitable_routes=template.suitable_routes,
                    )
                )
            Course.objects.bulk_create(new, ignore_conflicts=True)  # made by an earlier run: kept as they are
            by_code = {c.code: c for c in Course.objects.filter(institution=inst, code__in=[c.code for c in new])}
            fresh = [by_code[c.code] for c in new]
            through = Course.themes.through
            links = []
            for c in fresh:
                subject = (
                    next(s for s in SUBJECTS if s[1] in c.title_en)
                    if any(s[1] in c.title_en for s in SUBJECTS)
                    else SUBJECTS[0]
                )
                links += [through(course_id=c.pk, theme_id=themes[t].pk) for t in subject[2]]
            through.objects.bulk_create(links, ignore_conflicts=True)
            courses[inst.code] = courses[inst.code] + fresh

    def _connections(self, institutions: list[Institution]) -> None:
        """The demo's connected institutions talk OOAPI v5 to the reference peer (``run_ooapi_peer``)."""
        from django.conf import settings

        for inst in institutions:
            if inst.integration == Institution.Integration.CONNECTED:
                connection, created = Connection.objects.get_or_create(
                    institution=inst,
                    defaults={
                        "base_url": settings.OOAPI_DEMO_PEER_URL,
                        "auth_method": Connection.AuthMethod.NONE,
                        "consumer_key": "eduxchange",
                    },
                )
                # `make run` puts the peer beside the portal's port (PEER_PORT): follow it, but only while the
                # connection is still the demo's own (no credentials set by an administrator).
                demo_own = connection.auth_method == Connection.AuthMethod.NONE
                if not created and demo_own and connection.base_url != settings.OOAPI_DEMO_PEER_URL:
                    connection.base_url = settings.OOAPI_DEMO_PEER_URL
                    connection.save(update_fields=["base_url"])

    def _alliances(self, institutions: list[Institution], courses: dict[str, list[Course]]) -> None:
        """Each institution in the alliances it belongs to, and its courses published there with a theme of
        the alliance's own vocabulary: Kies op Maat shares the universities of applied sciences' minors,
        the others every other course and all minors (EuroTeQ: TU/e's technical ones). LDE's theme codes
        (10-19) are picked by the course's portal theme; EWUU's and Kies op Maat's vocabularies, which
        the profile leaves open, are the portal's theme names (English and Dutch). Courses that already
        have a publication are left as they are, so seeding again changes nothing."""
        alliances = alliances_ensure()
        portal_themes = list(Theme.objects.order_by("bit"))
        for alliance, name in ((alliances["ewuu"], "name_en"), (alliances["kom"], "name_nl")):
            existing = set(alliance.themes.values_list("code", flat=True))
            for theme in portal_themes:
                if getattr(theme, name) not in existing:
                    alliance_theme_add(
                        alliance=alliance, code=getattr(theme, name), name_nl=theme.name_nl, name_en=theme.name_en
                    )
        by_code = {inst.code: inst for inst in institutions}
        shares: dict[str, list[str]] = {}
        for alliance, members in ALLIANCE_MEMBERS.items():
            for code in members:
                alliance_join(alliance=alliances[alliance], institution=by_code[code])
                shares.setdefault(code, []).append(alliance)
        for code, alliance_codes in shares.items():
            institution = by_code[code]
            base = courses[code][:25]
            published = set(
                Course.objects.filter(pk__in=[c.pk for c in base], publications__isnull=False).values_list(
                    "pk", flat=True
                )
            )
            themes_of: dict[int, str] = {}  # a course's first portal theme (portable: no DISTINCT ON)
            links = Course.themes.through.objects.filter(course_id__in=[c.pk for c in base])
            for course_id, theme_code in links.order_by("course_id", "theme__bit").values_list(
                "course_id", "theme__code"
            ):
                themes_of.setdefault(course_id, theme_code)
            wanted: dict[int, list[SharedIn]] = {}
            for i, course in enumerate(base):
                if course.pk in published:
                    continue
                theme = next(t for t in portal_themes if t.code == themes_of.get(course.pk, portal_themes[0].code))
                entries = [
                    entry
                    for alliance in alliance_codes
                    if (entry := self._shared_in(alliance, course, i, theme)) is not None
                ]
                if entries:
                    wanted[course.pk] = entries
            course_publications_replace(institution=institution, wanted=wanted)

    @staticmethod
    def _shared_in(alliance: str, course: Course, index: int, theme: Theme) -> SharedIn | None:
        minor = course.title_en.startswith("Minor")
        if alliance == "kom":
            shared, value = minor, theme.name_nl
        elif alliance == "euroteq":
            shared, value = theme.code in EUROTEQ_SUBJECT, EUROTEQ_SUBJECT.get(theme.code, "")
        elif alliance == "lde":
            shared, value = minor or index % 2 == 0, str(10 + theme.bit % 10)
        else:
            shared, value = minor or index % 2 == 0, theme.name_en
        if not shared:
            return None
        deepening = course.title_en.startswith(("Advanced", "Research Project"))
        return SharedIn(
            alliance=alliance,
            theme=value,
            selection=course.title_en.startswith("Research Project"),
            kind="broadening" if minor else ("deepening" if deepening else ""),
            visible_for_guests=minor,
        )

    def _accounts(self) -> None:
        institutions = {i.code: i for i in Institution.objects.all()}
        for local, first, last, kind, inst_code, role in ROLE_ACCOUNTS:
            user, created = User.objects.get_or_create(
                email=demo_email(local),
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "is_staff": kind == "admin",
                    "is_superuser": kind == "admin",
                },
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.is_zone_coordinator = kind == "coordinator"
                user.save()
            from allauth.account.models import EmailAddress

            EmailAddress.objects.get_or_create(
                user=user, email=user.email, defaults={"verified": True, "primary": True}
            )
            if kind == "student":
                inst = institutions[inst_code]
                StudentProfile.objects.get_or_create(
                    user=user,
                    defaults={
                        "home_institution": inst,
                        "programme": inst.programmes.order_by("croho_code").first(),
                        "student_number": f"{inst.code.upper()}{1000000 + len(local)}",
                    },
                )
            if role:
                StaffRole.objects.get_or_create(user=user, institution=institutions[inst_code], role=role)
