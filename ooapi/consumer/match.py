"""Matching: which of the portal's rows each OOAPI document describes, and what would change, with the problems
report that says what was skipped and why.

Identity, by kind (the portal's calendar and unit models carry no OOAPI id):

- organizations: the root is the institution itself; every other one is a unit, by its ``primaryCode``;
- academic sessions: years by name (``2026-2027``), periods by (year, kind, sequence), where the n-th block of
  a year is the n-th by start date;
- programs: by CROHO code;
- courses and offerings: by OOAPI id, else by ``primaryCode`` when the row with that code has no OOAPI id yet
  (made in the portal: adopted now). A code that belongs to a row of another OOAPI id is refused.

Matching reads rows and never writes them: it turns a page of parsed documents into a ``Plan`` (rows to add,
fields to change), which ``ooapi.consumer.write`` carries out through the catalogue's and the institutions'
services. Each field is compared before it is planned, so an unchanged catalogue plans no writes at all.
"""

from __future__ import annotations

import datetime as dt
import sys
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from catalogue.models import Course, Offering
from institutions.models import AcademicPeriod, AcademicYear, Institution, OrganisationalUnit, Programme
from ooapi.consumer.parsing import Parsed, Problem, SessionInfo, year_name

MAX_REPORT_ENTRIES = 1000
MISSING = object()

COURSE_FIELDS = (
    "code",
    "title_nl",
    "title_en",
    "description_nl",
    "description_en",
    "learning_outcomes_nl",
    "learning_outcomes_en",
    "ec",
    "level",
    "eqf_level",
    "language",
    "unit_id",
    "ooapi_id",
)
OFFERING_FIELDS = (
    "course_id",
    "module_id",
    "period_id",
    "code",
    "start_date",
    "end_date",
    "enrol_opens_at",
    "enrol_closes_at",
    "capacity",
    "mode",
    "city",
    "location",
    "is_archived",
    "ooapi_id",
)
UNIT_FIELDS = ("code", "name_nl", "name_en", "kind", "parent_id")
PROGRAMME_FIELDS = ("croho_code", "name_nl", "name_en", "level", "language", "ec", "unit_id")
PERIOD_FIELDS = ("name_nl", "name_en", "start_date", "end_date")

# eduXchange alliance entries the import could not take over as they were, one line per alliance and value.
ALLIANCE_NOTES = {
    "unknown_alliance": _(
        "%(alliance)s: the portal knows no such eduXchange alliance; courses not published there: %(count)s."
    ),
    "not_a_member": _(
        "%(alliance)s: %(institution)s is not a member of this alliance; courses not published there: %(count)s."
    ),
    "unknown_theme": _(
        "%(alliance)s: the theme %(value)s is not in the alliance's vocabulary; courses published there without "
        "a theme: %(count)s."
    ),
}


# The problems report ------------------------------------------------------------------------------------------


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    archived: int = 0

    def add(self, other: Tally) -> None:
        for name in ("created", "updated", "unchanged", "skipped", "archived"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "archived": self.archived,
        }


class Report:
    """The run's report entries (capped) and the reasons tally (complete)."""

    def __init__(self) -> None:
        self.entries: list[dict] = []
        self.dropped = 0
        self.reasons: Counter = Counter()
        self.dirty = False

    def item(self, action: str, parsed: Parsed, problem: Problem) -> None:
        self.reasons[(action, parsed.kind, problem.field, problem.reason)] += 1
        self.add(
            {
                "action": action,
                "kind": parsed.kind,
                "id": parsed.ooapi_id,
                "code": parsed.code,
                "field": problem.field,
                "reason": problem.reason,
                "outcome": problem.outcome,
                "params": problem.params,
                "problem": problem.message(),
            }
        )

    def note(self, action: str, kind: str, message: str, **extra: Any) -> None:
        self.reasons[(action, kind, "", "")] += 1
        self.add({"action": action, "kind": kind, "problem": message, **extra})

    def alliance_notes(self, notes: Counter, *, institution: Institution) -> None:
        """One warning per eduXchange alliance (and theme) the import could not take over as it was: ``notes``
        counts courses by (reason, alliance, value)."""
        for (reason, alliance, value), count in sorted(notes.items()):
            params = {"alliance": alliance, "value": value, "count": count, "institution": institution.short_name}
            self.note("warning", "course", str(ALLIANCE_NOTES[reason] % params), reason=reason, **params)

    def add(self, entry: dict) -> None:
        self.dirty = True
        if len(self.entries) < MAX_REPORT_ENTRIES:
            self.entries.append(entry)
        else:
            self.dropped += 1

    def as_json(self) -> list[dict]:
        if not self.dropped:
            return list(self.entries)
        return [*self.entries, {"action": "truncated", "kind": "report", "count": self.dropped, "problem": ""}]


@dataclass
class PageResult:
    """What matching and writing one page did: counts, items skipped or warned about on the way, and what the
    page added to the import's id maps (``remember``), undone when its transaction rolls back (``forget``)."""

    tally: Tally = field(default_factory=Tally)
    skipped: list[tuple[Parsed, Problem]] = field(default_factory=list)
    warnings: list[tuple[Parsed, Problem]] = field(default_factory=list)
    # (reason, alliance, value) of eduXchange entries not taken over as they were: how many courses each.
    alliance_notes: Counter = field(default_factory=Counter)
    journal: list[tuple[dict, Any, Any]] = field(default_factory=list)

    def remember(self, mapping: dict, key: Any, value: Any) -> None:
        self.journal.append((mapping, key, mapping.get(key, MISSING)))
        mapping[key] = value

    def forget(self) -> None:
        for mapping, key, old in reversed(self.journal):
            if old is MISSING:
                mapping.pop(key, None)
            else:
                mapping[key] = old
        self.journal.clear()

    def skip(self, parsed: Parsed, field_name: str, reason: str, **params: Any) -> None:
        parsed.fail(field_name, reason, **params)
        self.skipped.append((parsed, parsed.problems[-1]))
        self.tally.skipped += 1

    def warn(self, parsed: Parsed, field_name: str, reason: str, outcome: str, **params: Any) -> None:
        parsed.warn(field_name, reason, outcome, **params)
        self.warnings.append((parsed, parsed.problems[-1]))


# What the import knows ------------------------------------------------------------------------------------------


@dataclass
class Identities:
    """OOAPI id → primary key of what this import matched or made, and the institution's calendar: what lets a
    document find its row, its unit, its course and its period without a query per item."""

    units: dict[str, int | None] = field(default_factory=dict)  # the root organization maps to None
    sessions: dict[str, SessionInfo] = field(default_factory=dict)
    courses: dict[str, int] = field(default_factory=dict)
    offerings: dict[str, int] = field(default_factory=dict)
    periods: list[tuple[dt.date, dt.date, int]] = field(default_factory=list)
    period_starts: list[dt.date] = field(default_factory=list)

    def load_catalogue(self, institution: Institution) -> None:
        """The institution's OOAPI ids of courses and offerings, read once (the catalogue has no index on
        ``ooapi_id``, so it is not scanned per page)."""
        courses = Course.objects.filter(institution=institution).exclude(ooapi_id="")
        self.courses = dict(courses.values_list("ooapi_id", "pk").iterator(chunk_size=5000))
        offerings = Offering.objects.filter(institution=institution).exclude(ooapi_id="")
        # Interned, so the ids seen on pages later are the same string objects, not a second copy of each.
        self.offerings = {
            sys.intern(ooapi_id): pk
            for ooapi_id, pk in offerings.values_list("ooapi_id", "pk").iterator(chunk_size=5000)
        }

    def load_periods(self, institution: Institution) -> None:
        rows = (
            AcademicPeriod.objects.filter(institution=institution)
            .order_by("start_date", "pk")
            .values_list("start_date", "end_date", "pk")
        )
        self.periods = list(rows)
        self.period_starts = [start for start, _end, _pk in self.periods]

    def root(self) -> str | None:
        """The OOAPI id of the root organization (the institution itself), if the endpoint listed one."""
        return next((ooapi_id for ooapi_id, pk in self.units.items() if pk is None), None)

    def period_for(self, item: Parsed) -> int | None:
        """An offering's period: its academic session when that is a period, else the latest period that starts
        on or before its start date and has not ended by then."""
        session = self.sessions.get(item.refs.get("academicSession", ""))
        if session is not None and session.kind == "period":
            return session.pk
        day = item.values["start_date"]
        index = bisect_right(self.period_starts, day)
        while index > 0:
            index -= 1
            start, end, pk = self.periods[index]
            if start <= day <= end:
                return pk
        return None


@dataclass
class Plan:
    """What one page asks of one table. ``create``: new rows, each with the document it comes from (None for a
    row the import makes up, such as a year for a period without one) and its field values. ``update``: primary
    key → the fields that differ and their new values. ``matched``: every document that describes an existing
    row, with that row's primary key, changed or not."""

    create: list[tuple[Parsed | None, dict[str, Any]]] = field(default_factory=list)
    update: dict[int, dict[str, Any]] = field(default_factory=dict)
    matched: list[tuple[Parsed, int]] = field(default_factory=list)

    def compare(self, item: Parsed, row: dict[str, Any], values: dict[str, Any]) -> None:
        """``item`` describes ``row`` (a dict of field values with its ``pk``): plan the fields that differ."""
        diff = changes(row, values)
        if diff:
            self.update.setdefault(row["pk"], {}).update({name: values[name] for name in diff})
        self.matched.append((item, row["pk"]))

    def count(self, tally: Tally) -> None:
        tally.created += len(self.create)
        tally.updated += len(self.update)
        tally.unchanged += len(self.matched) - len(self.update)


def changes(row: dict[str, Any], values: dict[str, Any]) -> set[str]:
    """Set the values that differ on ``row`` (a dict of field values); returns their names."""
    changed = set()
    for name, value in values.items():
        if row.get(name) != value:
            row[name] = value
            changed.add(name)
    return changed


def rows_by(model: type[Model], key: str, fields: tuple[str, ...], **filters: Any) -> dict[Any, dict[str, Any]]:
    """``model``'s rows matching ``filters`` as dicts of ``fields`` (and ``pk``), by ``key``, in the model's order."""
    rows = model._default_manager.filter(**filters).values("pk", *fields)
    return {row[key]: row for row in rows}


# Organizations, academic sessions, programs ---------------------------------------------------------------------


def units(items: list[Parsed], result: PageResult, *, institution: Institution, ids: Identities) -> Plan:
    """Organizations to units, by code. The root organization is the institution itself: it maps to no row,
    and a BRIN of another institution is noted. Parents are planned apart (``unit_parents``), once every unit
    has its primary key."""
    current = rows_by(OrganisationalUnit, "code", UNIT_FIELDS, institution=institution)
    plan = Plan()
    seen_codes: set[str] = set()
    for item in items:
        if item.extra.get("root"):
            result.remember(ids.units, item.ooapi_id, None)
            brin = item.extra.get("brin")
            if brin and brin.upper() != institution.brin.upper():
                result.warn(item, "primaryCode", "other_institution", "ignored", value=f"BRIN {brin}")
            result.tally.unchanged += 1
            continue
        if item.code in seen_codes:
            result.skip(item, "primaryCode", "duplicate", value=item.code)
            continue
        seen_codes.add(item.code)
        row = current.get(item.code)
        if row is None:
            plan.create.append((item, {"code": item.code, **item.defaults, **item.values}))
        else:
            plan.compare(item, row, item.values)
    return plan


def unit_parents(items: list[Parsed], *, institution: Institution, ids: Identities) -> dict[int, dict[str, Any]]:
    """Each unit's parent, once every unit of the list exists (a list may name a child before its parent): the
    units whose parent changes. A parent the list does not name leaves the unit's parent as it is; the root
    organization as parent makes it a top-level unit."""
    wanted: dict[int, int | None] = {}
    for item in items:
        parent = item.refs.get("parent")
        pk = ids.units.get(item.ooapi_id)
        if item.skipped or item.extra.get("root") or not parent or pk is None or parent not in ids.units:
            continue
        parent_pk = ids.units[parent]
        wanted[pk] = None if parent_pk == pk else parent_pk
    if not wanted:
        return {}
    current = dict(
        OrganisationalUnit.objects.filter(institution=institution, pk__in=list(wanted)).values_list("pk", "parent_id")
    )
    return {pk: {"parent_id": parent} for pk, parent in wanted.items() if pk in current and current[pk] != parent}


def years(
    items: list[Parsed], result: PageResult, *, institution: Institution
) -> tuple[Plan, dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """Academic sessions that are years, by name. Returns the plan, the institution's years by name as they will
    be, and the year of each year session (rows as dicts; a new year's ``pk`` is None until it is written)."""
    by_name = rows_by(AcademicYear, "name", ("name", "start_date", "end_date"), institution=institution)
    by_session: dict[str, dict[str, Any]] = {}
    plan = Plan()
    for item in items:
        if not item.extra["is_year"]:
            continue
        values = {"start_date": item.values["start_date"], "end_date": item.values["end_date"]}
        name = year_name(values["start_date"], values["end_date"], item.code)
        row = by_name.get(name)
        if row is None:
            row = by_name[name] = {"pk": None, "name": name, **values}
            plan.create.append((item, row))
        elif row["pk"] is None:
            # A second session with the name of a year this page adds: that year takes its dates.
            if changes(row, values):
                result.tally.updated += 1
            else:
                result.tally.unchanged += 1
        else:
            plan.compare(item, row, values)
        by_session[item.ooapi_id] = row
    return plan, by_name, by_session


def period_years(
    items: list[Parsed],
    result: PageResult,
    *,
    by_session: dict[str, dict[str, Any]],
    by_name: dict[str, dict[str, Any]],
) -> tuple[list[tuple[Parsed, dict[str, Any]]], list[dict[str, Any]]]:
    """Each academic session that is a period, with the year it belongs to: the year session it names (``year``,
    else ``parent``), else the year whose dates contain its start, else a September-to-August year made up for
    it. A session inside a period is skipped. Returns the periods with their years, and the years made up (with
    ``pk`` None: they are still to be written)."""
    sessions = {item.ooapi_id: item for item in items}
    placed: list[tuple[Parsed, dict[str, Any]]] = []
    made_up: list[dict[str, Any]] = []
    for item in items:
        if item.extra["is_year"]:
            continue
        parent = sessions.get(item.refs.get("parent", ""))
        if parent is not None and not parent.extra["is_year"]:
            result.skip(item, "parent", "nested_session")
            continue
        day = item.values["start_date"]
        year = by_session.get(item.refs.get("year", "")) or by_session.get(item.refs.get("parent", ""))
        if year is None:
            year = next((row for row in by_name.values() if row["start_date"] <= day <= row["end_date"]), None)
        if year is None:
            first = day.year if day.month >= 9 else day.year - 1
            year = {"pk": None, "name": f"{first}-{first + 1}"}
            year |= {"start_date": dt.date(first, 9, 1), "end_date": dt.date(first + 1, 8, 31)}
            by_name[year["name"]] = year
            made_up.append(year)
        placed.append((item, year))
    return placed, made_up


def periods(placed: list[tuple[Parsed, dict[str, Any]]], *, institution: Institution) -> Plan:
    """Periods by (year, kind, sequence): the n-th period of one kind in a year, by start date, is that year's
    n-th. ``placed`` pairs each period with its year (written by now: every year has its ``pk``)."""
    members: dict[tuple[int, str], list[Parsed]] = {}
    for item, year in placed:
        members.setdefault((year["pk"], item.values["kind"]), []).append(item)
    current = {
        (row["academic_year_id"], row["kind"], row["sequence"]): row
        for row in AcademicPeriod.objects.filter(institution=institution)
        .order_by()
        .values("pk", "academic_year_id", "kind", "sequence", *PERIOD_FIELDS)
    }
    plan = Plan()
    for (year_pk, kind), items in members.items():
        items.sort(key=lambda item: (item.values["start_date"], item.values["end_date"], item.ooapi_id))
        for sequence, item in enumerate(items, start=1):
            values = {name: item.values[name] for name in PERIOD_FIELDS}
            row = current.get((year_pk, kind, sequence))
            if row is None:
                plan.create.append((item, {"academic_year_id": year_pk, "kind": kind, "sequence": sequence, **values}))
            else:
                plan.compare(item, row, values)
    return plan


def programmes(items: list[Parsed], result: PageResult, *, institution: Institution, ids: Identities) -> Plan:
    """Programs to degree programmes, by CROHO code; the same code twice in a page is skipped."""
    current = rows_by(
        Programme, "croho_code", PROGRAMME_FIELDS, institution=institution, croho_code__in=[i.code for i in items]
    )
    plan = Plan()
    seen: set[str] = set()
    for item in items:
        if item.code in seen:
            result.skip(item, "primaryCode", "duplicate", value=item.code)
            continue
        seen.add(item.code)
        values = {**item.values, "unit_id": ids.units.get(item.refs.get("organization", ""))}
        row = current.get(item.code)
        if row is None:
            plan.create.append((item, {"croho_code": item.code, **item.defaults, **values}))
        else:
            plan.compare(item, row, values)
    return plan


# Courses and offerings ------------------------------------------------------------------------------------------


def rows_of(
    items: list[Parsed],
    result: PageResult,
    *,
    institution: Institution,
    id_field: str,
    pks: dict[str, int],
    model: type[Course] | type[Offering],
    fields: tuple[str, ...],
    check: Callable[[Parsed, PageResult], bool] | None = None,
) -> list[tuple[Parsed, dict | None]]:
    """Each item with the row it describes (a dict of ``fields`` and ``pk``), or None for a new row.

    A row is the one with the item's OOAPI id, else the one with its code that has no OOAPI id yet (made in the
    portal: adopted now). Skipped, with the reason: the same id or code twice in the page, and a code that
    belongs to a row of another OOAPI id; ``check`` may skip an item for reasons of its own. Codes are only
    looked up for items that are new or change their code, so an unchanged page costs one query here."""
    extra = ("seats_taken",) if model is Offering else ()
    seen_ids: set[str] = set()
    seen_codes: set[str] = set()
    kept: list[Parsed] = []
    for item in items:
        if item.ooapi_id in seen_ids:
            result.skip(item, id_field, "duplicate", value=item.ooapi_id)
        elif item.code and item.code in seen_codes:
            result.skip(item, "primaryCode", "duplicate", value=item.code)
        elif check is None or check(item, result):
            seen_ids.add(item.ooapi_id)
            if item.code:
                seen_codes.add(item.code)
            kept.append(item)
    known = [pks[item.ooapi_id] for item in kept if item.ooapi_id in pks]
    rows = {row["pk"]: row for row in model.objects.filter(pk__in=known).order_by().values("pk", *fields, *extra)}
    lookup = [
        item.code
        for item in kept
        if item.code and (item.ooapi_id not in pks or rows.get(pks[item.ooapi_id], {}).get("code") != item.code)
    ]
    holders: dict[str, dict] = {}
    if lookup:
        found = model.objects.filter(institution=institution, code__in=lookup)
        # exclude(code="") lets PostgreSQL use the partial unique index on offerings' (institution, code).
        for row in found.exclude(code="").order_by().values("pk", *fields, *extra):
            holders[row["code"]] = row
    matched: list[tuple[Parsed, dict | None]] = []
    for item in kept:
        row = rows.get(pks.get(item.ooapi_id, 0))
        holder = holders.get(item.code) if item.code else None
        if row is None and holder is not None:
            if holder["ooapi_id"] and holder["ooapi_id"] != item.ooapi_id:
                result.skip(item, "primaryCode", "code_taken", value=item.code)
                continue
            row = holder
        elif holder is not None and holder["pk"] != row["pk"]:
            result.skip(item, "primaryCode", "code_taken", value=item.code)
            continue
        matched.append((item, row))
    return matched


def courses(items: list[Parsed], result: PageResult, *, institution: Institution, ids: Identities) -> Plan:
    """Courses by OOAPI id or code (``rows_of``). A new course needs its study load: skipped without one."""
    plan = Plan()
    candidates = rows_of(
        items,
        result,
        institution=institution,
        id_field="courseId",
        pks=ids.courses,
        model=Course,
        fields=COURSE_FIELDS,
    )
    for item, row in candidates:
        values = {
            **item.values,
            "code": item.code,
            "ooapi_id": item.ooapi_id,
            "unit_id": ids.units.get(item.refs.get("organization", "")),
        }
        if row is not None:
            plan.compare(item, row, values)
            continue
        values = {**item.defaults, **values}
        if "ec" not in values:
            result.skip(item, "studyLoad", "required_for_new")
            continue
        plan.create.append((item, values))
    return plan


def offerings(items: list[Parsed], result: PageResult, *, institution: Institution, ids: Identities) -> Plan:
    """Course offerings by OOAPI id or code (``rows_of``), each in its course and period. Skipped: an offering
    whose course was not imported, or that no period of the institution covers. A capacity is never planned
    below the seats the portal already gave away."""
    resolved: dict[int, tuple[int, int]] = {}

    def resolve(item: Parsed, result: PageResult) -> bool:
        course_pk = ids.courses.get(item.refs["course"])
        if course_pk is None:
            result.skip(item, "course", "unknown_course", value=item.refs["course"])
            return False
        period_pk = ids.period_for(item)
        if period_pk is None:
            result.skip(item, "academicSession", "no_period", value=item.values["start_date"].isoformat())
            return False
        resolved[id(item)] = (course_pk, period_pk)
        return True

    candidates = rows_of(
        items,
        result,
        institution=institution,
        id_field="offeringId",
        pks=ids.offerings,
        model=Offering,
        fields=OFFERING_FIELDS,
        check=resolve,
    )
    plan = Plan()
    for item, row in candidates:
        course_pk, period_pk = resolved[id(item)]
        values = {
            **item.values,
            "course_id": course_pk,
            "module_id": None,
            "period_id": period_pk,
            "code": item.code,
            "ooapi_id": item.ooapi_id,
            "is_archived": False,
        }
        if row is None:
            plan.create.append((item, {**item.defaults, **values}))
            continue
        if "capacity" in values and values["capacity"] < row["seats_taken"]:
            values["capacity"] = row["seats_taken"]
        plan.compare(item, row, values)
    return plan


def vanished_offerings(*, institution: Institution, since: dt.date, seen: set[str]) -> list[int]:
    """The institution's imported offerings, not archived and starting on or after ``since``, whose OOAPI id is
    not in ``seen``: the source no longer lists them."""
    candidates = (
        Offering.objects.filter(institution=institution, is_archived=False, start_date__gte=since)
        .exclude(ooapi_id="")
        .values_list("pk", "ooapi_id")
        .order_by("pk")
    )
    return [pk for pk, ooapi_id in candidates.iterator(chunk_size=5000) if ooapi_id not in seen]
