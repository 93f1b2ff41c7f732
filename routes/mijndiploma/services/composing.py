"""The student composes: start a programme, save a draft version's items, submit it, make a new version
after the board's decision, and ask for enrolment in an approved item at another institution.

Every write to a version is optimistic: the caller names the ``row_version`` it read, the service locks
the version's row and compares (``stale_check``) before anything else, and a mismatch is a
``StaleVersionError`` (409) with nothing written. The lock serialises two concurrent saves; the comparison
tells the second that what it edited is no longer there.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import Max

from accounts.models import StudentProfile
from catalogue.models import Course, Offering
from core.i18n import lazy_format
from enrolment.services.requests import request_submit
from institutions.routes import Route
from routes.mijndiploma import lifecycle
from routes.mijndiploma.errors import (
    ALREADY_ASKED_MESSAGE,
    CIRCULAR_MESSAGE,
    NEW_VERSION_MESSAGE,
    NO_PROGRAMME_MESSAGE,
    NOT_APPROVED_MESSAGE,
    NOT_EDITABLE_MESSAGE,
    NOT_ELSEWHERE_MESSAGE,
    OFFERING_INVISIBLE_MESSAGE,
    OFFERING_UNKNOWN_MESSAGE,
    TOO_MANY_ITEMS_MESSAGE,
    CircularPrerequisitesError,
    MijnDiplomaError,
    NotAllowedError,
    NotEditableError,
    OfferingNotAllowedError,
    StaleVersionError,
    VersionNotFoundError,
)
from routes.mijndiploma.models import (
    ComposedProgramme,
    Portfolio,
    ProgrammeVersion,
    VersionItem,
    VersionStatus,
)
from routes.mijndiploma.permissions import is_owner, visible_versions
from routes.mijndiploma.selectors import compliance_of

MAX_ITEMS = 60
# Enough for any real prerequisite chain; a catalogue deeper than this is refused rather than walked forever.
MAX_PREREQUISITE_COURSES = 2000


def stale_check(version: ProgrammeVersion, row_version) -> None:
    """The guard: the version the caller edited is the one stored now. Call with the row locked."""
    try:
        expected = int(row_version)
    except (TypeError, ValueError):
        raise StaleVersionError(current=version.row_version) from None
    if expected != version.row_version:
        raise StaleVersionError(current=version.row_version)


def _student(user) -> StudentProfile:
    profile = (
        StudentProfile.objects.select_related("home_institution", "programme").filter(user_id=user.pk).first()
        if user.is_authenticated
        else None
    )
    if profile is None:
        raise NotAllowedError()
    return profile


def lock_version(user, version_id) -> ProgrammeVersion:
    """The version, its composed programme's row and its own locked, if ``user`` may see it; otherwise 404 (ids
    of others' versions reveal nothing). Call inside ``transaction.atomic``."""
    try:
        pk = int(version_id)
    except (TypeError, ValueError):
        raise VersionNotFoundError() from None
    composed_id = visible_versions(user).filter(pk=pk).values_list("composed_id", flat=True).first()
    if composed_id is None:
        raise VersionNotFoundError()
    # Always the composed programme first, then the version: every write to a student's programme takes its
    # locks in this one order, so a save, a decision and a new version never wait on each other in a circle.
    ComposedProgramme.objects.select_for_update().filter(pk=composed_id).first()
    return (
        ProgrammeVersion.objects.select_for_update(of=("self",))
        .select_related("composed__student__home_institution", "composed__programme")
        .get(pk=pk)
    )


def programme_start(*, user) -> ComposedProgramme:
    """The student's composed programme, created with a draft version 1 under the rules of their home
    programme on first use. Idempotent. Raises NotAllowedError (403) for non-students, MijnDiplomaError (400)
    for a student without a home programme."""
    profile = _student(user)
    existing = ComposedProgramme.objects.filter(student=profile).first()
    if existing:
        return existing
    if profile.programme_id is None:
        raise MijnDiplomaError(NO_PROGRAMME_MESSAGE, code="no_programme")
    with transaction.atomic():
        StudentProfile.objects.select_for_update().get(pk=profile.pk)
        composed, created = ComposedProgramme.objects.get_or_create(
            student=profile, defaults={"programme_id": profile.programme_id}
        )
        if created:
            ProgrammeVersion.objects.create(composed=composed, number=1)
        return composed


def _offering_ids(values: Iterable) -> list[int]:
    ids = []
    for value in values:
        try:
            ids.append(int(value))
        except (TypeError, ValueError):
            raise OfferingNotAllowedError(lazy_format(OFFERING_UNKNOWN_MESSAGE, value=str(value)[:40])) from None
    return ids


def offerings_allowed(profile: StudentProfile, ids: list[int]) -> dict[int, Offering]:
    """The offerings for ``ids``, each one the student may see in the catalogue: existing, not archived, and
    open to students of their institution. OfferingNotAllowedError (400) names the first that is not."""
    found = {o.pk: o for o in Offering.objects.select_related("institution", "course", "module").filter(pk__in=ids)}
    for pk in ids:
        offering = found.get(pk)
        if offering is None:
            raise OfferingNotAllowedError(lazy_format(OFFERING_UNKNOWN_MESSAGE, value=pk))
        own = offering.institution_id == profile.home_institution_id
        visible = offering.visible_own_students if own else offering.visible_partners
        if offering.is_archived or not visible:
            raise OfferingNotAllowedError(lazy_format(OFFERING_INVISIBLE_MESSAGE, offering=f"#{pk}"))
    return found


def prerequisite_cycle(course_ids: Iterable[int]) -> list[int]:
    """A circle in the prerequisites reachable from ``course_ids`` (the courses in it), or []."""
    edges: dict[int, list[int]] = {}
    frontier = set(course_ids)
    through = Course.prerequisites.through
    while frontier and len(edges) < MAX_PREREQUISITE_COURSES:
        for course in frontier:
            edges.setdefault(course, [])
        rows = through.objects.filter(from_course_id__in=frontier).values_list("from_course_id", "to_course_id")
        for source, target in rows:
            edges[source].append(target)
        frontier = {target for _s, target in rows} - set(edges)
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(edges, white)
    for start in edges:
        if colour[start] != white:
            continue
        path, stack = [], [(start, iter(edges[start]))]
        colour[start] = grey
        path.append(start)
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                colour[node] = black
                stack.pop()
                path.pop()
            elif colour.get(child, white) == grey:
                return path[path.index(child) :]
            elif colour.get(child, white) == white and child in edges:
                colour[child] = grey
                path.append(child)
                stack.append((child, iter(edges[child])))
    return []


def version_save(*, user, version_id, row_version, items: list[dict]) -> ProgrammeVersion:
    """Replace the draft version's items by ``items`` (each ``{"offering": id, "portfolio": id or None}``),
    in the order given; the board's comments on items that stay are kept.

    Locks the programme and the version (``lock_version``), then: StaleVersionError (409) unless ``row_version`` is the stored one;
    VersionNotFoundError (404) for a version the user may not see; NotAllowedError (403) for anyone but its
    student; NotEditableError (409) unless it is a draft; OfferingNotAllowedError (400) for an unknown or
    invisible offering; CircularPrerequisitesError (400). All or nothing. Returns the version with its new
    ``row_version``. The rules are not enforced here (a draft may break them; the composer shows why): they
    are at submission.
    """
    if len(items) > MAX_ITEMS:
        raise MijnDiplomaError(lazy_format(TOO_MANY_ITEMS_MESSAGE, max=MAX_ITEMS), code="too_many_items")
    ids = _offering_ids(item.get("offering") for item in items)
    portfolios = {}
    for item, pk in zip(items, ids, strict=True):
        if item.get("portfolio") not in (None, ""):
            portfolios[pk] = item["portfolio"]
    with transaction.atomic():
        version = lock_version(user, version_id)
        if not is_owner(user, version):
            raise NotAllowedError()
        stale_check(version, row_version)
        if not version.is_editable:
            raise NotEditableError(
                lazy_format(NOT_EDITABLE_MESSAGE, number=version.number, status=version.get_status_display())
            )
        offerings = offerings_allowed(version.composed.student, ids)
        if len(set(ids)) != len(ids):
            # The same offering twice is the duplicate rule's to report; one row per offering is stored.
            ids = list(dict.fromkeys(ids))
        cycle = prerequisite_cycle({o.course_id for o in offerings.values() if o.course_id})
        if cycle:
            codes = ", ".join(Course.objects.filter(pk__in=cycle).order_by("code").values_list("code", flat=True))
            raise CircularPrerequisitesError(lazy_format(CIRCULAR_MESSAGE, courses=codes))
        portfolio_ids = _portfolio_ids(portfolios)
        comments = dict(version.items.values_list("offering_id", "board_comment"))
        version.items.all().delete()
        VersionItem.objects.bulk_create(
            [
                VersionItem(
                    version=version,
                    offering=offerings[pk],
                    portfolio_id=portfolio_ids.get(pk),
                    board_comment=comments.get(pk, ""),
                )
                for pk in ids
            ]
        )
        version.row_version += 1
        version.save(update_fields=["row_version", "updated_at"])
        return version


def _portfolio_ids(wanted: dict[int, object]) -> dict[int, int]:
    """The portfolio each item came from, where the portfolio is published; others are dropped silently
    (where an item came from is a hint, not a permission)."""
    result = {}
    published = set(Portfolio.objects.filter(is_published=True).values_list("pk", flat=True))
    for offering_id, value in wanted.items():
        try:
            pk = int(value)
        except (TypeError, ValueError):
            continue
        if pk in published:
            result[offering_id] = pk
    return result


def version_submit(*, user, version_id, row_version) -> ProgrammeVersion:
    """Submit the draft to the home examination board; from then on it is frozen.

    Locks the programme and the version; StaleVersionError (409), NotAllowedError (403) for anyone but the student,
    WrongStateError (409) unless a draft, NotCompliantError (400) naming every failed rule (evaluated in
    this transaction)."""
    with transaction.atomic():
        version = lock_version(user, version_id)
        if not is_owner(user, version):
            raise NotAllowedError()
        stale_check(version, row_version)
        lifecycle.VERSION.check(version, lifecycle.SUBMIT)
        verdict = compliance_of(version)
        version.row_version += 1
        lifecycle.VERSION.transition(
            version, verb=lifecycle.SUBMIT, verdict=verdict, extra_fields=["row_version"], actor=user
        )
        return version


def version_new(*, user) -> ProgrammeVersion:
    """A new draft version after the board's decision on the latest one, with that version's items (the
    board's comments stay on the old version). Locks the composed programme. MijnDiplomaError (400) while the latest version is a draft or with the board."""
    profile = _student(user)
    with transaction.atomic():
        composed = ComposedProgramme.objects.select_for_update().filter(student=profile).first()
        if composed is None:
            raise VersionNotFoundError()
        latest = composed.versions.order_by("-number").first()
        if latest.status in (VersionStatus.DRAFT, VersionStatus.SUBMITTED):
            raise MijnDiplomaError(NEW_VERSION_MESSAGE, code="version_open")
        number = (composed.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = ProgrammeVersion.objects.create(composed=composed, number=number)
        VersionItem.objects.bulk_create(
            [
                VersionItem(version=version, offering_id=item.offering_id, portfolio_id=item.portfolio_id)
                for item in latest.items.all()
            ]
        )
        return version


def item_enrol(*, user, item_id):
    """Ask for enrolment in an approved item at another institution: one enrolment request of route
    MijnDiploma, through enrolment's own submission (its eligibility, locks and lifecycle). Locks the item.
    Raises VersionNotFoundError (404) for another's item, MijnDiplomaError (400) for an item at the home
    institution, of a version not approved, or asked for already; and enrolment's own errors."""
    try:
        pk = int(item_id)
    except (TypeError, ValueError):
        raise VersionNotFoundError() from None
    with transaction.atomic():
        item = (
            VersionItem.objects.select_for_update(of=("self",))
            .select_related("version__composed__student", "offering")
            .filter(pk=pk, version__composed__student__user_id=user.pk)
            .first()
        )
        if item is None:
            raise VersionNotFoundError()
        if item.version.status != VersionStatus.APPROVED:
            raise MijnDiplomaError(NOT_APPROVED_MESSAGE, code="not_approved")
        if item.offering.institution_id == item.version.composed.student.home_institution_id:
            raise MijnDiplomaError(NOT_ELSEWHERE_MESSAGE, code="not_elsewhere")
        if item.enrolment_request_id:
            raise MijnDiplomaError(ALREADY_ASKED_MESSAGE, code="already_asked")
        try:
            request = request_submit(user=user, offering_id=item.offering_id, route=Route.MY_DIPLOMA)
        except IntegrityError:
            raise MijnDiplomaError(ALREADY_ASKED_MESSAGE, code="already_asked") from None
        item.enrolment_request = request
        item.save(update_fields=["enrolment_request"])
        return request
