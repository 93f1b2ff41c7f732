"""The composition rules, checked live: each a function of a ``Context`` returning one ``core.rules.Check``
with a translatable reason and a link to what would fix it. Their limits are data (``ProgrammeRules``, set by
the examination board per programme); the functions are the same for every programme.

The composer shows the verdict after every change; submitting evaluates it again inside the submit
transaction (``lifecycle.SUBMIT`` is guarded), so what the student saw and what the board receives agree.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from catalogue.models import Course, Level, Offering
from core.i18n import lazy_format
from core.rules import Check, Verdict, evaluate
from enrolment.eligibility import slots_overlap
from routes.mijndiploma.errors import NOT_COMPLIANT_MESSAGE, NotCompliantError
from routes.mijndiploma.models import ProgrammeRules


class Compliance(Verdict):
    error_class = NotCompliantError
    error_message = NOT_COMPLIANT_MESSAGE


@dataclass
class Context:
    """What the rules look at: the student's home institution, the programme's rules (None: the board set
    none yet), the planned offerings and the courses the student has completed (course id → EC)."""

    home_institution_id: int
    rules: ProgrammeRules | None
    offerings: list[Offering]
    completed: dict[int, Decimal] = field(default_factory=dict)
    core_course_ids: set[int] = field(default_factory=set)

    @property
    def total(self) -> Decimal:
        return sum((o.teachable.ec for o in self.offerings), Decimal("0"))


def composer_link(offering_id: int | None = None) -> str:
    url = reverse("mijndiploma:compose")
    return f"{url}#offering-{offering_id}" if offering_id else url


def catalogue_link(text: str = "") -> str:
    url = reverse("catalogue:list")
    return f"{url}?{urlencode({'q': text})}" if text else url


def _ec(value: Decimal) -> str:
    return f"{value.normalize():f}"


def ec_total(c: Context) -> Check | None:
    """Total EC within the board's minimum and maximum."""
    if c.rules is None:
        return None
    total = c.total
    if total > c.rules.ec_max:
        return Check(
            "ec_over",
            False,
            lazy_format(
                _("The programme has %(total)s EC, more than the maximum of %(max)s EC: remove an item."),
                total=_ec(total),
                max=_ec(c.rules.ec_max),
            ),
            link=composer_link(),
        )
    if total < c.rules.ec_min:
        return Check(
            "ec_under",
            False,
            lazy_format(
                _("The programme has %(total)s EC, fewer than the minimum of %(min)s EC: add courses."),
                total=_ec(total),
                min=_ec(c.rules.ec_min),
            ),
            link=catalogue_link(),
        )
    return Check("ec_total", True, lazy_format(_("Total: %(total)s EC, within the limits."), total=_ec(total)))


def level_minimums(c: Context) -> Check | None:
    """At least the board's EC per level."""
    if c.rules is None or not c.rules.level_minimums:
        return None
    per_level: dict[str, Decimal] = defaultdict(Decimal)
    for offering in c.offerings:
        per_level[offering.teachable.level] += offering.teachable.ec
    short = []
    for level, minimum in sorted(c.rules.level_minimums.items()):
        if per_level[level] < Decimal(str(minimum)):
            label = Level(level).label if level in Level.values else level
            short.append(
                lazy_format(
                    _("%(level)s: %(have)s of at least %(min)s EC"),
                    level=label,
                    have=_ec(per_level[level]),
                    min=_ec(Decimal(str(minimum))),
                )
            )
    if short:
        return Check(
            "level_minimum",
            False,
            lazy_format(
                _("Too few EC at a level (%(levels)s): add courses at that level."), levels="; ".join(map(str, short))
            ),
            link=catalogue_link(),
        )
    return Check("level_minimum", True, _("Every level has its minimum EC."))


def outside_home(c: Context) -> Check | None:
    """No more than the board's maximum EC at other institutions."""
    if c.rules is None:
        return None
    outside = sum((o.teachable.ec for o in c.offerings if o.institution_id != c.home_institution_id), Decimal("0"))
    if outside > c.rules.outside_home_max:
        return Check(
            "outside_home",
            False,
            lazy_format(
                _(
                    "%(outside)s EC are at other institutions, more than the maximum of %(max)s EC: replace an "
                    "item by one of your own institution."
                ),
                outside=_ec(outside),
                max=_ec(c.rules.outside_home_max),
            ),
            link=composer_link(),
        )
    return Check(
        "outside_home",
        True,
        lazy_format(_("%(outside)s EC at other institutions, within the limit."), outside=_ec(outside)),
    )


def core_courses(c: Context) -> Check | None:
    """Every required core course planned or completed."""
    if not c.core_course_ids:
        return None
    planned = {o.course_id for o in c.offerings if o.course_id}
    missing = sorted(c.core_course_ids - planned - set(c.completed))
    if missing:
        codes = list(Course.objects.filter(pk__in=missing).order_by("code").values_list("code", flat=True))
        return Check(
            "core_missing",
            False,
            lazy_format(
                _("Required core courses are missing: %(codes)s. Add an offering of each."), codes=", ".join(codes)
            ),
            link=catalogue_link(codes[0]),
        )
    return Check("core_missing", True, _("Every required core course is in the programme or completed."))


def _teachable_key(offering: Offering) -> tuple[str, int]:
    return ("course", offering.course_id) if offering.course_id else ("module", offering.module_id)


def duplicates(c: Context) -> Check:
    """The same course or module once only, and no course that is also part of a planned module."""
    seen: dict[tuple[str, int], Offering] = {}
    twice: list[Offering] = []
    for offering in c.offerings:
        key = _teachable_key(offering)
        if key in seen:
            twice.append(offering)
        seen[key] = offering
    in_modules = {
        course.pk for offering in c.offerings if offering.module_id for course in offering.module.courses.all()
    }
    twice += [o for o in c.offerings if o.course_id in in_modules]
    if twice:
        first = twice[0]
        return Check(
            "duplicate",
            False,
            lazy_format(
                _("%(code)s is in the programme twice (on its own or inside a module): remove one."),
                code=first.teachable.code,
            ),
            link=composer_link(first.pk),
        )
    return Check("duplicate", True, _("No course is in the programme twice."))


def completed(c: Context) -> Check:
    """No course the student has already completed."""
    done = [o for o in c.offerings if o.course_id in c.completed]
    if done:
        return Check(
            "completed",
            False,
            lazy_format(
                _("You have already completed %(codes)s: remove it from the programme."),
                codes=", ".join(o.teachable.code for o in done),
            ),
            link=composer_link(done[0].pk),
        )
    return Check("completed", True, _("No course you have already completed."))


def overlaps(c: Context) -> Check:
    """No two items taught at the same moment (overlapping dates and weekly slots)."""
    ordered = sorted(c.offerings, key=lambda o: (o.start_date, o.pk))
    for i, a in enumerate(ordered):
        for b in ordered[i + 1 :]:
            if b.start_date > a.end_date:
                break
            if slots_overlap(a.timeslots or [], b.timeslots or []):
                return Check(
                    "overlap",
                    False,
                    lazy_format(
                        _("%(a)s and %(b)s are taught at the same time: move one to another period."),
                        a=a.teachable.code,
                        b=b.teachable.code,
                    ),
                    link=composer_link(b.pk),
                )
    return Check("overlap", True, _("No two items are taught at the same time."))


def prerequisites(c: Context) -> Check | None:
    """Each planned course's prerequisites completed, or planned in an item that ends before it starts."""
    planned = {o.course_id: o for o in c.offerings if o.course_id}
    problems = []
    for offering in c.offerings:
        if not offering.course_id:
            continue
        for required in offering.course.prerequisites.all():
            if required.pk in c.completed:
                continue
            before = planned.get(required.pk)
            if before is None:
                problems.append(
                    (
                        offering,
                        lazy_format(
                            _("%(code)s needs %(required)s first, which is neither planned nor completed"),
                            code=offering.teachable.code,
                            required=required.code,
                        ),
                    )
                )
            elif before.end_date >= offering.start_date:
                problems.append(
                    (
                        offering,
                        lazy_format(
                            _("%(code)s starts before its prerequisite %(required)s ends"),
                            code=offering.teachable.code,
                            required=required.code,
                        ),
                    )
                )
    if problems:
        return Check(
            "prerequisites",
            False,
            lazy_format(
                _("Prerequisites are out of order (%(problems)s): place each prerequisite in an earlier period."),
                problems="; ".join(str(text) for _offering, text in problems),
            ),
            link=composer_link(problems[0][0].pk),
        )
    if not planned:
        return None
    return Check("prerequisites", True, _("Every prerequisite comes first."))


RULES = (ec_total, level_minimums, outside_home, core_courses, duplicates, completed, overlaps, prerequisites)


def compliance(context: Context) -> Compliance:
    return evaluate(RULES, context, verdict=Compliance)
