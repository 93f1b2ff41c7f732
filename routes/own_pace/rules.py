"""Own pace's rules, as plain functions: an institution's contract limits and change deadline, prerequisite
cycles and order, what a student completed, and the projected completion date. Read-only."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

from django.db.models import Q

from catalogue.models import Course
from core.i18n import lazy_format
from results.models import Recognition, Result
from routes.own_pace import errors
from routes.own_pace.models import OwnPaceRules

# A programme without its study load set: the usual loads per level (hbo bachelors are four years).
DEFAULT_PROGRAMME_EC = {"associate": Decimal(120), "bachelor": Decimal(180), "master": Decimal(60)}


def rules_for(institution) -> OwnPaceRules:
    """The institution's rules, or the zone's defaults (an unsaved row) when it set none."""
    return OwnPaceRules.objects.filter(institution=institution).first() or OwnPaceRules(institution=institution)


def change_deadline(academic_year, rules: OwnPaceRules) -> dt.date:
    """The last day a contract of ``academic_year`` may be changed."""
    return min(academic_year.start_date + dt.timedelta(days=rules.change_deadline_days), academic_year.end_date)


def ec_within_limits(ec: int, rules: OwnPaceRules) -> None:
    if ec < rules.min_ec_per_year:
        raise errors.OwnPaceError(lazy_format(errors.EC_BELOW_MIN, min=rules.min_ec_per_year), code="ec_below_minimum")
    if ec > rules.max_ec_per_year:
        raise errors.OwnPaceError(lazy_format(errors.EC_ABOVE_MAX, max=rules.max_ec_per_year), code="ec_above_maximum")


def prerequisite_cycle(course: Course) -> list[Course] | None:
    """A cycle in the catalogue's prerequisites reachable from ``course`` (as the courses along it), or None.
    Reads the prerequisite edges breadth by breadth, one query per level."""
    through = Course.prerequisites.through
    edges: dict[int, list[int]] = {}
    frontier = {course.pk}
    while frontier:
        rows = list(through.objects.filter(from_course_id__in=frontier).values_list("from_course_id", "to_course_id"))
        for node in frontier:
            edges.setdefault(node, [])
        for source, target in rows:
            edges[source].append(target)
        frontier = {target for _source, target in rows if target not in edges}
    # Depth-first search with colours: meeting a node still on the path closes a cycle.
    on_path: list[int] = []
    state: dict[int, int] = {}

    def visit(node: int) -> list[int] | None:
        state[node] = 1
        on_path.append(node)
        for target in sorted(edges.get(node, [])):
            if state.get(target) == 1:
                return on_path[on_path.index(target) :] + [target]
            if state.get(target) is None:
                found = visit(target)
                if found:
                    return found
        on_path.pop()
        state[node] = 2
        return None

    cycle = visit(course.pk)
    if not cycle:
        return None
    courses = Course.objects.in_bulk(set(cycle))
    return [courses[pk] for pk in cycle]


def completed_course_ids(student) -> set[int]:
    """Courses the student completed: a passing current result, or a credit entry the board recognised."""
    passed = Result.objects.filter(
        request__student=student, passed=True, corrected_by__isnull=True, request__offering__course__isnull=False
    ).values_list("request__offering__course_id", flat=True)
    recognised = Recognition.objects.filter(
        request__student=student,
        kind=Recognition.Kind.CREDIT,
        status=Recognition.Status.RECOGNISED,
        request__offering__course__isnull=False,
    ).values_list("request__offering__course_id", flat=True)
    return set(passed) | set(recognised)


def completed_ec(student) -> Decimal:
    """EC the student earned: the current passing results (one per request)."""
    total = Decimal("0")
    for ec in Result.objects.filter(
        Q(request__student=student) & Q(passed=True) & Q(corrected_by__isnull=True)
    ).values_list("ec", flat=True):
        total += ec
    return total


def programme_ec(programme) -> Decimal:
    if programme.ec:
        return Decimal(programme.ec)
    return DEFAULT_PROGRAMME_EC.get(programme.level, Decimal(180))


def projected_completion(
    *, total: Decimal, completed: Decimal, planned: list[tuple[dt.date, Decimal]], pace: Decimal, today: dt.date
) -> dt.date | None:
    """When the programme is done: the end of the period in which the planned courses (``planned``: each
    period's end and the EC still to earn in it, earliest first) reach the EC still missing; beyond the plan,
    the rest at ``pace`` EC a year from the end of the last planned period. None without a plan or a pace."""
    remaining = total - completed
    if remaining <= 0:
        return today
    last = today
    for end, ec in sorted(planned):
        remaining -= ec
        last = max(last, end)
        if remaining <= 0:
            return end
    if pace <= 0:
        return None
    days = math.ceil(float(remaining / pace) * 365.25)  # a date, not money: float is fine here
    return last + dt.timedelta(days=days)
