"""Reads of composed programmes, always through ``permissions``: the rule verdict of a version, the audit
(each requirement met, in progress or open) and the what-if (where each completed and planned course
counts, toward the composed programme and toward the current one, side by side)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import StudentProfile
from catalogue.models import Course, Level, Offering
from core.i18n import lazy_format
from results.models import Recognition, RecognitionPrecedent, Result
from routes.mijndiploma import rules as composition
from routes.mijndiploma.errors import PortfolioNotFoundError, VersionNotFoundError
from routes.mijndiploma.models import (
    ComposedProgramme,
    Portfolio,
    ProgrammeRules,
    ProgrammeVersion,
    VersionItem,
    VersionStatus,
)
from routes.mijndiploma.permissions import institutions_where, managed_portfolios, visible_versions

ZERO = Decimal("0")


def _items_queryset():
    return VersionItem.objects.select_related(
        "offering__institution", "offering__course", "offering__module", "offering__period", "portfolio"
    ).prefetch_related("offering__course__prerequisites", "offering__module__courses")


def version_for(user, version_id) -> ProgrammeVersion:
    """A version ``user`` may see, with its items; VersionNotFoundError (404) otherwise."""
    try:
        pk = int(version_id)
    except (TypeError, ValueError):
        raise VersionNotFoundError() from None
    version = (
        visible_versions(user)
        .select_related("composed__student__user", "composed__student__home_institution", "composed__programme")
        .prefetch_related(Prefetch("items", queryset=_items_queryset()))
        .filter(pk=pk)
        .first()
    )
    if version is None:
        raise VersionNotFoundError()
    return version


def composed_of(user) -> ComposedProgramme | None:
    return (
        ComposedProgramme.objects.select_related("student__home_institution", "programme")
        .filter(student__user_id=user.pk)
        .first()
    )


def versions_of(composed: ComposedProgramme) -> list[ProgrammeVersion]:
    return list(composed.versions.order_by("-number"))


def completed_courses(student: StudentProfile) -> dict[int, Decimal]:
    """The courses the student has passed (current results only, corrections applied): course id → EC."""
    rows = (
        Result.objects.filter(request__student=student, passed=True, corrected_by__isnull=True)
        .exclude(request__offering__course__isnull=True)
        .values_list("request__offering__course_id", "ec")
    )
    return dict(rows)


def rules_of(programme_id: int) -> ProgrammeRules | None:
    return ProgrammeRules.objects.prefetch_related("core_courses").filter(programme_id=programme_id).first()


def context_for(version: ProgrammeVersion, *, offerings: list[Offering] | None = None) -> composition.Context:
    student = version.composed.student
    rules = rules_of(version.composed.programme_id)
    if offerings is None:
        offerings = [item.offering for item in _items_queryset().filter(version=version)]
    return composition.Context(
        home_institution_id=student.home_institution_id,
        rules=rules,
        offerings=offerings,
        completed=completed_courses(student),
        core_course_ids={c.pk for c in rules.core_courses.all()} if rules else set(),
    )


def compliance_of(version: ProgrammeVersion) -> composition.Compliance:
    return composition.compliance(context_for(version))


# The audit --------------------------------------------------------------------------------------------------

MET, IN_PROGRESS, OPEN = "met", "in_progress", "open"
AUDIT_LABELS = {MET: _("Met"), IN_PROGRESS: _("In progress"), OPEN: _("Open")}


@dataclass
class Requirement:
    label: str
    status: str
    detail: str

    @property
    def status_label(self):
        return AUDIT_LABELS[self.status]


def _state(done: Decimal, planned: Decimal, needed: Decimal) -> str:
    if done >= needed:
        return MET
    if done + planned >= needed:
        return IN_PROGRESS
    return OPEN


def audit(version: ProgrammeVersion) -> list[Requirement]:
    """Each requirement of the programme's rules as met (by completed results that count), in progress (with
    the planned items) or open. Completed courses count toward the programme when they are planned in it,
    required core courses, or covered by a valid recognition precedent of the programme."""
    context = context_for(version)
    rules = context.rules
    if rules is None:
        return []
    counted = _counted_completed(version, context)
    planned = [o for o in context.offerings if o.course_id not in context.completed]
    done_total = sum(counted.values(), ZERO)
    planned_total = sum((o.teachable.ec for o in planned), ZERO)
    rows = [
        Requirement(
            str(lazy_format(_("At least %(min)s EC in total"), min=composition._ec(rules.ec_min))),
            _state(done_total, planned_total, rules.ec_min),
            str(
                lazy_format(
                    _("%(done)s EC completed, %(planned)s EC planned"),
                    done=composition._ec(done_total),
                    planned=composition._ec(planned_total),
                )
            ),
        )
    ]
    levels = dict(Course.objects.filter(pk__in=counted).values_list("pk", "level"))
    for level, minimum in sorted(rules.level_minimums.items()):
        needed = Decimal(str(minimum))
        done = sum((ec for pk, ec in counted.items() if levels.get(pk) == level), ZERO)
        plan = sum((o.teachable.ec for o in planned if o.teachable.level == level), ZERO)
        label = Level(level).label if level in Level.values else level
        rows.append(
            Requirement(
                str(lazy_format(_("At least %(min)s EC at level %(level)s"), min=composition._ec(needed), level=label)),
                _state(done, plan, needed),
                str(
                    lazy_format(
                        _("%(done)s EC completed, %(planned)s EC planned"),
                        done=composition._ec(done),
                        planned=composition._ec(plan),
                    )
                ),
            )
        )
    planned_courses = {o.course_id for o in planned if o.course_id}
    for course in rules.core_courses.all().order_by("code"):
        status = MET if course.pk in context.completed else IN_PROGRESS if course.pk in planned_courses else OPEN
        rows.append(
            Requirement(
                str(lazy_format(_("Core course %(code)s %(title)s"), code=course.code, title=course.title)),
                status,
                str(AUDIT_LABELS[status]),
            )
        )
    return rows


def _counted_completed(version, context) -> dict[int, Decimal]:
    programme_id = version.composed.programme_id
    precedents = set(
        RecognitionPrecedent.objects.valid_on(timezone.localdate())
        .filter(programme_id=programme_id, course_id__in=context.completed)
        .values_list("course_id", flat=True)
    )
    planned = {o.course_id for o in context.offerings if o.course_id}
    return {
        pk: ec
        for pk, ec in context.completed.items()
        if pk in planned or pk in context.core_course_ids or pk in precedents
    }


# The what-if --------------------------------------------------------------------------------------------------


@dataclass
class WhatIfRow:
    code: str
    title: str
    ec: Decimal
    state: str  # "completed" | "planned"
    composed: str  # how it counts toward the composed programme; "" when it does not
    current: str  # how it counts toward the current programme; "" when it does not


@dataclass
class WhatIf:
    rows: list[WhatIfRow] = field(default_factory=list)
    composed_name: str = ""
    current_name: str = ""

    def _sum(self, column: str, state: str | None = None) -> Decimal:
        return sum((r.ec for r in self.rows if getattr(r, column) and (state is None or r.state == state)), ZERO)

    @property
    def composed_total(self) -> Decimal:
        return self._sum("composed")

    @property
    def current_total(self) -> Decimal:
        return self._sum("current")

    @property
    def composed_completed(self) -> Decimal:
        return self._sum("composed", "completed")

    @property
    def current_completed(self) -> Decimal:
        return self._sum("current", "completed")


def _counts(programme_id, course_id, *, core: set[int], precedents: dict, recognised: dict) -> str:
    if course_id in core:
        return str(_("core course"))
    if (programme_id, course_id) in precedents:
        return precedents[(programme_id, course_id)] or str(_("recognised by precedent"))
    if (programme_id, course_id) in recognised:
        return recognised[(programme_id, course_id)] or str(_("recognised"))
    return ""


def what_if(version: ProgrammeVersion) -> WhatIf:
    """Where each completed and planned course counts: toward the composed programme (every planned item
    counts there, as its own level; a completed course when it is a core course or covered by a precedent or
    a recognition for that programme) and toward the student's current programme (core course of its
    rules, a valid precedent, or a recognition for it; planned items too, by the same tests)."""
    student = version.composed.student
    composed_id, current_id = version.composed.programme_id, student.programme_id
    programme_ids = {composed_id, current_id} - {None}
    context = context_for(version)
    core = {
        pid: {c for c in ProgrammeRules.objects.filter(programme_id=pid).values_list("core_courses", flat=True) if c}
        for pid in programme_ids
    }
    completed_results = list(
        Result.objects.filter(request__student=student, passed=True, corrected_by__isnull=True)
        .exclude(request__offering__course__isnull=True)
        .select_related("request__offering__course")
        .order_by("assessed_on", "pk")
    )
    course_ids = {r.request.offering.course_id for r in completed_results} | {
        o.course_id for o in context.offerings if o.course_id
    }
    precedents = {
        (p.programme_id, p.course_id): p.counts_as
        for p in RecognitionPrecedent.objects.valid_on(timezone.localdate()).filter(
            programme_id__in=programme_ids, course_id__in=course_ids
        )
    }
    recognised = {
        (r.programme_id, r.request.offering.course_id): r.counts_as
        for r in Recognition.objects.filter(
            request__student=student, status=Recognition.Status.RECOGNISED, programme_id__in=programme_ids
        ).select_related("request__offering")
    }
    result = WhatIf(
        composed_name=str(version.composed.programme),
        current_name=str(student.programme) if student.programme_id else "",
    )
    for r in completed_results:
        course = r.request.offering.course
        args = {"core": set(), "precedents": precedents, "recognised": recognised}
        result.rows.append(
            WhatIfRow(
                code=course.code,
                title=course.title,
                ec=r.ec,
                state="completed",
                composed=_counts(composed_id, course.pk, **{**args, "core": core.get(composed_id, set())}),
                current=_counts(current_id, course.pk, **{**args, "core": core.get(current_id, set())})
                if current_id
                else "",
            )
        )
    for offering in context.offerings:
        teachable = offering.teachable
        if offering.course_id in context.completed:
            continue
        args = {"precedents": precedents, "recognised": recognised}
        composed = _counts(composed_id, offering.course_id, core=core.get(composed_id, set()), **args) or str(
            lazy_format(_("composed item (%(level)s)"), level=teachable.get_level_display())
        )
        current = (
            _counts(current_id, offering.course_id, core=core.get(current_id, set()), **args) if current_id else ""
        )
        result.rows.append(
            WhatIfRow(
                code=teachable.code,
                title=teachable.title,
                ec=teachable.ec,
                state="planned",
                composed=composed,
                current=current,
            )
        )
    return result


@dataclass
class Period:
    name: str
    start: object
    items: list


def items_by_period(version: ProgrammeVersion) -> list[Period]:
    """The version's items grouped by the period they are taught in (institutions' calendars differ, so a
    period is one institution's period, in the order the periods start)."""
    groups: dict[int, Period] = {}
    for item in version.items.all():
        period = item.offering.period
        if period.pk not in groups:
            groups[period.pk] = Period(
                name=f"{period.name} · {item.offering.institution.short_name}", start=period.start_date, items=[]
            )
        groups[period.pk].items.append(item)
    return sorted(groups.values(), key=lambda p: (p.start, p.name))


@dataclass
class Decision:
    label: str
    at: object
    by: str
    comment: str


def decision_of(version: ProgrammeVersion) -> Decision | None:
    """The board's decision on the version, as the overview prints it; None before one."""
    if version.decided_at is None:
        return None
    by = version.decided_by.get_full_name() if version.decided_by else ""
    return Decision(label=version.get_status_display(), at=version.decided_at, by=by, comment=version.decision_comment)


def offerings_to_add(profile: StudentProfile, text: str, version: ProgrammeVersion) -> list[Offering]:
    """Offerings the student may see whose code or title holds ``text``, not in the version yet (at most 20)."""
    own = Q(institution_id=profile.home_institution_id)
    words = Q(course__code__icontains=text) | Q(course__title_en__icontains=text) | Q(course__title_nl__icontains=text)
    words |= Q(module__code__icontains=text) | Q(module__title_en__icontains=text) | Q(module__title_nl__icontains=text)
    return list(
        Offering.objects.filter(is_archived=False)
        .filter((own & Q(visible_own_students=True)) | (~own & Q(visible_partners=True)))
        .filter(words)
        .exclude(pk__in=version.items.values("offering_id"))
        .select_related("course", "module", "institution", "period")
        .order_by("start_date", "pk")[:20]
    )


# Lists ---------------------------------------------------------------------------------------------------------


def board_queue(user, *, show: str = "waiting") -> QuerySet[ProgrammeVersion]:
    """Versions of the students of the institutions where ``user`` sits on the examination board: submitted
    ones oldest first, or decided ones newest first."""
    queryset = visible_versions(user).filter(
        composed__student__home_institution_id__in=institutions_where(user, "exam_board")
    )
    if show == "decided":
        queryset = queryset.exclude(status__in=[VersionStatus.DRAFT, VersionStatus.SUBMITTED]).order_by("-decided_at")
    else:
        queryset = queryset.filter(status=VersionStatus.SUBMITTED).order_by("submitted_at", "pk")
    return queryset.select_related("composed__student__user", "composed__programme")


def portfolios_published() -> QuerySet[Portfolio]:
    return (
        Portfolio.objects.filter(is_published=True)
        .select_related("theme", "institution")
        .prefetch_related(
            Prefetch(
                "offerings",
                queryset=Offering.objects.filter(is_archived=False).select_related(
                    "course", "module", "institution", "period"
                ),
            )
        )
    )


def portfolio_managed(user, portfolio_id) -> Portfolio:
    try:
        return managed_portfolios(user).get(pk=int(portfolio_id))
    except (Portfolio.DoesNotExist, ValueError, TypeError):
        raise PortfolioNotFoundError() from None
