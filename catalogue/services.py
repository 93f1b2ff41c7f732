"""Writes to the catalogue. Every change that affects what students see goes through here, so the
search rows and the catalogue stamp (ETag/Last-Modified) never go stale."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Prefetch, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from catalogue.events import capacity_raised
from catalogue.models import (
    EC_BAND_LIMITS,
    EC_BAND_OVER,
    CatalogueStamp,
    Course,
    CoursePublication,
    FacetCount,
    Module,
    Offering,
    OfferingSearch,
    Theme,
    ec_band,
)
from core.db import on_commit_once
from institutions.alliances import ALLIANCES
from institutions.models import Alliance, AllianceTheme, Institution, Publication
from institutions.routes import ROUTE_BITS, routes_to_mask
from institutions.services import Sharing, institution_rows_create, institution_rows_update, publish

SUMMARY_LENGTH = 280
BATCH = 2000


def _summary(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= SUMMARY_LENGTH:
        return text
    return text[: SUMMARY_LENGTH - 1].rsplit(" ", 1)[0] + "…"


def _theme_mask(themes: Iterable[Theme]) -> int:
    return sum(1 << theme.bit for theme in themes)


def _search_row(offering: Offering) -> OfferingSearch:
    teachable = offering.teachable
    is_module = offering.module_id is not None
    return OfferingSearch(
        offering_id=offering.pk,
        institution_id=offering.institution_id,
        kind="module" if is_module else "course",
        code=teachable.code,
        title_nl=teachable.title_nl,
        title_en=teachable.title_en,
        summary_nl=_summary(teachable.description_nl),
        summary_en=_summary(teachable.description_en),
        ec=teachable.ec,
        ec_band=ec_band(teachable.ec),
        language=teachable.language,
        level=teachable.level,
        start_date=offering.start_date,
        end_date=offering.end_date,
        start_month=offering.start_date.strftime("%Y-%m"),
        city=offering.city,
        mode=offering.mode,
        theme_mask=_theme_mask(teachable.themes.all()),
        route_mask=routes_to_mask(teachable.suitable_routes),
        is_microcredential=is_module and offering.module.is_microcredential,
        enrol_opens_at=offering.enrol_opens_at,
        enrol_closes_at=offering.enrol_closes_at,
        capacity=offering.capacity,
        seats_taken=offering.seats_taken,
        visible_public=not offering.is_archived
        and (offering.visible_partners or offering.visible_guests or offering.visible_professionals),
    )


_UPDATE_FIELDS = [f.name for f in OfferingSearch._meta.concrete_fields if f.name not in ("offering", "document")]

# PostgreSQL: the whole batch in one statement, each row written once with its document (new rows in
# course and module order), and not at all when nothing in it changed. It computes what ``_search_row``
# computes, from the same Python constants (tests/catalogue/test_search_index.py holds the two equal). It
# begins with INSERT (its CTE inside), so write counters that read a statement's first words (the import
# benchmark's) see it.

# What str.split() splits on (the same test holds it to Python's own definition).
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + "\u2028\u2029\u202f\u205f\u3000"
)
_SPACE_CLASS = f"[{WHITESPACE}]+"  # no bracket-expression metacharacters among them
_EC_BANDS = " ".join(f"WHEN t.ec <= {upper} THEN '{band}'" for upper, band in EC_BAND_LIMITS)


def _summary_sql(column: str) -> str:
    """``_summary`` in SQL, of the whitespace-collapsed ``column`` of ``n``: cut at a word boundary."""
    text = f"n.{column}"
    return (
        f"CASE WHEN length({text}) <= {SUMMARY_LENGTH} THEN {text}"
        f" ELSE regexp_replace(left({text}, {SUMMARY_LENGTH - 1}), ' [^ ]*$', '') || '…' END"
    )


def _teachables_sql(kind: str) -> str:
    """The batch's courses or modules, with what their offerings' rows take from them."""
    table = f"catalogue_{kind}"
    collapse = "btrim(regexp_replace(x.{0}, %(space)s, ' ', 'g'), ' ') AS {0}"
    return (
        f"SELECT '{kind}' AS kind, x.id, x.code, x.title_nl, x.title_en, x.description_nl, x.description_en,"  # noqa: S608
        " x.learning_outcomes_nl, x.learning_outcomes_en, x.ec, x.level, x.language,"
        f" {_summary_sql('description_nl')} AS summary_nl, {_summary_sql('description_en')} AS summary_en,"
        f" {'x.is_microcredential' if kind == 'module' else 'false'} AS is_microcredential,"
        f" (SELECT coalesce(bit_or(1::bigint << th.bit), 0) FROM {table}_themes xt"
        f" JOIN catalogue_theme th ON th.id = xt.theme_id WHERE xt.{kind}_id = x.id) AS theme_mask,"
        " CASE WHEN jsonb_typeof(x.suitable_routes) = 'array' THEN (SELECT coalesce(sum(r.bit), 0)"
        " FROM unnest(%(route_names)s::text[], %(route_bits)s::int[]) AS r(name, bit)"
        " WHERE x.suitable_routes ? r.name) ELSE 0 END AS route_mask"
        f" FROM {table} x CROSS JOIN LATERAL (SELECT {collapse.format('description_nl')},"
        f" {collapse.format('description_en')}) n"
        f" WHERE x.id IN (SELECT {kind}_id FROM catalogue_offering WHERE id = ANY(%(ids)s))"
    )


_COLUMNS = [f.column for f in OfferingSearch._meta.concrete_fields]
_REFRESH_SQL = f"""
    INSERT INTO catalogue_offeringsearch AS s ({", ".join(_COLUMNS)})
    WITH t AS ({_teachables_sql("course")} UNION ALL {_teachables_sql("module")})
    SELECT o.id, o.institution_id, t.kind, t.code, t.title_nl, t.title_en,
        t.summary_nl, t.summary_en,
        t.ec, CASE {_EC_BANDS} ELSE '{EC_BAND_OVER}' END, t.language, t.level,
        o.start_date, o.end_date, to_char(o.start_date, 'YYYY-MM'), o.city, o.mode,
        t.theme_mask, t.route_mask, t.is_microcredential,
        o.enrol_opens_at, o.enrol_closes_at, o.capacity, o.seats_taken,
        NOT o.is_archived AND (o.visible_partners OR o.visible_guests OR o.visible_professionals),
        setweight(to_tsvector('simple', t.code), 'A')
        || setweight(to_tsvector('dutch', t.title_nl), 'A')
        || setweight(to_tsvector('english', t.title_en), 'A')
        || setweight(to_tsvector('dutch', t.description_nl), 'C')
        || setweight(to_tsvector('english', t.description_en), 'C')
        || setweight(to_tsvector('dutch', t.learning_outcomes_nl), 'D')
        || setweight(to_tsvector('english', t.learning_outcomes_en), 'D')
    FROM catalogue_offering o
    JOIN t ON (t.kind, t.id) = (CASE WHEN o.course_id IS NULL THEN 'module' ELSE 'course' END,
        coalesce(o.course_id, o.module_id))
    WHERE o.id = ANY(%(ids)s)
    ORDER BY t.kind, t.id, o.start_date, o.id
    ON CONFLICT (offering_id) DO UPDATE SET {", ".join(f"{c} = EXCLUDED.{c}" for c in _COLUMNS[1:])}
    WHERE ({", ".join(f"s.{c}" for c in _COLUMNS[1:])})
        IS DISTINCT FROM ({", ".join(f"EXCLUDED.{c}" for c in _COLUMNS[1:])})
"""  # noqa: S608 (identifiers and constants only; every value is a parameter)
_GONE_SQL = (
    "DELETE FROM catalogue_offeringsearch s WHERE s.offering_id = ANY(%s)"
    " AND NOT EXISTS (SELECT 1 FROM catalogue_offering o WHERE o.id = s.offering_id)"
)


def search_index_refresh(*, offering_ids: Iterable[int] | None = None) -> int:
    """Rebuild the search rows of ``offering_ids`` (all offerings when None) and bump the stamp.

    Idempotent; safe to run twice. Runs in batches, each its own transaction, so memory stays flat on
    a large catalogue. Returns the number of rows written.
    """
    if offering_ids is not None:
        ids = sorted(set(offering_ids))
    else:
        # In course and module order: a fresh table then holds the rows of one teachable side by side, and
        # a text search, which matches whole teachables, reads a fifth of the pages (docs/benchmarks.md).
        ids = list(Offering.objects.order_by("course_id", "module_id", "pk").values_list("pk", flat=True))
    batches = [ids[i : i + BATCH] for i in range(0, len(ids), BATCH)]
    refresh = _refresh_postgresql if connection.vendor == "postgresql" else _refresh_portable
    written = changed = 0
    for batch in batches:
        with transaction.atomic():
            upserted, deleted = refresh(batch)
        written += upserted
        changed += upserted + deleted
    if changed:
        # Once the caller's transaction (an import page's, say) has committed, so the fold never holds the
        # counts' rows while a long transaction runs; in autocommit, at once.
        on_commit_once(facet_counts_compact)
    if batches:
        catalogue_stamp_touch()
    return written


def _refresh_postgresql(batch: list[int]) -> tuple[int, int]:
    params = {
        "ids": batch,
        "space": _SPACE_CLASS,
        "route_names": list(ROUTE_BITS),
        "route_bits": list(ROUTE_BITS.values()),
    }
    with connection.cursor() as cursor:
        cursor.execute(_REFRESH_SQL, params)
        written = cursor.rowcount
        cursor.execute(_GONE_SQL, [batch])
        return written, cursor.rowcount


def _refresh_portable(batch: list[int]) -> tuple[int, int]:
    queryset = Offering.objects.select_related("course", "module").prefetch_related(
        Prefetch("course__themes", queryset=Theme.objects.only("bit")),
        Prefetch("module__themes", queryset=Theme.objects.only("bit")),
    )
    rows = [_search_row(o) for o in queryset.filter(pk__in=batch)]
    OfferingSearch.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["offering"], update_fields=_UPDATE_FIELDS
    )
    gone = set(batch) - {row.offering_id for row in rows}
    deleted = OfferingSearch.objects.filter(offering_id__in=gone).delete()[0] if gone else 0
    return len(rows), deleted


_COUNT_COLUMNS = ", ".join(
    f.column for f in FacetCount._meta.concrete_fields if f.column not in ("id", "grouping_set", "rows")
)
_COMPACT_SQL = f"""
    WITH folded AS (DELETE FROM {FacetCount._meta.db_table} RETURNING *)
    INSERT INTO {FacetCount._meta.db_table} (grouping_set, {_COUNT_COLUMNS}, rows)
    SELECT grouping_set, {_COUNT_COLUMNS}, sum(rows) FROM folded
    GROUP BY grouping_set, {_COUNT_COLUMNS} HAVING sum(rows) <> 0
"""  # noqa: S608 (identifiers only)


def facet_counts_compact() -> None:
    """Fold the facet counts' signed rows (``FacetCount``) into one row per group, in one statement.

    Readers see the counts before or after, never in between. A write that commits meanwhile keeps its
    rows for the next fold: the statement deletes only the rows its snapshot sees. PostgreSQL only; the
    SQLite default keeps no counts.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(_COMPACT_SQL)


def catalogue_stamp_touch() -> None:
    """Record that the catalogue changed now, so clients' cached copies are revalidated."""
    CatalogueStamp.objects.update_or_create(pk=1, defaults={"changed_at": timezone.now()})


def offerings_of_teachable(teachable: Course | Module) -> list[int]:
    return list(teachable.offerings.values_list("pk", flat=True))


def _offerings_of_courses(course_ids: Collection[int]) -> list[int]:
    return list(Offering.objects.filter(course_id__in=list(course_ids)).order_by().values_list("pk", flat=True))


_SEATS_SQL = f"""
    WITH changed AS (
        UPDATE {Offering._meta.db_table} SET seats_taken = seats_taken + %s WHERE id = %s RETURNING id, seats_taken
    )
    UPDATE {OfferingSearch._meta.db_table} AS s SET seats_taken = changed.seats_taken
    FROM changed WHERE s.offering_id = changed.id
"""  # noqa: S608 (table names only)


def offering_seats_change(*, offering_id: int, change: int) -> None:
    """Seats taken in an offering went up or down by ``change`` (``enrolment.seats``, under the offering's
    row lock): the counter and the search row change together, in the same transaction, so the cards'
    "seats left" and the "most seats left" sort follow every enrolment. On PostgreSQL that is one
    statement. The count is no facet, so the facet triggers add nothing for it. The catalogue stamp is left
    alone: it is one row, and touching it would make every enrolment in the zone wait for every other; a
    page revalidated with its ETag may show seats up to a minute old (the ETag turns each minute).

    The ``offering_never_overbooked`` CHECK constraint refuses a counter above the capacity."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_SEATS_SQL, [change, offering_id])
        return
    Offering.objects.filter(pk=offering_id).update(seats_taken=F("seats_taken") + change)
    OfferingSearch.objects.filter(offering_id=offering_id).update(seats_taken=F("seats_taken") + change)


# eduXchange alliances -----------------------------------------------------------------------------------


def course_publish(*, course: Course, alliance: Alliance, sharing: Sharing) -> CoursePublication:
    """Publish ``course`` in ``alliance`` with ``sharing`` (its theme, visibility and enrolment settings).
    The course's institution must be a member of the alliance, and the theme from the alliance's own
    vocabulary; raises ``ApplicationError`` and writes nothing otherwise. Idempotent (updates the settings
    of an existing publication)."""
    return publish(CoursePublication, owner_field="course", owner=course, alliance=alliance, sharing=sharing)


def course_unpublish(*, course: Course, alliance: Alliance) -> bool:
    """Withdraw ``course`` from ``alliance``. Idempotent: False when it was not published there."""
    deleted, _by_model = CoursePublication.objects.filter(course=course, alliance=alliance).delete()
    return bool(deleted)


@dataclass(frozen=True)
class SharedIn:
    """One alliance entry of a course as a connected institution's endpoint describes it: codes, not rows."""

    alliance: str
    theme: str = ""
    selection: bool = False
    kind: str = ""
    visible_for_own_students: bool = True
    enrolment_for_own_students: str = Publication.Enrolment.URL
    visible_for_guests: bool = False
    enrolment_for_guests: str = Publication.Enrolment.URL


@dataclass(frozen=True)
class PublicationNote:
    """An entry that was not (wholly) taken over, and why: ``reason`` is ``unknown_alliance``,
    ``not_a_member`` (the entry was dropped) or ``unknown_theme`` (published without a theme)."""

    course_id: int
    alliance: str
    reason: str
    value: str = ""


def course_publications_replace(
    *, institution: Institution, wanted: dict[int, list[SharedIn]]
) -> tuple[set[int], list[PublicationNote]]:
    """Make the publications of ``institution``'s courses ``wanted`` (course id → its alliance entries)
    exactly those entries, as an import found them. Courses not in ``wanted`` are left alone.

    The rules of ``course_publish`` apply, tolerantly: an entry for an alliance the portal does not know
    or the institution is no member of is dropped, and a theme outside a vocabulary the eduXchange profile
    fixes (LDE's, EuroTeQ's) is left out; each is returned as a ``PublicationNote``. A new theme of an
    alliance whose vocabulary the profile leaves open (EWUU's, Kies op Maat's) joins that vocabulary: the
    member institutions' own systems are where it comes from. Writes only what differs (no statement at all when
    nothing changed) and returns the courses whose publications changed. Runs in the caller's transaction
    (the import's page)."""
    if not wanted:
        return set(), []
    alliances = {alliance.code: alliance for alliance in Alliance.objects.all()}
    member_of = set(institution.alliance_memberships.values_list("alliance_id", flat=True))
    themes = {
        (theme.alliance_id, theme.code): theme for theme in AllianceTheme.objects.filter(alliance_id__in=member_of)
    }
    current: dict[int, dict[int, CoursePublication]] = {pk: {} for pk in wanted}
    for row in CoursePublication.objects.filter(course_id__in=list(wanted), course__institution=institution):
        current[row.course_id][row.alliance_id] = row
    notes: list[PublicationNote] = []
    create, update, delete, changed = [], [], [], set()
    for course_id, entries in wanted.items():
        keep: set[int] = set()
        for entry in entries:
            alliance = alliances.get(entry.alliance)
            if alliance is None or alliance.pk not in member_of:
                reason = "unknown_alliance" if alliance is None else "not_a_member"
                notes.append(PublicationNote(course_id, entry.alliance, reason))
                continue
            theme = themes.get((alliance.pk, entry.theme)) if entry.theme else None
            if entry.theme and theme is None:
                if alliance.code in FIXED_VOCABULARIES:
                    notes.append(PublicationNote(course_id, entry.alliance, "unknown_theme", entry.theme))
                else:
                    theme = themes[(alliance.pk, entry.theme)] = AllianceTheme.objects.create(
                        alliance=alliance, code=entry.theme
                    )
            values = {**asdict(entry), "theme_id": theme.pk if theme else None}
            del values["alliance"], values["theme"]
            keep.add(alliance.pk)
            row = current[course_id].get(alliance.pk)
            if row is None:
                create.append(CoursePublication(course_id=course_id, alliance=alliance, **values))
                changed.add(course_id)
            elif any(getattr(row, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(row, name, value)
                update.append(row)
                changed.add(course_id)
        for alliance_id, row in current[course_id].items():
            if alliance_id not in keep:
                delete.append(row.pk)
                changed.add(course_id)
    if create:
        CoursePublication.objects.bulk_create(create)
    if update:
        CoursePublication.objects.bulk_update(update, [*PUBLICATION_FIELDS, "theme_id"])
    if delete:
        CoursePublication.objects.filter(pk__in=delete).delete()
    return changed, notes


FIXED_VOCABULARIES = {known.code for known in ALLIANCES if known.themes}
PUBLICATION_FIELDS = [name for name in asdict(SharedIn(alliance="")) if name not in ("alliance", "theme")]


# Bulk writes of a catalogue import --------------------------------------------------------------------------
#
# A connected institution's own system is the source of its catalogue; the import (``ooapi.consumer``) matches
# what it reads to rows and writes the differences through these, a page at a time. They take field values as
# they are: the import's parser has checked them against what the models store, and the database's constraints
# refuse anything else, failing the whole call (the import then rolls back its page). Each runs in the caller's
# transaction and keeps the search rows in step in it; none writes anything when given nothing to change.


def courses_bulk_create(*, institution: Institution, courses: Sequence[Mapping[str, Any]]) -> list[int]:
    """Add courses to ``institution``'s catalogue, one INSERT for all: each mapping holds a new course's field values
    (``unit_id`` for its unit). Returns their primary keys, in the order given. A new course has no offerings, so
    no search row changes."""
    return institution_rows_create(Course, institution=institution, rows=courses)


def courses_bulk_update(*, institution: Institution, changes: Mapping[int, Mapping[str, Any]]) -> int:
    """Change ``institution``'s courses: ``changes`` maps a course's primary key to the fields that differ and their
    new values (courses changing the same fields share one UPDATE). The search rows of their offerings follow.
    Returns the number of courses changed."""
    changed = institution_rows_update(Course, institution=institution, changes=changes)
    if changed:
        search_index_refresh(offering_ids=_offerings_of_courses(changes.keys()))
    return changed


def course_themes_replace(*, institution: Institution, wanted: Mapping[int, Collection[str]]) -> set[int]:
    """Make the themes of ``institution``'s courses in ``wanted`` (course primary key → theme names as the
    institution's system gives them) exactly the portal's themes those names match: a theme matches its code or
    either of its names, whatever the case; a name that matches no theme is left out. Courses not in ``wanted``
    keep their themes. Writes only what differs (no statement when nothing does); the search rows of the courses
    whose themes changed follow. Returns those courses."""
    if not wanted:
        return set()
    themes: dict[str, int] = {}
    for theme in Theme.objects.all():
        for name in (theme.code, theme.name_nl, theme.name_en):
            themes.setdefault(name.strip().lower(), theme.pk)
    through = Course.themes.through
    current: dict[int, set[int]] = {pk: set() for pk in wanted}
    for course_id, theme_id in through.objects.filter(course_id__in=list(wanted)).values_list("course_id", "theme_id"):
        current[course_id].add(theme_id)
    owned = set(Course.objects.filter(pk__in=list(wanted), institution=institution).values_list("pk", flat=True))
    add, remove, changed = [], {}, set()
    for course_id, names in wanted.items():
        if course_id not in owned:
            continue
        themes_wanted = {themes[name.strip().lower()] for name in names if name.strip().lower() in themes}
        if themes_wanted != current[course_id]:
            changed.add(course_id)
            add += [through(course_id=course_id, theme_id=theme) for theme in themes_wanted - current[course_id]]
            if current[course_id] - themes_wanted:
                remove[course_id] = current[course_id] - themes_wanted
    if add:
        through.objects.bulk_create(add)
    for course_id, theme_ids in remove.items():
        through.objects.filter(course_id=course_id, theme_id__in=theme_ids).delete()
    if changed:
        search_index_refresh(offering_ids=_offerings_of_courses(changed))
    return changed


def offerings_bulk_create(*, institution: Institution, offerings: Sequence[Mapping[str, Any]]) -> list[int]:
    """Add offerings to ``institution``'s catalogue, one INSERT for all, with their search rows: each mapping holds
    a new offering's field values (``course_id``, ``period_id``, dates, enrolment window, capacity, ...). Returns
    their primary keys, in the order given."""
    created = institution_rows_create(Offering, institution=institution, rows=offerings)
    search_index_refresh(offering_ids=created)
    return created


def offerings_bulk_update(*, institution: Institution, changes: Mapping[int, Mapping[str, Any]]) -> int:
    """Change ``institution``'s offerings: ``changes`` maps an offering's primary key to the fields that differ and
    their new values (offerings changing the same fields share one UPDATE); each gets a new ``updated_at``. A
    capacity never goes below the seats already taken, also those taken while this runs: the UPDATE takes the
    larger of the two (the database refuses less too). Their search rows follow. Returns the number changed."""
    now = timezone.now()
    rows: dict[int, dict[str, Any]] = {}
    for pk, values in changes.items():
        row = {**values, "updated_at": now}
        if "capacity" in row:
            row["capacity"] = Greatest(Value(row["capacity"]), F("seats_taken"))
        rows[pk] = row
    resized = [pk for pk, values in changes.items() if "capacity" in values]
    before = dict(Offering.objects.filter(pk__in=resized).values_list("pk", "capacity")) if resized else {}
    changed = institution_rows_update(Offering, institution=institution, changes=rows)
    if changed:
        search_index_refresh(offering_ids=changes.keys())
    # More seats: those waiting get them first, in this transaction (as for a capacity raised in the admin).
    for pk in sorted(pk for pk in resized if pk in before and changes[pk]["capacity"] > before[pk]):
        capacity_raised.send(sender=Offering, offering_id=pk)
    return changed


def offerings_timetables_set(*, institution: Institution, timetables: Mapping[str, list[dict]]) -> int:
    """Set the weekly timetables of ``institution``'s offerings, by their OOAPI id (``timetables``: id →
    slots, each ``{"weekday": 0-6, "start": "HH:MM", "end": "HH:MM"}``). Offerings not named keep theirs; an
    unchanged one is not written. Returns the number changed. The search rows hold no timetable; the
    catalogue stamp moves so offering pages are not served stale."""
    # Few distinct timetables serve many offerings: one UPDATE per distinct timetable, not one per row.
    by_timetable: dict[str, list[int]] = {}
    for pk, ooapi_id, current in (
        Offering.objects.filter(institution=institution, ooapi_id__in=list(timetables))
        .order_by()
        .values_list("pk", "ooapi_id", "timeslots")
    ):
        wanted = timetables[ooapi_id]
        if current != wanted:
            by_timetable.setdefault(json.dumps(wanted, sort_keys=True), []).append(pk)
    now = timezone.now()
    for key, ids in by_timetable.items():
        for start in range(0, len(ids), 1000):
            Offering.objects.filter(pk__in=ids[start : start + 1000]).update(timeslots=json.loads(key), updated_at=now)
    if by_timetable:
        catalogue_stamp_touch()
    return sum(len(ids) for ids in by_timetable.values())


def offerings_archive(*, institution: Institution, offering_ids: Collection[int]) -> int:
    """Archive ``institution``'s offerings among ``offering_ids``: kept for history, no longer shown (their search
    rows follow). Nothing is deleted. Idempotent: an offering already archived is not written again. Returns the
    number archived now."""
    archived = (
        Offering.objects.filter(institution=institution, pk__in=list(offering_ids), is_archived=False)
        .order_by()
        .update(is_archived=True, updated_at=timezone.now())
    )
    if archived:
        search_index_refresh(offering_ids=offering_ids)
    return archived
