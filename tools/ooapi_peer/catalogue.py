"""The reference peer's catalogue: deterministic, generated from the seed, built item by item on request.

Nothing is stored per item. An id encodes its kind and index (the first ten bytes of a UUID depend on the
seed and the kind, the last six are the index), so ``/offerings/{id}`` is decoded, not looked up, and a
100,000-offering catalogue costs a few hundred kilobytes: the per-period offering indexes (``array('I')``)
and the course order by name.

Layout, for ``offerings=N`` and ``offerings_per_course=K``:

- one root organization (a university) with four faculties;
- three academic years (last, this and next, starting 1 September) of four periods each;
- ``ceil(N / K)`` courses, course ``c`` in faculty ``c % 4`` and program ``c % programs``;
- course ``c`` is published to the eduXchange alliance ``ALLIANCES[c % 4]`` (LDE, EWUU, Kies op Maat or
  none) with a theme of that alliance's vocabulary;
- offering ``i`` belongs to course ``i // K`` and runs in period ``(course + (i % K) * step) % 12``, so a
  course's offerings are spread over past, current and future periods (``since`` matters).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import uuid
from array import array
from dataclasses import dataclass
from functools import cached_property
from zoneinfo import ZoneInfo

FACULTIES = (
    ("Faculteit Bètawetenschappen", "Faculty of Science", "BETA"),
    ("Faculteit Geesteswetenschappen", "Faculty of Humanities", "GW"),
    ("Faculteit Sociale Wetenschappen", "Faculty of Social Sciences", "SW"),
    ("Faculteit Techniek", "Faculty of Engineering", "TECH"),
)
SUBJECTS = (
    ("Energiesystemen", "Energy Systems"),
    ("Datawetenschap", "Data Science"),
    ("Klimaatadaptatie", "Climate Adaptation"),
    ("Europees recht", "European Law"),
    ("Cognitieve psychologie", "Cognitive Psychology"),
    ("Circulaire economie", "Circular Economy"),
    ("Digitale geesteswetenschappen", "Digital Humanities"),
    ("Watermanagement", "Water Management"),
    ("Kunstmatige intelligentie", "Artificial Intelligence"),
    ("Publieke gezondheid", "Public Health"),
    ("Stedelijke mobiliteit", "Urban Mobility"),
    ("Filosofie van de wetenschap", "Philosophy of Science"),
    ("Duurzame chemie", "Sustainable Chemistry"),
    ("Mediastudies", "Media Studies"),
    ("Bedrijfsethiek", "Business Ethics"),
    ("Robotica", "Robotics"),
)
QUALIFIERS = (
    ("Inleiding", "Introduction to"),
    ("Gevorderde", "Advanced"),
    ("Methoden in", "Methods in"),
    ("Project", "Project"),
    ("Seminar", "Seminar"),
    ("Kernthema's in", "Key Topics in"),
)
GIVEN_NAMES = ("Sanne", "Daan", "Fleur", "Bram", "Noor", "Lucas", "Eva", "Milan", "Julia", "Sem", "Lotte", "Finn")
SURNAMES = ("de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "de Boer", "Bos", "Peters")
EC_VALUES = (3, 5, 5, 6, 7.5, 10, 15)
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
MODES = (["on campus"], ["online"], ["hybrid"], ["on campus"])
# The eduXchange alliances the reference university's courses are published to, course by course.
ALLIANCES = ("lde", "ewuu", "kom", None)
PERIODS_PER_YEAR = 4
# Period boundaries inside an academic year starting 1 September: (month, day) of each period's start.
PERIOD_STARTS = ((9, 1), (11, 11), (2, 3), (4, 21))


def text(nl: str, en: str) -> list[dict]:
    """A multilingual OOAPI field: a list of ``{language, value}``."""
    return [{"language": "nl-NL", "value": nl}, {"language": "en-GB", "value": en}]


@dataclass(frozen=True)
class Session:
    index: int  # 0..2 academic years, 3.. periods
    id: str
    kind: str  # "academic year" | "period"
    name_nl: str
    name_en: str
    code: str
    start: dt.date
    end: dt.date
    year_index: int  # which academic year (0..2)

    def document(self, catalogue: Catalogue) -> dict:
        doc = {
            "academicSessionId": self.id,
            "academicSessionType": self.kind,
            "primaryCode": {"codeType": "identifier", "code": self.code},
            "name": text(self.name_nl, self.name_en),
            "startDate": self.start.isoformat(),
            "endDate": self.end.isoformat(),
        }
        if self.kind == "period":
            doc["parent"] = catalogue.years[self.year_index].id
            doc["year"] = catalogue.years[self.year_index].id
        else:
            doc["children"] = [p.id for p in catalogue.periods[self.year_index * 4 : self.year_index * 4 + 4]]
        return doc


class Catalogue:
    """A deterministic OOAPI catalogue. Same arguments, same documents, byte for byte."""

    def __init__(
        self,
        *,
        offerings: int = 200,
        seed: int = 1,
        today: dt.date | None = None,
        offerings_per_course: int = 4,
        programs: int | None = None,
    ):
        if offerings < 0 or offerings >= 2**32:
            raise ValueError("offerings")
        self.seed = seed
        self.offering_count = offerings
        self.per_course = max(1, offerings_per_course)
        self.course_count = math.ceil(offerings / self.per_course)
        self.program_count = programs if programs is not None else max(2, min(40, self.course_count // 25 or 2))
        self.today = today or dt.date.today()
        self._prefixes = {kind: self._prefix(kind) for kind in ("org", "ses", "prg", "crs", "off", "per", "cof")}
        first_year = (self.today.year if self.today.month >= 9 else self.today.year - 1) - 1
        self.years: list[Session] = []
        self.periods: list[Session] = []
        for y in range(3):
            start_year = first_year + y
            label = f"{start_year}-{start_year + 1}"
            self.years.append(
                Session(
                    y,
                    self.make_id("ses", y),
                    "academic year",
                    f"Studiejaar {label}",
                    f"Academic year {label}",
                    label,
                    dt.date(start_year, 9, 1),
                    dt.date(start_year + 1, 8, 31),
                    y,
                )
            )
        for y in range(3):
            start_year = first_year + y
            starts = [dt.date(start_year + (m < 9), m, d) for m, d in PERIOD_STARTS] + [dt.date(start_year + 1, 7, 15)]
            for p in range(PERIODS_PER_YEAR):
                index = 3 + y * PERIODS_PER_YEAR + p
                self.periods.append(
                    Session(
                        index,
                        self.make_id("ses", index),
                        "period",
                        f"Periode {p + 1} {start_year}-{start_year + 1}",
                        f"Period {p + 1} {start_year}-{start_year + 1}",
                        f"{start_year}-P{p + 1}",
                        starts[p],
                        starts[p + 1] - dt.timedelta(days=1),
                        y,
                    )
                )
        self.sessions = self.years + self.periods
        self.step = max(1, len(self.periods) // self.per_course)

    # Identity ----------------------------------------------------------------------------------------

    def _prefix(self, kind: str) -> bytes:
        digest = bytearray(hashlib.blake2b(f"ooapi-peer:{self.seed}:{kind}".encode(), digest_size=10).digest())
        digest[6] = (digest[6] & 0x0F) | 0x40  # version 4
        digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
        return bytes(digest)

    def make_id(self, kind: str, index: int) -> str:
        return str(uuid.UUID(bytes=self._prefixes[kind] + index.to_bytes(6, "big")))

    def parse_id(self, kind: str, value: str) -> int | None:
        """The index encoded in ``value`` if it is an id of this kind in this catalogue, else None."""
        try:
            raw = uuid.UUID(value).bytes
        except (ValueError, AttributeError, TypeError):
            return None
        if raw[:10] != self._prefixes[kind]:
            return None
        return int.from_bytes(raw[10:], "big")

    # Organizations -----------------------------------------------------------------------------------

    @property
    def root_id(self) -> str:
        return self.make_id("org", 0)

    def organization_count(self) -> int:
        return 1 + len(FACULTIES)

    def organization(self, index: int) -> dict:
        if index == 0:
            return {
                "organizationId": self.root_id,
                "primaryCode": {"codeType": "brin", "code": "99RP"},
                "organizationType": "root",
                "name": text("Referentie-universiteit", "Reference University"),
                "shortName": "RefU",
                "link": "https://www.reference-university.example/",
                "otherCodes": [{"codeType": "schacHome", "code": "reference-university.example"}],
                "children": [self.make_id("org", i) for i in range(1, self.organization_count())],
            }
        nl, en, code = FACULTIES[index - 1]
        return {
            "organizationId": self.make_id("org", index),
            "primaryCode": {"codeType": "identifier", "code": code},
            "organizationType": "faculty",
            "name": text(nl, en),
            "shortName": code,
            "parent": self.root_id,
        }

    def faculty_of_course(self, course: int) -> int:
        return 1 + course % len(FACULTIES)

    # Academic sessions -------------------------------------------------------------------------------

    def session(self, index: int) -> Session | None:
        return self.sessions[index] if 0 <= index < len(self.sessions) else None

    # Programs ----------------------------------------------------------------------------------------

    def program(self, index: int) -> dict:
        subject_nl, subject_en = SUBJECTS[index % len(SUBJECTS)]
        is_minor = index % 3 == 2
        kind_nl, kind_en = ("Minor", "Minor") if is_minor else ("Bachelor", "Bachelor's programme")
        return {
            "programId": self.make_id("prg", index),
            "primaryCode": {"codeType": "programCode", "code": f"PRG{index:04d}"},
            "programType": "minor" if is_minor else "program",
            "name": text(f"{kind_nl} {subject_nl} {index + 1}", f"{kind_en} {subject_en} {index + 1}"),
            "abbreviation": f"PRG{index:04d}",
            "description": text(
                f"Een samenhangend programma rond {subject_nl.lower()}.",
                f"A coherent programme on {subject_en.lower()}.",
            ),
            "teachingLanguage": "nld" if index % 2 else "eng",
            "studyLoad": {"studyLoadUnit": "ects", "value": 30 if is_minor else 180},
            "level": "bachelor",
            "modeOfStudy": "full-time",
            "organization": self.make_id("org", 1 + index % len(FACULTIES)),
        }

    # Courses -----------------------------------------------------------------------------------------

    def _mix(self, kind: str, index: int) -> int:
        return int.from_bytes(hashlib.blake2b(f"{self.seed}:{kind}:{index}".encode(), digest_size=8).digest(), "big")

    def course_code(self, index: int) -> str:
        return f"RU{index:06d}"

    def course_names(self, index: int) -> tuple[str, str]:
        mix = self._mix("course", index)
        subject_nl, subject_en = SUBJECTS[mix % len(SUBJECTS)]
        qualifier_nl, qualifier_en = QUALIFIERS[(mix >> 8) % len(QUALIFIERS)]
        return f"{qualifier_nl} {subject_nl.lower()}", f"{qualifier_en} {subject_en}"

    def course(self, index: int) -> dict:
        mix = self._mix("course", index)
        name_nl, name_en = self.course_names(index)
        code = self.course_code(index)
        return {
            "courseId": self.make_id("crs", index),
            "primaryCode": {"codeType": "identifier", "code": code},
            "name": text(name_nl, name_en),
            "abbreviation": code,
            "description": text(
                f"{name_nl}: een cursus van de Referentie-universiteit.",
                f"{name_en}: a course of the Reference University.",
            ),
            "teachingLanguage": "nld" if mix % 3 == 0 else "eng",
            "level": "master" if (mix >> 16) % 4 == 0 else "bachelor",
            "studyLoad": {"studyLoadUnit": "ects", "value": EC_VALUES[(mix >> 24) % len(EC_VALUES)]},
            "modeOfDelivery": MODES[(mix >> 32) % len(MODES)],
            "programs": [self.make_id("prg", index % self.program_count)],
            "organization": self.make_id("org", self.faculty_of_course(index)),
            "consumers": [{"consumerKey": "eduxchange", "alliances": self.course_alliances(index)}],
        }

    def course_alliances(self, index: int) -> list[dict]:
        """The eduXchange alliances course ``index`` is published to: LDE, EWUU, Kies op Maat or none, in
        turn, each with a theme of that alliance's vocabulary (LDE: a code 10-19; the others leave theirs
        open: the subject's English or Dutch name)."""
        alliance = ALLIANCES[index % len(ALLIANCES)]
        if alliance is None:
            return []
        mix = self._mix("course", index)
        subject_nl, subject_en = SUBJECTS[mix % len(SUBJECTS)]
        theme = {"lde": str(10 + (mix >> 40) % 10), "ewuu": subject_en, "kom": subject_nl}[alliance]
        return [
            {
                "name": alliance,
                "theme": theme,
                "selection": index % 5 == 0,
                "type": "broadening" if index % 2 else "deepening",
                "visibleForOwnStudents": True,
                "enrollmentForOwnStudents": "url",
                "visibleForGuests": alliance == "kom",
                "enrollmentForGuests": "url",
            }
        ]

    @cached_property
    def courses_by_name(self) -> array:
        """Course indexes in the spec's default order (by name, then code). Built once, on first use."""
        order = sorted(range(self.course_count), key=lambda i: (self.course_names(i)[1], i))
        return array("I", order)

    def course_offering_indexes(self, course: int) -> range:
        start = course * self.per_course
        return range(start, min(start + self.per_course, self.offering_count))

    # Offerings ---------------------------------------------------------------------------------------

    def period_of_offering(self, index: int) -> int:
        course, k = divmod(index, self.per_course)
        return (course + k * self.step) % len(self.periods)

    @cached_property
    def offerings_by_period(self) -> dict[tuple[int, int], array]:
        """Offering indexes per (faculty, period), in index order. Built once, on first use (about 4 bytes
        per offering)."""
        buckets: dict[tuple[int, int], array] = {}
        for index in range(self.offering_count):
            course = index // self.per_course
            key = (self.faculty_of_course(course), self.period_of_offering(index))
            buckets.setdefault(key, array("I")).append(index)
        return buckets

    def offering_indexes(self, *, faculty: int | None, periods: list[int]) -> list[array]:
        """Runs of offering indexes for these periods (chronological) and faculty (None: all)."""
        faculties = [faculty] if faculty else range(1, len(FACULTIES) + 1)
        empty = array("I")
        return [self.offerings_by_period.get((f, p), empty) for p in periods for f in faculties]

    def offering(self, index: int, *, enrolled: int = 0, pending: int = 0) -> dict:
        course_index = index // self.per_course
        course = self.course(course_index)
        period = self.periods[self.period_of_offering(index)]
        mix = self._mix("offering", index)
        capacity = 20 + mix % 181
        return {
            "offeringId": self.make_id("off", index),
            "primaryCode": {"codeType": "offeringCode", "code": f"{course['abbreviation']}-{period.code}"},
            "offeringType": "course",
            "academicSession": period.id,
            "name": course["name"],
            "abbreviation": course["abbreviation"],
            "description": course["description"],
            "teachingLanguage": course["teachingLanguage"],
            "modeOfDelivery": course["modeOfDelivery"],
            "maxNumberStudents": capacity,
            "enrolledNumberStudents": min(capacity, (mix >> 8) % (capacity // 2 + 1) + enrolled),
            "pendingNumberStudents": pending,
            "resultExpected": True,
            "resultValueType": "1-10",
            "startDate": period.start.isoformat(),
            "endDate": period.end.isoformat(),
            "enrollStartDate": (period.start - dt.timedelta(days=70)).isoformat(),
            "enrollEndDate": (period.start - dt.timedelta(days=14)).isoformat(),
            "course": course["courseId"],
            "organization": course["organization"],
        }

    def component_offering(self, index: int) -> dict:
        """The first weekly session of offering ``index``'s lectures: a component offering (OOAPI v5) with
        its start and end moment in Amsterdam time. Lectures fall on a weekday and at hours derived from
        the offering, so two offerings of the same period may clash."""
        course = self.course(index // self.per_course)
        period = self.periods[self.period_of_offering(index)]
        mix = self._mix("component", index)
        weekday, hour = mix % 5, 9 + 2 * ((mix >> 4) % 4)
        day = period.start + dt.timedelta(days=(weekday - period.start.weekday()) % 7)
        start = dt.datetime.combine(day, dt.time(hour), tzinfo=AMSTERDAM)
        end = start + dt.timedelta(hours=2)
        return {
            "offeringId": self.make_id("cof", index),
            "primaryCode": {"codeType": "offeringCode", "code": f"{course['abbreviation']}-{period.code}-HC"},
            "offeringType": "component",
            "academicSession": period.id,
            "name": [{"language": "nl-NL", "value": "Hoorcollege"}, {"language": "en-GB", "value": "Lecture"}],
            "abbreviation": "HC",
            "description": [{"language": "en-GB", "value": "Weekly lecture."}],
            "teachingLanguage": course["teachingLanguage"],
            "resultExpected": False,
            "startDateTime": start.isoformat(),
            "endDateTime": end.isoformat(),
            "courseOffering": self.make_id("off", index),
            "organization": course["organization"],
        }

    # Persons -----------------------------------------------------------------------------------------

    def person(self, index: int) -> dict:
        given = GIVEN_NAMES[index % len(GIVEN_NAMES)]
        surname = SURNAMES[(index // len(GIVEN_NAMES)) % len(SURNAMES)]
        prefix, _, last = surname.rpartition(" ")
        doc = {
            "personId": self.make_id("per", index),
            "primaryCode": {"codeType": "studentNumber", "code": f"{7000000 + index}"},
            "givenName": given,
            "surname": last,
            "displayName": f"{given} {surname}",
            "affiliations": ["student"],
            "mail": f"{given}.{last}.{index}@student.reference-university.example".lower().replace(" ", ""),
            "activeEnrollment": True,
            "languageOfChoice": ["nl-NL", "en-GB"],
            "otherCodes": [{"codeType": "schacHome", "code": "reference-university.example"}],
        }
        if prefix:
            doc["surnamePrefix"] = prefix
        return doc

    def person_index_for_token(self, token: str) -> int:
        """Who "me" is: a person derived from the bearer token (stable), person 0 without one."""
        if not token:
            return 0
        return int.from_bytes(hashlib.blake2b(token.encode(), digest_size=4).digest(), "big") % 100_000
