"""The charts of both dashboards, as a registry: each is a ``PanelSpec`` (key, title, how to draw it, and the
function that builds its table), listed in order per dashboard. A later chart (settlement between
institutions, once ``billing`` exposes it) is one more ``panel_register(...)`` call, from this module or
from an app's ``ready()``.

Every builder reads through a ``Context``: the filtered requests and their cells of the request cube
(``insights.models.RequestCube``), the institutions' names, and a small memo so that two charts over the
same grouping (the heatmap and the Sankey, the participation and the funnel) share one query. Every count
is a ``GROUP BY`` in the database over a kept summary (the cube's cells, the lead times, billing's
settlement cells), each brought up to date before it is read (``docs/insights.md``); Python only walks the
grouped rows (at most institutions × institutions), never the requests, so the number of queries is the
same whatever the data holds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import (
    Aggregate,
    Case,
    Count,
    DurationField,
    F,
    FloatField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncMonth
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from billing.selectors_settlement import settlement_matrix
from billing.services.settlement_cells import settlement_cells_refresh_for_read
from credentials.models import IssuedCredential
from enrolment.models import HomeApprovalPolicy, RequestEvent, Status
from insights.filters import Filters
from insights.models import LeadTime
from insights.services import cube_refresh_for_read, lead_times_refresh
from insights.tables import Column, Panel, Row, Table, count_table, rate
from institutions.models import AcademicPeriod, Institution
from institutions.routes import Route
from ooapi.models import Connection, ImportRun, OutboxMessage

ZONE, INSTITUTION = "zone", "institution"

HOME_DECISIONS = (Status.HOME_APPROVED, Status.HOME_DENIED)
HOST_DECISIONS = (Status.ADMITTED, Status.WAITLISTED, Status.SEAT_OFFERED, Status.HOST_DENIED)


class PercentileCont(Aggregate):
    """PostgreSQL's ``percentile_cont(f) WITHIN GROUP (ORDER BY x)``: the continuous percentile, in SQL."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    allow_distinct = False

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


@dataclass
class Context:
    filters: Filters
    requests: QuerySet  # the filtered, submitted requests (the scope's own for an institution's dashboard)
    cells: QuerySet  # the same requests' cells of the cube (``RequestCube``), filtered alike
    institution: Institution | None = None  # the institution dashboard's own institution
    memo: dict[str, Any] = field(default_factory=dict)

    def once(self, key: str, compute: Callable[[], Any]) -> Any:
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]

    @property
    def cube(self) -> QuerySet:
        """The filtered cells, the cube refreshed first when it is older than ``INSIGHTS_CUBE_MAX_AGE``."""
        self.once("cube-refreshed", cube_refresh_for_read)
        return self.cells

    @property
    def institutions(self) -> dict[int, Institution]:
        return self.once("institutions", lambda: {i.pk: i for i in Institution.objects.order_by("short_name")})


@dataclass(frozen=True)
class PanelSpec:
    key: str
    title: str | Promise
    description: str | Promise
    chart: str
    build: Callable[[Context], Table | tuple[Table, list]]

    def panel(self, context: Context) -> Panel:
        built = self.build(context)
        table, warnings = built if isinstance(built, tuple) else (built, [])
        return Panel(self.key, self.title, self.description, self.chart, table, warnings)


PANELS: dict[str, list[PanelSpec]] = {ZONE: [], INSTITUTION: []}


def panel_register(scope: str, spec: PanelSpec, *, before: str | None = None) -> None:
    """Add a chart to a dashboard (``ZONE`` or ``INSTITUTION``), at the end or before the chart ``before``."""
    panels = PANELS[scope]
    if any(p.key == spec.key for p in panels):
        raise ValueError(f"a chart {spec.key!r} is already on the {scope} dashboard")
    keys = [p.key for p in panels]
    panels.insert(keys.index(before) if before in keys else len(panels), spec)


# --------------------------------------------------------------------------------------------------
# Shared groupings (one query each, memoised per request)


FUNNEL_KEYS = ("submitted", "home_approved", "admitted", "registered", "completed")


def _pairs(context: Context) -> dict[tuple[int, int], dict]:
    """Per (home, host): the funnel's counts. One grouping of the cube's cells; the per-institution figures,
    the funnel and both flow charts are sums over these rows (at most institutions × institutions)."""

    def compute():
        rows = context.cube.values("home", "host").order_by().annotate(**{key: Sum(key) for key in FUNNEL_KEYS})
        return {(r["home"], r["host"]): r for r in rows}

    return context.once("pairs", compute)


def _by_side(context: Context, side: str) -> dict[int, dict]:
    """Per institution on ``side`` (home or host): requests, registrations and the funnel's steps."""

    def compute():
        out: dict[int, dict] = {}
        for (home, host), row in _pairs(context).items():
            sums = out.setdefault(home if side == "home" else host, dict.fromkeys(FUNNEL_KEYS, 0))
            for key in FUNNEL_KEYS:
                sums[key] += row[key]
        return out

    return context.once(f"side:{side}", compute)


def _flows(context: Context) -> dict[tuple[int, int], dict]:
    return {pair: {"requests": r["submitted"], "registered": r["registered"]} for pair, r in _pairs(context).items()}


def _home_routes(context: Context) -> dict[tuple[int, str], dict]:
    """Per (home, route): requests, registrations and the first submission. One scan; the route chart and
    the pilots chart both read it."""

    def compute():
        rows = (
            context.cube.values("home", "route")
            .order_by()
            .annotate(n=Sum("submitted"), reg=Sum("registered"), since=Min("first_submitted_at"))
        )
        return {(r["home"], r["route"]): r for r in rows}

    return context.once("home_routes", compute)


NO_HOME = _("No home (module-only learners)")


def _label(context: Context, pk: int | None) -> str:
    if pk is None:  # a module-only learner's request has no home institution
        return str(NO_HOME)
    institution = context.institutions.get(pk)
    return institution.short_name if institution else str(pk)


def _institution_rows(context: Context) -> list[Institution]:
    if context.filters.institution is not None:
        return [context.filters.institution]
    return list(context.institutions.values())


# --------------------------------------------------------------------------------------------------
# Zone dashboard

REQUESTS = Column("requests", _("Requests"))
REGISTRATIONS = Column("registrations", _("Registrations"))


def participation_institution(context: Context) -> Table:
    home, host = _by_side(context, "home"), _by_side(context, "host")
    institutions = _institution_rows(context)
    columns = [
        Column("outgoing_requests", _("Outgoing requests")),
        Column("incoming_requests", _("Incoming requests")),
        Column("outgoing_registrations", _("Outgoing registrations")),
        Column("incoming_registrations", _("Incoming registrations")),
    ]
    counts = [
        [
            home.get(i.pk, {}).get("submitted", 0),
            host.get(i.pk, {}).get("submitted", 0),
            home.get(i.pk, {}).get("registered", 0),
            host.get(i.pk, {}).get("registered", 0),
        ]
        for i in institutions
    ]
    return count_table([(i.code, i.short_name) for i in institutions], columns, counts)


def participation_route(context: Context) -> Table:
    found: dict[str, dict] = {}
    for (_home, route), row in _home_routes(context).items():
        sums = found.setdefault(route, {"n": 0, "reg": 0})
        sums["n"] += row["n"]
        sums["reg"] += row["reg"]
    routes = [r for r in Route if not context.filters.route or r.value == context.filters.route]
    counts = [[found.get(r.value, {}).get("n", 0), found.get(r.value, {}).get("reg", 0)] for r in routes]
    return count_table([(r.value, r.label) for r in routes], [REQUESTS, REGISTRATIONS], counts)


def participation_period(context: Context) -> Table:
    year, kind, seq = "period__academic_year__name", "period__kind", "period__sequence"
    rows = (
        context.cube.values(year, kind, seq)
        .order_by(year, kind, seq)
        .annotate(n=Sum("submitted"), reg=Sum("registered"))
    )
    kinds = dict(AcademicPeriod.Kind.choices)
    keys = [(f"{r[year]}/{r[kind]}-{r[seq]}", f"{r[year]} {kinds.get(r[kind], r[kind])} {r[seq]}") for r in rows]
    return count_table(keys, [REQUESTS, REGISTRATIONS], [[r["n"], r["reg"]] for r in rows])


FUNNEL_STEPS = [
    Column("submitted", _("Submitted")),
    Column("home_approved", _("Home approved")),
    Column("admitted", _("Admitted")),
    Column("registered", _("Registered")),
    Column("completed", _("Completed")),
]
FUNNEL_RATES = [
    Column("home_approval_rate", _("Home approval rate (%)"), "rate"),
    Column("admission_rate", _("Admission rate (%)"), "rate"),
    Column("registration_rate", _("Registration rate (%)"), "rate"),
    Column("completion_rate", _("Completion rate (%)"), "rate"),
]


def _with_rates(table: Table) -> Table:
    """Append each step's acceptance rate (this step over the one before), from the counts as shown."""

    def rates(values):
        return [rate(values[i + 1], values[i]) for i in range(len(FUNNEL_STEPS) - 1)]

    for row in table.rows:
        row.values = row.values + rates(row.values)
    if table.totals is not None:
        table.totals = table.totals + rates(table.totals)
    table.columns = table.columns + FUNNEL_RATES
    return table


def funnel(context: Context) -> Table:
    home = _by_side(context, "home")
    institutions = [i for i in _institution_rows(context) if i.pk in home]
    counts = [[home[i.pk][c.key] for c in FUNNEL_STEPS] for i in institutions]
    return _with_rates(count_table([(i.code, i.short_name) for i in institutions], FUNNEL_STEPS, counts))


LEAD_STEPS = [
    ("home", _("Home decision (from submission)"), Q(from_status=Status.SUBMITTED, to_status__in=HOME_DECISIONS)),
    (
        "host",
        _("Host decision (from home approval)"),
        Q(from_status=Status.HOME_APPROVED, to_status__in=HOST_DECISIONS),
    ),
    ("registration", _("Registration (from admission)"), Q(from_status=Status.ADMITTED, to_status=Status.REGISTERED)),
]
LEAD_COLUMNS = [
    Column("decisions", _("Moves measured")),
    Column("median_days", _("Median (days)"), "days"),
    Column("p90_days", _("90th percentile (days)"), "days"),
    Column("deadline_days", _("Deadline (days)"), "days"),
    Column("late", _("After the deadline")),
]


def _lead_rows(context: Context, requests: QuerySet, own: Institution | None = None) -> dict[str, dict]:
    """Per step: moves measured, median and p90 in days, and how many came after their deadline.

    PostgreSQL: from the summary table ``LeadTime`` (brought up to date first, incrementally), with the
    percentiles computed by ``percentile_cont`` in one aggregate. SQLite (the embedded ``make run`` default)
    has neither ``percentile_cont`` nor the beat that keeps the summary: there the moves are read from the
    audit trail and the same continuous percentile is taken in Python, over the demo's few thousand moves.
    """
    if connection.vendor != "postgresql":
        return _lead_rows_live(requests)
    context.once("refreshed", lead_times_refresh)
    # The filters apply to the rows' own copy of their cell (no join to the requests): the same requests.
    facts = context.filters.cells(LeadTime.objects.filter(day__isnull=False))
    if own is not None:
        facts = facts.filter(Q(home=own) | Q(host=own))
    aggregates = {}
    for step in ("home", "host", "registration"):
        days = f"{step}_days"
        aggregates |= {
            f"{step}__n": Count(days),
            f"{step}__median": PercentileCont(days, 0.5, output_field=FloatField()),
            f"{step}__p90": PercentileCont(days, 0.9, output_field=FloatField()),
        }
        if step != "registration":
            aggregates[f"{step}__late"] = Count("pk", filter=Q(**{f"{step}_late": True}))
    found = facts.aggregate(**aggregates)
    out: dict[str, dict] = {}
    for name, value in found.items():
        step, what = name.split("__")
        out.setdefault(step, {"late": 0})[what] = value
    return out


def _percentile(ordered: list[float], fraction: float) -> float:
    rank = (len(ordered) - 1) * fraction
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _lead_rows_live(requests: QuerySet) -> dict[str, dict]:
    """The SQLite path of ``_lead_rows``: each request's first move of each step, from the audit trail."""
    admitted_at = RequestEvent.objects.filter(
        request=OuterRef("request"), to_status=Status.ADMITTED, at__lte=OuterRef("at")
    ).order_by("-at")
    step = Case(*[When(q, then=Value(key)) for key, _label, q in LEAD_STEPS], default=Value(""))
    took = Case(
        When(LEAD_STEPS[0][2], then=F("at") - F("request__submitted_at")),
        When(LEAD_STEPS[1][2], then=F("at") - F("request__home_approved_at")),
        When(LEAD_STEPS[2][2], then=F("at") - Subquery(admitted_at.values("at")[:1])),
        output_field=DurationField(),
    )
    late = (LEAD_STEPS[0][2] & Q(request__decision_due_at__lt=F("at"))) | (
        LEAD_STEPS[1][2] & Q(request__host_decision_due_at__lt=F("at"))
    )
    moves = (
        RequestEvent.objects.filter(request__in=requests.values("pk"))
        .filter(LEAD_STEPS[0][2] | LEAD_STEPS[1][2] | LEAD_STEPS[2][2])
        .annotate(step=step, took=took, is_late=Case(When(late, then=Value(True)), default=Value(False)))
        .order_by("at", "pk")
    )
    first: dict[tuple[int, str], tuple] = {}
    for request_id, key, duration, is_late in moves.values_list("request_id", "step", "took", "is_late"):
        first.setdefault((request_id, key), (duration, is_late))
    durations: dict[str, list[float]] = {}
    late_counts: dict[str, int] = {}
    for (_request_id, key), (duration, is_late) in first.items():
        if duration is not None:
            durations.setdefault(key, []).append(duration.total_seconds() / 86400)
        late_counts[key] = late_counts.get(key, 0) + bool(is_late)
    out = {}
    for key, values in durations.items():
        values.sort()
        out[key] = {
            "n": len(values),
            "median": _percentile(values, 0.5),
            "p90": _percentile(values, 0.9),
            "late": late_counts.get(key, 0),
        }
    return out


def _days(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _lead_table(context: Context, requests: QuerySet, own: Institution | None = None) -> Table:
    found = _lead_rows(context, requests, own)
    k = int(getattr(settings, "INSIGHTS_SUPPRESSION_THRESHOLD", 5))
    deadlines = {"home": _home_deadline_days(context), "host": settings.ENROLMENT_HOST_DECISION_DAYS}
    rows, hidden = [], 0
    for key, label, _q in LEAD_STEPS:
        r = {"n": 0, "median": None, "p90": None, "late": 0} | found.get(key, {})
        n = r["n"]
        # A median or p90 over fewer than k moves comes too close to one student's own dates.
        small = 0 < n < k
        late_hidden = small or 0 < r["late"] < k
        hidden += small * 3 + late_hidden
        rows.append(
            Row(
                key,
                label,
                [
                    None if small else n,
                    None if small else _days(r["median"]),
                    None if small else _days(r["p90"]),
                    deadlines.get(key),
                    None if late_hidden else r["late"],
                ],
            )
        )
    return Table(columns=list(LEAD_COLUMNS), rows=rows, totals=None, suppressed=hidden)


def _home_deadline_days(context: Context) -> float | None:
    """The home institutions' days to decide (their approval policies), as their median; 10 by default."""
    policies = HomeApprovalPolicy.objects.all()
    if context.institution is not None:
        policies = policies.filter(institution=context.institution)
    elif context.filters.institution is not None:
        policies = policies.filter(institution=context.filters.institution)
    days = sorted(policies.values_list("decision_days", flat=True))
    field_default = HomeApprovalPolicy._meta.get_field("decision_days").default
    return float(days[len(days) // 2]) if days else float(field_default)


def lead_times(context: Context) -> Table:
    return _lead_table(context, context.requests)


def _flow_table(context: Context, *, value: str) -> Table:
    flows = _flows(context)
    homes = sorted({h for h, _x in flows}, key=lambda pk: _label(context, pk))
    hosts = sorted({x for _h, x in flows}, key=lambda pk: _label(context, pk))
    columns = [
        Column(context.institutions[pk].code if pk in context.institutions else str(pk), _label(context, pk))
        for pk in hosts
    ]
    counts = [[flows.get((h, x), {}).get(value, 0) for x in hosts] for h in homes]
    rows = [
        (context.institutions[pk].code if pk in context.institutions else str(pk), _label(context, pk)) for pk in homes
    ]
    return count_table(rows, columns, counts, row_totals=True, column_totals=True)


def flows_matrix(context: Context) -> Table:
    return _flow_table(context, value="requests")


def flows_sankey(context: Context) -> Table:
    return _flow_table(context, value="registered")


def route_pilots(context: Context) -> tuple[Table, list]:
    found = _home_routes(context)
    institutions = _institution_rows(context)
    routes = list(Route)
    counts = [[found.get((i.pk, r.value), {}).get("n", 0) for r in routes] for i in institutions]
    table = count_table(
        [(i.code, i.short_name) for i in institutions],
        [Column(r.value, r.label) for r in routes],
        counts,
        row_totals=True,
    )
    piloted = Column("piloted", _("Pilots"), "text")
    since = Column("since", _("Active since (first request on a piloted route)"), "month")
    for institution, row in zip(institutions, table.rows, strict=True):
        firsts = [
            found[(institution.pk, r)]["since"] for r in institution.piloted_routes if (institution.pk, r) in found
        ]
        row.values = [
            ", ".join(str(Route(r).label) for r in institution.piloted_routes if r in Route.values) or "—",
            min(firsts).strftime("%Y-%m") if firsts else "",
            *row.values,
        ]
    table.columns = [piloted, since, *table.columns]
    if table.totals is not None:
        table.totals = ["", "", *table.totals]
    warnings = [
        _("%(institution)s pilots no route: the zone's plan asks every institution to pilot at least one.")
        % {"institution": institution.short_name}
        for institution in institutions
        if not [r for r in institution.piloted_routes if r in Route.values]
    ]
    return table, warnings


def trends(context: Context) -> Table:
    rows = (
        context.cube.values("month")
        .order_by("month")
        .annotate(n=Sum("submitted"), approved=Sum("home_approved"), reg=Sum("registered"))
    )
    columns = [
        Column("submitted", _("Submitted")),
        Column("home_approved", _("Home approved")),
        Column("registered", _("Registered")),
    ]
    return count_table(
        [(r["month"].strftime("%Y-%m"), r["month"].strftime("%Y-%m")) for r in rows],
        columns,
        [[r["n"], r["approved"], r["reg"]] for r in rows],
    )


def microcredentials(context: Context) -> Table:
    """Issued and revoked per month, over the credentials of the filtered requests' results."""
    credentials = IssuedCredential.objects.filter(result__request__in=context.requests.values("pk"))
    issued = credentials.annotate(month=TruncMonth("issued_at")).values("month").order_by().annotate(n=Count("pk"))
    revoked = (
        credentials.filter(revoked_at__isnull=False)
        .annotate(month=TruncMonth("revoked_at"))
        .values("month")
        .order_by()
        .annotate(n=Count("pk"))
    )
    union = issued.annotate(kind=Value("issued")).union(revoked.annotate(kind=Value("revoked")), all=True)
    per_month: dict[str, dict[str, int]] = {}
    for r in union:
        per_month.setdefault(r["month"].strftime("%Y-%m"), {})[r["kind"]] = r["n"]
    months = sorted(per_month)
    return count_table(
        [(m, m) for m in months],
        [Column("issued", _("Issued")), Column("revoked", _("Revoked"))],
        [[per_month[m].get("issued", 0), per_month[m].get("revoked", 0)] for m in months],
    )


def sync_health(context: Context) -> Table:
    """Per connected institution: its circuit, failures in a row, messages waiting and dead, the last import.
    Counts of messages, not of students: nothing here is suppressed."""
    last_import = ImportRun.objects.filter(connection=OuterRef("pk")).order_by("-started_at")
    connections = (
        Connection.objects.select_related("institution")
        .annotate(
            pending=Count("outbox", filter=Q(outbox__status=OutboxMessage.Status.PENDING)),
            dead=Count("outbox", filter=Q(outbox__status=OutboxMessage.Status.DEAD)),
            last_import=Subquery(last_import.values("status")[:1]),
        )
        .order_by("institution__short_name")
    )
    if context.filters.institution is not None:
        connections = connections.filter(institution=context.filters.institution)
    circuits = dict(Connection.Circuit.choices)
    imports = dict(ImportRun.Status.choices)
    rows = [
        Row(
            c.institution.code,
            c.institution.short_name,
            [
                str(circuits.get(c.circuit, c.circuit)),
                c.consecutive_failures,
                c.pending,
                c.dead,
                c.last_success_at.strftime("%Y-%m-%d %H:%M") if c.last_success_at else "",
                str(imports.get(c.last_import, "")) if c.last_import else "",
            ],
        )
        for c in connections
    ]
    columns = [
        Column("circuit", _("Circuit"), "text"),
        Column("failures", _("Failures in a row"), "number"),
        Column("pending", _("Messages waiting"), "number"),
        Column("dead", _("Dead letters"), "number"),
        Column("last_success", _("Last success"), "text"),
        Column("last_import", _("Last catalogue import"), "text"),
    ]
    return Table(columns=columns, rows=rows, totals=None)


def settlement(context: Context) -> Table:
    """Who owes whom (``billing``'s statement): per ordered pair, the billable enrolments and the amount the
    home owes the host, for the filtered academic year (all years without one) and institution. A pair's
    enrolments under the threshold are hidden, and so is its amount, which with the tariff would give the
    count away; the zone total is hidden when any pair is."""
    # Summed from billing's kept cells (brought up to date first, as the cube is), not from the requests.
    context.once("settlement-cells", settlement_cells_refresh_for_read)
    rows = settlement_matrix(year=context.filters.year or None, institution=context.filters.institution, kept=True)
    keys = [(f"{r.payer.code}-{r.payee.code}", f"{r.payer.short_name} \u2192 {r.payee.short_name}") for r in rows]
    enrolments = Column("enrolments", _("Billable enrolments"))
    counted = count_table(keys, [enrolments], [[r.enrolments] for r in rows])
    amount = Column("amount", _("Owed (EUR)"), "number")
    shown = []
    for row, line in zip(counted.rows, rows, strict=True):
        hidden = row.values[0] is None
        shown.append(Row(row.key, row.label, [None if hidden else float(line.amount), row.values[0]]))
    any_hidden = any(r.values[0] is None for r in shown)
    total = None if any_hidden else float(sum((r.amount for r in rows), Decimal("0")))
    totals = [total, counted.totals[0] if counted.totals else 0]
    hidden_values = sum(v is None for r in shown for v in r.values) + sum(v is None for v in totals)
    return Table(columns=[amount, enrolments], rows=shown, totals=totals, suppressed=hidden_values)


# --------------------------------------------------------------------------------------------------
# Institution dashboard (the staff's own institution)


def _one_side(context: Context, *, side: str, other: str) -> Table:
    rows = (
        context.cube.filter(**{side: context.institution})
        .values(other)
        .order_by()
        .annotate(n=Sum("submitted"), reg=Sum("registered"))
    )
    rows = sorted(rows, key=lambda r: _label(context, r[other]))
    keys = [(context.institutions[r[other]].code if r[other] else "none", _label(context, r[other])) for r in rows]
    return count_table(keys, [REQUESTS, REGISTRATIONS], [[r["n"], r["reg"]] for r in rows])


def incoming(context: Context) -> Table:
    return _one_side(context, side="host", other="home")


def outgoing(context: Context) -> Table:
    return _one_side(context, side="home", other="host")


QUEUES = [
    ("home_decision", _("Awaiting our decision as home"), "home", Q(status=Status.SUBMITTED)),
    ("host_decision", _("Awaiting our decision as host"), "host", Q(status=Status.HOME_APPROVED)),
    ("waitlisted", _("On our waitlists"), "host", Q(status=Status.WAITLISTED)),
    ("seat_offered", _("Seat offered, awaiting the student"), "host", Q(status=Status.SEAT_OFFERED)),
    ("registering", _("Admitted, being registered"), "host", Q(status=Status.ADMITTED)),
]


def queues(context: Context) -> Table:
    own = context.institution
    counts = context.requests.aggregate(
        **{key: Count("pk", filter=q & Q(**{f"{side}_institution": own})) for key, _l, side, q in QUEUES}
    )
    return count_table(
        [(key, label) for key, label, _s, _q in QUEUES],
        [Column("requests", _("Requests"))],
        [[counts[k]] for k, *_ in QUEUES],
    )


def own_lead_times(context: Context) -> Table:
    own = context.institution
    return _lead_table(context, context.requests.filter(Q(home_institution=own) | Q(host_institution=own)), own)


panel_register(
    ZONE,
    PanelSpec(
        "participation-institution",
        _("Participation per institution"),
        _("Requests and registrations per institution, as home (outgoing) and as host (incoming)."),
        "bar",
        participation_institution,
    ),
)
panel_register(
    ZONE,
    PanelSpec(
        "participation-route",
        _("Participation per route"),
        _("Requests and registrations per student route."),
        "bar",
        participation_route,
    ),
)
panel_register(
    ZONE,
    PanelSpec(
        "participation-period",
        _("Participation per period"),
        _("Requests and registrations per academic year and period of the course's offering."),
        "bar",
        participation_period,
    ),
)
panel_register(
    ZONE,
    PanelSpec(
        "funnel",
        _("The funnel"),
        _(
            "Submitted, approved by home, admitted by host, registered and completed, per home institution, "
            "with each step's acceptance rate."
        ),
        "funnel",
        funnel,
    ),
)
panel_register(
    ZONE,
    PanelSpec(
        "lead-times",
        _("Lead times"),
        _("Days per approval step, median and 90th percentile, against the deadline for that step."),
        "lead",
        lead_times,
    ),
)
panel_register(
    ZONE,
    PanelSpec(
        "flows",
        _("Flows between institutions"),
        _("Requests from each home institution (rows) to each host institution (columns)."),
        "heatmap",
        flows_matrix,
    ),
)
panel_register(
    ZONE,
    PanelSpec(
        "flows-registered",
        _("Registrations between institutions"),
        _("Registered enrolments from each home institution (left) to each host institution (right)."),
        "sankey",
        flows_sankey,
    ),
)
panel_register(
    ZONE,
    PanelSpec(
        "route-pilots",
        _("Route pilots"),
        _("Which routes each institution pilots, since when, and its students' requests per route."),
        "stacked",
        route_pilots,
    ),
)
panel_register(
    ZONE,
    PanelSpec(
        "trends",
        _("Trends"),
        _("Requests per month of submission: submitted, approved by home, registered."),
        "line",
        trends,
    ),
)
panel_register(
    ZONE,
    PanelSpec(
        "microcredentials",
        _("Microcredentials"),
        _("Microcredentials issued and revoked per month."),
        "bar",
        microcredentials,
    ),
)
panel_register(
    ZONE,
    PanelSpec(
        "settlement",
        _("Settlement between institutions"),
        _("Who owes whom for cross-enrolments: per home and host, the billable enrolments and the amount owed."),
        "bar",
        settlement,
    ),
)
panel_register(
    ZONE,
    PanelSpec(
        "sync-health",
        _("Sync health"),
        _("Per connected institution: the connection's state, messages waiting and dead, the last catalogue import."),
        "bar",
        sync_health,
    ),
)
panel_register(
    INSTITUTION,
    PanelSpec(
        "incoming",
        _("Incoming flows"),
        _("Requests and registrations of other institutions' students for our courses, per home institution."),
        "bar",
        incoming,
    ),
)
panel_register(
    INSTITUTION,
    PanelSpec(
        "outgoing",
        _("Outgoing flows"),
        _("Requests and registrations of our students elsewhere, per host institution."),
        "bar",
        outgoing,
    ),
)
panel_register(
    INSTITUTION,
    PanelSpec("queues", _("Queues"), _("Requests waiting now, per queue."), "bar", queues),
)
panel_register(
    INSTITUTION,
    PanelSpec(
        "lead-times",
        _("Lead times"),
        _("Days per approval step at our institution, median and 90th percentile, against the deadline."),
        "lead",
        own_lead_times,
    ),
)
