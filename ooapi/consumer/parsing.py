"""Tolerant parsing of OOAPI v5 catalogue documents into the portal's field values.

Real endpoints are sloppy: empty strings for dates, optional blocks left out, numbers sent as strings,
values outside an enum, texts of a megabyte. Each document is parsed on its own and yields a ``Parsed``:
the field values that could be read, the OOAPI references it makes, and the ``Problem``\\ s found. A fatal
problem skips the item; any other problem is a warning and the item is imported with the value noted in
the problem (a default, the academic session's dates, a shortened text).

The rules, in short:

- what OOAPI requires and the portal cannot do without (the id, a name, a code to match on, dates that
  can be read) is fatal when missing or unusable;
- an optional value that cannot be used is left out: an existing row keeps its value and a new row gets
  the default (``Parsed.defaults``), with a warning;
- identifiers are never shortened (a shortened code would match another item): too long is fatal;
  texts are shortened to what the catalogue stores, with a warning.

Nothing here touches the database.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from catalogue.models import Language, Level, Mode
from catalogue.services import SharedIn
from institutions.models import AcademicPeriod, OrganisationalUnit, Programme, Publication

# What the catalogue stores; longer identifiers are refused, longer texts shortened.
MAX_ID = 64
MAX_COURSE_CODE = 40
MAX_OFFERING_CODE = 60
MAX_UNIT_CODE = 30
MAX_TITLE = 255
MAX_UNIT_NAME = 200
MAX_PERIOD_NAME = 60
MAX_YEAR_NAME = 20
MAX_CITY = 100
MAX_LOCATION = 200
MAX_TEXT = 20_000
MAX_THEME = 100
MAX_EC = Decimal("9999.9")
# A new offering without maxNumberStudents: the institution sets no maximum.
UNLIMITED_CAPACITY = 9999
# A new offering without an enrolment window: it opens this long before the start and closes at the start.
DEFAULT_WINDOW_DAYS = 70
HOURS_PER_EC = 28  # Dutch convention (WHW): one EC is 28 hours of study

# Why an item was skipped or changed. English source, translated where the report is shown.
REASONS = {
    "not_an_object": _("the item is not a JSON object"),
    "missing": _("%(field)s is missing"),
    "empty": _("%(field)s is empty"),
    "wrong_type": _("%(field)s should be %(expected)s, not %(got)s"),
    "not_a_date": _("%(field)s is not a date (YYYY-MM-DD): %(value)s"),
    "unknown_value": _("%(field)s has a value the catalogue does not know: %(value)s"),
    "too_long": _("%(field)s is longer than the %(limit)s characters the catalogue stores"),
    "out_of_range": _("%(field)s is out of range: %(value)s"),
    "dates_reversed": _("%(field)s is before %(other)s"),
    "no_unit": _("%(field)s is in a unit that cannot be converted to EC: %(value)s"),
    "not_course_offering": _("a %(value)s offering is not a course offering; only course offerings are imported"),
    "not_degree_programme": _("a %(value)s is not a degree programme; only degree programmes are imported"),
    "no_croho": _("the program has no CROHO code (codeType crohoCreboCode); programmes are matched on it"),
    "nested_session": _("the academic session lies inside a period; only years and their periods are imported"),
    "no_period": _("no academic period of the institution covers %(value)s"),
    "unknown_course": _("its course %(value)s was not imported"),
    "duplicate": _("the same %(field)s %(value)s appears twice in this import"),
    "code_taken": _("%(field)s %(value)s already belongs to another item of this institution"),
    "required_for_new": _("%(field)s is needed to add a new item"),
    "other_institution": _("the endpoint describes %(value)s, not this institution"),
    "page_failed": _("%(value)s"),
    "duplicate_alliance": _("%(field)s names the alliance %(value)s a second time"),
}
# What was done instead, for problems that are warnings.
OUTCOMES = {
    "kept": _("an existing item keeps its value; a new one gets %(default)s"),
    "session_dates": _("the academic session's dates were used"),
    "shortened": _("the text was shortened"),
    "ignored": _("the value was ignored"),
    "assumed": _("read as %(assumed)s"),
    "id_only": _("the item is matched on its id only"),
    "abbreviation": _("the abbreviation %(assumed)s is used as its code"),
}


@dataclass
class Problem:
    field: str
    reason: str
    params: dict[str, str] = field(default_factory=dict)
    fatal: bool = True
    outcome: str = ""

    def message(self) -> str:
        text = str(REASONS[self.reason]) % {"field": self.field, **self.params}
        if self.outcome:
            text += "; " + str(OUTCOMES[self.outcome]) % self.params
        return text


@dataclass
class Parsed:
    """One parsed document. ``values`` holds model field values that were read (a field that could not be
    read is absent); ``defaults`` what a new row gets for absent fields; ``refs`` the OOAPI ids it points
    to; ``extra`` anything else the importer needs."""

    kind: str
    ooapi_id: str = ""
    code: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def skipped(self) -> bool:
        return any(problem.fatal for problem in self.problems)

    def fail(self, field_name: str, reason: str, **params: Any) -> None:
        self.problems.append(Problem(field_name, reason, _params(params), fatal=True))

    def warn(self, field_name: str, reason: str, outcome: str, **params: Any) -> None:
        self.problems.append(Problem(field_name, reason, _params(params), fatal=False, outcome=outcome))


@dataclass(frozen=True)
class SessionInfo:
    """What an offering needs to know about an academic session the import mapped."""

    kind: str  # "year" | "period"
    start: dt.date
    end: dt.date
    pk: int


def _params(params: dict[str, Any]) -> dict[str, str]:
    return {key: value if isinstance(value, str) else show(value) for key, value in params.items()}


def show(value: Any, limit: int = 80) -> str:
    """A short, safe rendering of a value from a peer, for a report."""
    if isinstance(value, str | list | dict) and len(value) > limit:
        value = value[:limit] if isinstance(value, str | list) else dict(list(value.items())[:limit])
    text = repr(value).replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# Building blocks -------------------------------------------------------------------------------------


def read_id(parsed: Parsed, doc: dict, key: str) -> str:
    """The item's own id: required, a string (a number is accepted and read as text), at most 64 characters."""
    value = doc.get(key)
    if _is_blank(value):
        parsed.fail(key, "missing" if value is None else "empty")
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        parsed.warn(key, "wrong_type", "assumed", expected="a string", got=type_name(value), assumed=str(value))
        value = str(value)
    if not isinstance(value, str):
        parsed.fail(key, "wrong_type", expected="a string", got=type_name(value))
        return ""
    value = value.strip()
    if len(value) > MAX_ID:
        parsed.fail(key, "too_long", limit=MAX_ID)
        return ""
    return value


def read_ref(parsed: Parsed, doc: dict, key: str, id_key: str) -> str:
    """A reference to another object: its id, or the object itself when the peer expanded it. Empty when
    absent; unusable references are a warning (and empty)."""
    value = doc.get(key)
    if _is_blank(value):
        return ""
    if isinstance(value, dict):
        value = value.get(id_key)
        if _is_blank(value):
            parsed.warn(key, "missing", "ignored", field=f"{key}.{id_key}")
            return ""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or len(value.strip()) > MAX_ID:
        parsed.warn(key, "wrong_type", "ignored", expected="an id", got=type_name(value))
        return ""
    return value.strip()


def read_code(parsed: Parsed, doc: dict, *, limit: int, required: bool, fallback_key: str = "") -> str:
    """``primaryCode.code``. A bare string is accepted. Codes are identity: never shortened."""
    value = doc.get("primaryCode")
    code = ""
    if isinstance(value, dict):
        code = value.get("code")
        if isinstance(code, int) and not isinstance(code, bool):
            code = str(code)
        if not isinstance(code, str):
            if code is not None:
                parsed.warn("primaryCode.code", "wrong_type", "ignored", expected="a string", got=type_name(code))
            code = ""
    elif isinstance(value, str):
        code = value
    elif value is not None:
        parsed.warn("primaryCode", "wrong_type", "ignored", expected="an object", got=type_name(value))
    code = code.strip()
    if not code and fallback_key:
        fallback = doc.get(fallback_key)
        if isinstance(fallback, str) and fallback.strip():
            code = fallback.strip()
            parsed.warn("primaryCode", "missing", "abbreviation", assumed=code)
    if not code:
        if required:
            parsed.fail("primaryCode", "missing")
        else:
            parsed.warn("primaryCode", "missing", "id_only")
        return ""
    if len(code) > limit:
        parsed.fail("primaryCode.code", "too_long", limit=limit)
        return ""
    return code


def other_code(doc: dict, code_type: str) -> str:
    """The code of ``code_type`` from ``primaryCode`` or ``otherCodes``, or ''."""
    candidates = [doc.get("primaryCode")]
    others = doc.get("otherCodes")
    if isinstance(others, list):
        candidates += others
    for candidate in candidates:
        if isinstance(candidate, dict) and candidate.get("codeType") == code_type:
            code = candidate.get("code")
            if isinstance(code, str) and code.strip():
                return code.strip()
    return ""


LANGUAGE_TAGS = {
    "nl": "nl",
    "nld": "nl",
    "dut": "nl",
    "en": "en",
    "eng": "en",
    "de": "de",
    "deu": "de",
    "ger": "de",
}
LANGUAGE_NAMES = {
    "dutch": "nl",
    "nederlands": "nl",
    "english": "en",
    "engels": "en",
    "german": "de",
    "duits": "de",
    "deutsch": "de",
}


def _language_of(tag: Any) -> str:
    if not isinstance(tag, str):
        return ""
    primary = tag.strip().lower().replace("_", "-").split("-")[0]
    return LANGUAGE_TAGS.get(primary, "")


def read_texts(parsed: Parsed, doc: dict, key: str, *, required: bool, limit: int) -> tuple[str, str] | None:
    """A multilingual field (a list of ``{language, value}``) as ``(dutch, english)``.

    A language that is missing borrows the other one (the catalogue shows both); texts in other languages
    are used when neither Dutch nor English is there. A bare string or a single object is accepted with a
    warning. None when required and unusable (a fatal problem is recorded)."""
    value = doc.get(key)
    if value is None or value == [] or value == "":
        if required:
            parsed.fail(key, "missing" if value is None else "empty")
            return None
        return "", ""
    if isinstance(value, str):
        parsed.warn(
            key,
            "wrong_type",
            "assumed",
            expected="a list of {language, value}",
            got="a string",
            assumed="text in both languages",
        )
        value = [{"language": "", "value": value}]
    elif isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        if required:
            parsed.fail(key, "wrong_type", expected="a list of {language, value}", got=type_name(value))
            return None
        parsed.warn(key, "wrong_type", "ignored", expected="a list of {language, value}", got=type_name(value))
        return "", ""
    found: dict[str, str] = {}
    first = ""
    for entry in value:
        if not isinstance(entry, dict) or not isinstance(entry.get("value"), str):
            continue
        text = entry["value"].strip()
        if not text:
            continue
        first = first or text
        language = _language_of(entry.get("language"))
        if language in ("nl", "en") and language not in found:
            found[language] = text
    dutch = found.get("nl") or found.get("en") or first
    english = found.get("en") or found.get("nl") or first
    if not dutch:
        if required:
            parsed.fail(key, "empty")
            return None
        return "", ""
    if len(dutch) > limit or len(english) > limit:
        parsed.warn(key, "too_long", "shortened", limit=limit)
        dutch, english = shorten(dutch, limit), shorten(english, limit)
    return dutch, english


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def read_date(parsed: Parsed, doc: dict, key: str) -> dt.date | None | bool:
    """A ``full-date``. None when absent or empty; False when present but unreadable (warned by the caller).
    A date-time is accepted (its date is used)."""
    value = doc.get(key)
    if _is_blank(value):
        return None
    if not isinstance(value, str):
        return False
    text = value.strip()
    match = re.fullmatch(r"(\d{4}-\d{2}-\d{2})(?:[T ][0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?)?", text)
    if not match:
        return False
    try:
        return dt.date.fromisoformat(match.group(1))
    except ValueError:
        return False


def read_number(value: Any) -> Decimal | None:
    """A number, also from a numeric string ("7.5", "7,5"). None when unusable."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return None
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip().replace(",", "."))
        except InvalidOperation:
            return None
    else:
        return None
    return number if number.is_finite() else None


def read_language(parsed: Parsed, doc: dict, key: str, *, allowed: tuple[str, ...]) -> None:
    """``teachingLanguage`` (ISO 639-2, e.g. ``nld``) into ``values["language"]``; tolerant of two-letter
    codes, language tags and names, with a warning for the latter."""
    value = doc.get(key)
    if _is_blank(value):
        parsed.defaults["language"] = "nl"
        return
    language = _language_of(value) if isinstance(value, str) else ""
    if not language and isinstance(value, str):
        language = LANGUAGE_NAMES.get(value.strip().lower(), "")
        if language:
            parsed.warn(key, "unknown_value", "assumed", value=value, assumed=language)
    elif language and isinstance(value, str) and not re.fullmatch(r"[a-z]{3}", value):
        parsed.warn(key, "unknown_value", "assumed", value=value, assumed=language)
    if language in allowed:
        parsed.values["language"] = language
        return
    if isinstance(value, str):
        parsed.warn(key, "unknown_value", "kept", value=value, default="en")
    else:
        parsed.warn(key, "wrong_type", "kept", expected="a string", got=type_name(value), default="en")
    parsed.defaults["language"] = "en"


def _check_object(parsed: Parsed, doc: Any) -> bool:
    if not isinstance(doc, dict):
        parsed.fail("item", "not_an_object")
        return False
    return True


# Organizations ---------------------------------------------------------------------------------------

UNIT_KINDS = {
    "faculty": OrganisationalUnit.Kind.FACULTY,
    "school": OrganisationalUnit.Kind.SCHOOL,
    "academy": OrganisationalUnit.Kind.SCHOOL,
    "department": OrganisationalUnit.Kind.DEPARTMENT,
    "branch": OrganisationalUnit.Kind.DEPARTMENT,
    "institute": OrganisationalUnit.Kind.INSTITUTE,
}


def parse_organization(doc: Any) -> Parsed:
    """An organization: the root is the institution itself (``extra["root"]``, with its BRIN); every other
    one becomes an organisational unit matched on its ``primaryCode``."""
    parsed = Parsed(kind="organization")
    if not _check_object(parsed, doc):
        return parsed
    parsed.ooapi_id = read_id(parsed, doc, "organizationId")
    kind = doc.get("organizationType")
    is_root = kind == "root"
    parsed.extra["root"] = is_root
    parsed.code = read_code(parsed, doc, limit=MAX_UNIT_CODE if not is_root else 10_000, required=not is_root)
    names = read_texts(parsed, doc, "name", required=True, limit=MAX_UNIT_NAME)
    if names:
        parsed.values["name_nl"], parsed.values["name_en"] = names
    if is_root:
        parsed.extra["brin"] = other_code(doc, "brin")
        return parsed
    if kind in UNIT_KINDS:
        parsed.values["kind"] = UNIT_KINDS[kind]
    elif _is_blank(kind):
        parsed.defaults["kind"] = OrganisationalUnit.Kind.DEPARTMENT
    else:
        parsed.warn("organizationType", "unknown_value", "kept", value=show(kind), default="department")
        parsed.defaults["kind"] = OrganisationalUnit.Kind.DEPARTMENT
    parsed.refs["parent"] = read_ref(parsed, doc, "parent", "organizationId")
    return parsed


# Academic sessions -----------------------------------------------------------------------------------

PERIOD_KINDS = {
    "semester": AcademicPeriod.Kind.SEMESTER,
    "trimester": AcademicPeriod.Kind.TRIMESTER,
    "quarter": AcademicPeriod.Kind.QUARTER,
}


def parse_session(doc: Any) -> Parsed:
    """An academic session: an academic year (``extra["is_year"]``) or a period in one. The period's kind
    comes from ``academicSessionType`` (an extensible enum: anything else is a block)."""
    parsed = Parsed(kind="academic session")
    if not _check_object(parsed, doc):
        return parsed
    parsed.ooapi_id = read_id(parsed, doc, "academicSessionId")
    code = doc.get("primaryCode")
    code = code.get("code") if isinstance(code, dict) else code
    parsed.code = code.strip() if isinstance(code, str) else ""  # optional for sessions; only names a year
    names = read_texts(parsed, doc, "name", required=True, limit=MAX_PERIOD_NAME)
    if names:
        parsed.values["name_nl"], parsed.values["name_en"] = names
    start, end = _required_dates(parsed, doc)
    if start and end:
        parsed.values["start_date"], parsed.values["end_date"] = start, end
        if end <= start:
            parsed.fail("endDate", "dates_reversed", other="the day after startDate")
    kind = doc.get("academicSessionType")
    if kind == "academic year" or (_is_blank(kind) and start and end and (end - start).days > 300):
        parsed.extra["is_year"] = True
    else:
        parsed.extra["is_year"] = False
        parsed.values["kind"] = (
            PERIOD_KINDS.get(kind, AcademicPeriod.Kind.BLOCK) if isinstance(kind, str) else AcademicPeriod.Kind.BLOCK
        )
    parsed.refs["parent"] = read_ref(parsed, doc, "parent", "academicSessionId")
    parsed.refs["year"] = read_ref(parsed, doc, "year", "academicSessionId")
    return parsed


def year_name(start: dt.date, end: dt.date, code: str) -> str:
    """The portal's name of an academic year: ``2026-2027`` when it spans two calendar years, else the
    session's code (or its start month)."""
    if end.year == start.year + 1:
        return f"{start.year}-{end.year}"
    return (code or f"{start:%Y-%m}")[:MAX_YEAR_NAME]


def _required_dates(parsed: Parsed, doc: dict) -> tuple[dt.date | None, dt.date | None]:
    dates = []
    for key in ("startDate", "endDate"):
        value = read_date(parsed, doc, key)
        if value is None:
            parsed.fail(key, "missing" if doc.get(key) is None else "empty")
        elif value is False:
            parsed.fail(key, "not_a_date", value=show(doc.get(key)))
        dates.append(value or None)
    return dates[0], dates[1]


# Programs --------------------------------------------------------------------------------------------

PROGRAMME_LEVELS = {
    "associate degree": Programme.Level.ASSOCIATE,
    "bachelor": Programme.Level.BACHELOR,
    "master": Programme.Level.MASTER,
}


def parse_program(doc: Any) -> Parsed:
    """A program: a degree programme (``programType`` program) with a CROHO code becomes a ``Programme``;
    minors, tracks and programs without a CROHO code are skipped with the reason."""
    parsed = Parsed(kind="program")
    if not _check_object(parsed, doc):
        return parsed
    parsed.ooapi_id = read_id(parsed, doc, "programId")
    program_type = doc.get("programType")
    if not _is_blank(program_type) and program_type != "program":
        parsed.fail("programType", "not_degree_programme", value=show(program_type))
        return parsed
    croho = other_code(doc, "crohoCreboCode")
    if not re.fullmatch(r"\d{5}", croho):
        parsed.fail("primaryCode", "no_croho")
        return parsed
    parsed.code = croho
    names = read_texts(parsed, doc, "name", required=True, limit=MAX_UNIT_NAME)
    if names:
        parsed.values["name_nl"], parsed.values["name_en"] = names
    level = doc.get("level")
    if level in PROGRAMME_LEVELS:
        parsed.values["level"] = PROGRAMME_LEVELS[level]
    else:
        parsed.warn(
            "level", "unknown_value" if level is not None else "missing", "kept", value=show(level), default="bachelor"
        )
        parsed.defaults["level"] = Programme.Level.BACHELOR
    read_language(parsed, doc, "teachingLanguage", allowed=("nl", "en"))
    parsed.refs["organization"] = read_ref(parsed, doc, "organization", "organizationId")
    return parsed


# Courses ---------------------------------------------------------------------------------------------

COURSE_LEVELS = {
    "associate degree": (Level.ASSOCIATE, 5),
    "bachelor": (Level.BACHELOR, 6),
    "master": (Level.MASTER, 7),
    "doctoral": (Level.POSTGRADUATE, 8),
}


def read_study_load(parsed: Parsed, doc: dict) -> None:
    """``studyLoad`` into ``values["ec"]``: ECTS (and Dutch study points) as they are, hours at 28 per EC.
    Without a usable study load a new course cannot be added (EC is required in the catalogue)."""
    value = doc.get("studyLoad")
    if value is None:
        return
    if not isinstance(value, dict):
        parsed.warn("studyLoad", "wrong_type", "kept", expected="an object", got=type_name(value), default="none")
        return
    unit = value.get("studyLoadUnit")
    amount = read_number(value.get("value"))
    if amount is None:
        raw = value.get("value")
        reason = "missing" if raw is None else "wrong_type"
        parsed.warn("studyLoad.value", reason, "kept", expected="a number", got=type_name(raw), default="none")
        return
    if unit in (None, "", "ects", "sp"):
        if unit in (None, ""):
            parsed.warn("studyLoad.studyLoadUnit", "missing", "assumed", assumed="ects")
        ec = amount
    elif unit in ("sbu", "hour"):
        ec = amount / HOURS_PER_EC
    else:
        parsed.warn("studyLoad", "no_unit", "kept", value=show(unit), default="none")
        return
    ec = ec.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if ec <= 0 or ec > MAX_EC:
        parsed.warn("studyLoad.value", "out_of_range", "kept", value=show(value.get("value")), default="none")
        return
    parsed.values["ec"] = ec


def read_themes(doc: dict) -> list[str] | None:
    """Theme names from the eduXchange consumer block (``alliances[].theme`` or ``themes``). None when the
    document carries no such block: the portal's themes are then left as they are."""
    consumers = doc.get("consumers")
    if not isinstance(consumers, list):
        return None
    names: list[str] | None = None
    for consumer in consumers:
        if not isinstance(consumer, dict) or consumer.get("consumerKey") != "eduxchange":
            continue
        names = names or []
        alliances = consumer.get("alliances")
        for alliance in alliances if isinstance(alliances, list) else []:
            if not isinstance(alliance, dict):
                continue
            for value in [alliance.get("theme"), *(alliance.get("themes") or [])]:
                if isinstance(value, str) and value.strip():
                    names.append(value.strip()[:100])
    return names


def read_alliances(parsed: Parsed, doc: dict) -> list[SharedIn] | None:
    """The alliances the eduXchange consumer block publishes the course to, each with its theme and
    settings. None when the document carries no such block: the course's publications are then left as
    they are; an empty list when the block names no alliance (the course is published nowhere).

    Whether the portal knows the alliance, the institution belongs to it and the theme is in its vocabulary
    is the import's to check (``catalogue.services.course_publications_replace``). Here: an entry without a
    name, or naming an alliance twice, is ignored; a setting of the wrong type or outside the profile's
    values is left at its default; each with a warning."""
    consumers = doc.get("consumers")
    if not isinstance(consumers, list):
        return None
    entries: list[SharedIn] | None = None
    for consumer in consumers:
        if not isinstance(consumer, dict) or consumer.get("consumerKey") != "eduxchange":
            continue
        entries = entries if entries is not None else []
        alliances = consumer.get("alliances")
        if not isinstance(alliances, list):
            if alliances is not None:
                parsed.warn("consumers.alliances", "wrong_type", "ignored", expected="a list", got=type_name(alliances))
            continue
        for index, alliance in enumerate(alliances):
            where = f"consumers.alliances[{index}]"
            name = alliance.get("name") if isinstance(alliance, dict) else None
            if not isinstance(name, str) or not name.strip():
                parsed.warn(
                    f"{where}.name",
                    "missing" if name is None else "wrong_type",
                    "ignored",
                    expected="a string",
                    got=type_name(name),
                )
                continue
            name = name.strip().lower()
            if any(entry.alliance == name for entry in entries):
                parsed.warn(where, "duplicate_alliance", "ignored", value=name)
                continue
            entries.append(_shared_in(parsed, alliance, name, where))
    return entries


def _shared_in(parsed: Parsed, alliance: dict, name: str, where: str) -> SharedIn:
    theme = alliance.get("theme")
    themes = alliance.get("themes")
    if _is_blank(theme) and isinstance(themes, list):
        theme = next((value for value in themes if isinstance(value, str) and value.strip()), None)
    if not _is_blank(theme) and not isinstance(theme, str):
        parsed.warn(f"{where}.theme", "wrong_type", "ignored", expected="a string", got=type_name(theme))
        theme = None
    defaults = SharedIn(alliance=name)
    values: dict[str, Any] = {"theme": shorten(theme.strip(), MAX_THEME) if isinstance(theme, str) else ""}
    for key, field_name in (
        ("selection", "selection"),
        ("visibleForOwnStudents", "visible_for_own_students"),
        ("visibleForGuests", "visible_for_guests"),
    ):
        value = alliance.get(key)
        if isinstance(value, bool):
            values[field_name] = value
        elif value is not None:
            parsed.warn(
                f"{where}.{key}",
                "wrong_type",
                "assumed",
                expected="true or false",
                got=type_name(value),
                assumed=show(getattr(defaults, field_name)),
            )
    for key, field_name, allowed in (
        ("type", "kind", Publication.Kind.values),
        ("enrollmentForOwnStudents", "enrolment_for_own_students", Publication.Enrolment.values),
        ("enrollmentForGuests", "enrolment_for_guests", Publication.Enrolment.values),
    ):
        value = alliance.get(key)
        if value in allowed:
            values[field_name] = value
        elif not _is_blank(value):
            parsed.warn(
                f"{where}.{key}",
                "unknown_value",
                "assumed",
                value=show(value),
                assumed=show(getattr(defaults, field_name)),
            )
    return SharedIn(alliance=name, **values)


def parse_course(doc: Any) -> Parsed:
    """A course into ``Course`` field values, matched on its id and ``primaryCode``."""
    parsed = Parsed(kind="course")
    if not _check_object(parsed, doc):
        return parsed
    parsed.ooapi_id = read_id(parsed, doc, "courseId")
    parsed.code = read_code(parsed, doc, limit=MAX_COURSE_CODE, required=True, fallback_key="abbreviation")
    names = read_texts(parsed, doc, "name", required=True, limit=MAX_TITLE)
    if names:
        parsed.values["title_nl"], parsed.values["title_en"] = names
    descriptions = read_texts(parsed, doc, "description", required=False, limit=MAX_TEXT)
    if descriptions:
        parsed.values["description_nl"], parsed.values["description_en"] = descriptions
    parsed.values["learning_outcomes_nl"], parsed.values["learning_outcomes_en"] = _learning_outcomes(parsed, doc)
    read_language(parsed, doc, "teachingLanguage", allowed=tuple(Language.values))
    level = doc.get("level")
    if level in COURSE_LEVELS:
        parsed.values["level"], parsed.values["eqf_level"] = COURSE_LEVELS[level]
    else:
        if level is not None:
            parsed.warn("level", "unknown_value", "kept", value=show(level), default="bachelor")
        parsed.defaults["level"], parsed.defaults["eqf_level"] = Level.BACHELOR, 6
    read_study_load(parsed, doc)
    parsed.refs["organization"] = read_ref(parsed, doc, "organization", "organizationId")
    parsed.extra["themes"] = read_themes(doc)
    parsed.extra["alliances"] = read_alliances(parsed, doc)
    return parsed


def _learning_outcomes(parsed: Parsed, doc: dict) -> tuple[str, str]:
    value = doc.get("learningOutcomes")
    if not isinstance(value, list):
        if value is not None:
            parsed.warn("learningOutcomes", "wrong_type", "ignored", expected="a list", got=type_name(value))
        return "", ""
    dutch, english = [], []
    for outcome in value:
        texts = read_texts(parsed, {"outcome": outcome}, "outcome", required=False, limit=MAX_TEXT)
        if texts and texts[0]:
            dutch.append(texts[0])
            english.append(texts[1])
    return shorten("\n".join(dutch), MAX_TEXT), shorten("\n".join(english), MAX_TEXT)


# Offerings -------------------------------------------------------------------------------------------

MODES = {
    "on campus": Mode.ON_CAMPUS,
    "situated": Mode.ON_CAMPUS,
    "online": Mode.ONLINE,
    "distance-learning": Mode.ONLINE,
    "hybrid": Mode.HYBRID,
}


def _local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _at(day: dt.date, moment: dt.time = dt.time.min) -> dt.datetime:
    return dt.datetime.combine(day, moment, tzinfo=_local_zone())


def _read_time(value: Any) -> dt.time | None:
    if isinstance(value, str) and re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value.strip()):
        return dt.time.fromisoformat(value.strip())
    return None


def _read_moment(value: Any) -> dt.datetime | None:
    """An RFC 3339 date-time in the portal's zone; one without an offset is taken as local time."""
    if not isinstance(value, str) or "T" not in value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=_local_zone())
    return moment.astimezone(_local_zone())


def read_component_slot(doc: Any) -> tuple[str, dict] | None:
    """One component offering (OOAPI v5: one session of a part of a course offering) as its course
    offering's id and a weekly slot ``{"weekday", "start", "end"}`` in local time; None for anything else
    (another type of offering, no course offering named, a moment missing or malformed, a session that ends
    before it starts or on another day)."""
    if not isinstance(doc, dict) or doc.get("offeringType") != "component":
        return None
    ref = doc.get("courseOffering")
    if isinstance(ref, dict):
        ref = ref.get("offeringId") or ref.get("courseOfferingId")
    if not isinstance(ref, str) or not ref.strip():
        return None
    start, end = _read_moment(doc.get("startDateTime")), _read_moment(doc.get("endDateTime"))
    if start is None or end is None or end <= start or end.date() != start.date():
        return None
    return ref.strip(), {"weekday": start.weekday(), "start": f"{start:%H:%M}", "end": f"{end:%H:%M}"}


def parse_offering(doc: Any, *, sessions: Mapping[str, SessionInfo], course_id: str = "") -> Parsed:
    """A course offering into ``Offering`` field values, matched on its id and ``primaryCode``.

    ``sessions`` are the academic sessions this import mapped (to fill in dates the peer left empty);
    ``course_id`` the course whose offerings are being read, when the list was ``/courses/{id}/offerings``.
    The period itself is resolved by the importer (``refs["academicSession"]``, else the start date)."""
    parsed = Parsed(kind="offering")
    if not _check_object(parsed, doc):
        return parsed
    parsed.ooapi_id = read_id(parsed, doc, "offeringId")
    offering_type = doc.get("offeringType")
    if not _is_blank(offering_type) and offering_type != "course":
        parsed.fail("offeringType", "not_course_offering", value=show(offering_type))
        return parsed
    parsed.code = read_code(parsed, doc, limit=MAX_OFFERING_CODE, required=False)
    read_texts(parsed, doc, "name", required=True, limit=MAX_TITLE)  # the title is the course's; required all the same
    parsed.refs["course"] = read_ref(parsed, doc, "course", "courseId") or course_id
    if not parsed.refs["course"]:
        parsed.fail("course", "missing")
    session_id = read_ref(parsed, doc, "academicSession", "academicSessionId")
    parsed.refs["academicSession"] = session_id
    session = sessions.get(session_id) if session_id else None
    start, end = _offering_dates(parsed, doc, session)
    if start is None or end is None:
        return parsed
    parsed.values["start_date"], parsed.values["end_date"] = start, end
    _enrolment_window(parsed, doc, start)
    _capacity(parsed, doc)
    _mode(parsed, doc)
    _address(parsed, doc)
    return parsed


def _offering_dates(parsed: Parsed, doc: dict, session: SessionInfo | None) -> tuple[dt.date | None, dt.date | None]:
    dates: list[dt.date | None] = []
    for key, from_session in (("startDate", session and session.start), ("endDate", session and session.end)):
        value = read_date(parsed, doc, key)
        if value is None or value is False:
            problem = "missing" if doc.get(key) is None else "empty" if value is None else "not_a_date"
            if from_session and session.kind == "period":
                parsed.warn(key, problem, "session_dates", value=show(doc.get(key)))
                value = from_session
            else:
                parsed.fail(key, problem, value=show(doc.get(key)))
                value = None
        dates.append(value)
    start, end = dates
    if start and end and end < start:
        parsed.fail("endDate", "dates_reversed", other="startDate")
        return None, None
    return start, end


def _enrolment_window(parsed: Parsed, doc: dict, start: dt.date) -> None:
    """``enrollStartDate``/``enrollEndDate`` (the last day open) as the moments enrolment opens and closes,
    in the portal's time zone; times from the eduXchange consumer block when given. Without a window,
    enrolment opens ``DEFAULT_WINDOW_DAYS`` before the start and closes when the offering starts."""
    opens_on, closes_on = (read_date(parsed, doc, key) for key in ("enrollStartDate", "enrollEndDate"))
    for key, value in (("enrollStartDate", opens_on), ("enrollEndDate", closes_on)):
        if value is False:
            parsed.warn(key, "not_a_date", "ignored", value=show(doc.get(key)))
    opens_on = opens_on or None
    closes_on = closes_on or None
    open_time, close_time = _eduxchange_times(doc)
    if closes_on is not None:
        last_open = _at(closes_on, close_time) if close_time else _at(closes_on + dt.timedelta(days=1))
        closes_at = last_open + dt.timedelta(minutes=1) if close_time else last_open
    else:
        closes_at = _at(start)
    if opens_on is not None:
        opens_at = _at(opens_on, open_time or dt.time.min)
    else:
        opens_at = min(_at(start - dt.timedelta(days=DEFAULT_WINDOW_DAYS)), closes_at - dt.timedelta(days=1))
    if closes_at <= opens_at:
        parsed.fail("enrollEndDate", "dates_reversed", other="enrollStartDate")
        return
    parsed.values["enrol_opens_at"], parsed.values["enrol_closes_at"] = opens_at, closes_at


def _eduxchange_times(doc: dict) -> tuple[dt.time | None, dt.time | None]:
    consumers = doc.get("consumers")
    for consumer in consumers if isinstance(consumers, list) else []:
        if isinstance(consumer, dict) and consumer.get("consumerKey") == "eduxchange":
            for alliance in consumer.get("alliances") or []:
                if isinstance(alliance, dict):
                    return _read_time(alliance.get("enrollStartTime")), _read_time(alliance.get("enrollEndTime"))
    return None, None


def _capacity(parsed: Parsed, doc: dict) -> None:
    value = doc.get("maxNumberStudents")
    parsed.defaults["capacity"] = UNLIMITED_CAPACITY
    if value is None or value == "":
        return
    number = read_number(value)
    if number is None or number != number.to_integral_value() or number < 0 or number > 2**31 - 1:
        if number is None:
            parsed.warn(
                "maxNumberStudents",
                "wrong_type",
                "kept",
                expected="a number",
                got=type_name(value),
                default=str(UNLIMITED_CAPACITY),
            )
        else:
            parsed.warn("maxNumberStudents", "out_of_range", "kept", value=show(value), default=str(UNLIMITED_CAPACITY))
        return
    if not isinstance(value, int | float) or isinstance(value, bool):
        parsed.warn(
            "maxNumberStudents",
            "wrong_type",
            "assumed",
            expected="a number",
            got=type_name(value),
            assumed=str(int(number)),
        )
    parsed.values["capacity"] = int(number)


def _mode(parsed: Parsed, doc: dict) -> None:
    value = doc.get("modeOfDelivery")
    parsed.defaults["mode"] = Mode.ON_CAMPUS
    if value is None or value == [] or value == "":
        return
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        parsed.warn(
            "modeOfDelivery", "wrong_type", "kept", expected="a list", got=type_name(value), default="on campus"
        )
        return
    modes = {MODES[item] for item in value if isinstance(item, str) and item in MODES}
    unknown = [item for item in value if not (isinstance(item, str) and item in MODES)]
    if unknown:
        parsed.warn("modeOfDelivery", "unknown_value", "ignored", value=show(unknown))
    if not modes:
        return
    if Mode.HYBRID in modes or len(modes) > 1:
        parsed.values["mode"] = Mode.HYBRID
    else:
        parsed.values["mode"] = modes.pop()


def _address(parsed: Parsed, doc: dict) -> None:
    """City and location from the teaching address (else the first address). No address: no city."""
    parsed.values["city"], parsed.values["location"] = "", ""
    addresses = doc.get("addresses")
    if addresses is None:
        return
    if not isinstance(addresses, list):
        parsed.warn("addresses", "wrong_type", "ignored", expected="a list", got=type_name(addresses))
        return
    usable = [a for a in addresses if isinstance(a, dict)]
    if not usable:
        return
    address = next((a for a in usable if a.get("addressType") == "teaching"), usable[0])
    city = address.get("city")
    if isinstance(city, str):
        if len(city.strip()) > MAX_CITY:
            parsed.warn("addresses.city", "too_long", "shortened", limit=MAX_CITY)
        parsed.values["city"] = shorten(city.strip(), MAX_CITY)
    location = ""
    extra = read_texts(parsed, address, "additional", required=False, limit=MAX_LOCATION)
    if extra and extra[0]:
        location = extra[0]
    else:
        street = " ".join(str(address.get(key) or "").strip() for key in ("street", "streetNumber")).strip()
        location = street
    if len(location) > MAX_LOCATION:
        parsed.warn("addresses", "too_long", "shortened", limit=MAX_LOCATION)
    parsed.values["location"] = shorten(location, MAX_LOCATION)
