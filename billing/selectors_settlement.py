"""The reads of settlement: what each institution owes another for cross-enrolments, per academic year
(optionally one host period), computed in the database from the requests and the tariffs.

When a cross-enrolment is billable (the rule, written once, in ``billable_requests``):
- it is **registered at the host** (registered or completed): the host has given the seat and taught;
- a registered request that ended (withdrawn or cancelled) **after the cut-off** still is: the run's
  withdraw deadline, or its first day when it has none, the same cut-off the student's own withdrawal has;
  one that ended before the cut-off owes nothing;
- modular registrations (route "modular") never are: a module-only learner pays the host by invoice,
  so the host is never paid twice; a request whose home is the host itself never is either.

Amounts: a per-EC tariff times the course's or module's EC, or a per-module tariff as is; summed per
ordered pair exactly in the database, then rounded once per pair with ``billing.money.to_cents``, billing's one rounding rule.
The net of a pair is the difference of its two rounded gross amounts, so it needs no rounding of its own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import StaffRole, User
from billing.errors import StatementNotFoundError, ZoneStatementDeniedError
from billing.models_settlement import SettlementCell, Tariff, TariffBasis
from billing.money import to_cents
from enrolment.models import EnrolmentRequest, RequestEvent, Status
from institutions.models import AcademicPeriod, AcademicYear, Institution
from institutions.routes import Route

BILLABLE_STATES = (Status.REGISTERED, Status.COMPLETED)
ENDED_STATES = (Status.WITHDRAWN, Status.CANCELLED)
AMOUNT = DecimalField(max_digits=20, decimal_places=4)
EC = DecimalField(max_digits=8, decimal_places=1)
ZERO = Decimal("0.00")


def billable_requests(*, year: str | None = None, period: AcademicPeriod | int | None = None) -> QuerySet:
    """The cross-enrolments a home owes its host for, each annotated with ``line_ec`` and ``line_amount``
    (``None`` when no tariff covers the pair on the run's start date). ``year`` is an academic year's name
    (the host's calendar: the run's period's year); ``period`` one host period (or its id)."""
    registered = RequestEvent.objects.filter(request=OuterRef("pk"), to_status=Status.REGISTERED)
    ended_at = (
        RequestEvent.objects.filter(request=OuterRef("pk"), to_status__in=ENDED_STATES).order_by("-at").values("at")[:1]
    )
    late_end = Q(offering__withdraw_deadline__isnull=False, ended_at__gt=F("offering__withdraw_deadline")) | Q(
        offering__withdraw_deadline__isnull=True, ended_at__date__gte=F("offering__start_date")
    )
    requests = (
        EnrolmentRequest.objects.exclude(route=Route.MODULAR)
        .exclude(home_institution=F("host_institution"))
        .filter(home_institution__isnull=False)
        .annotate(was_registered=Exists(registered), ended_at=Subquery(ended_at))
        .filter(Q(status__in=BILLABLE_STATES) | (Q(status__in=ENDED_STATES, was_registered=True) & late_end))
    )
    if year:
        requests = requests.filter(offering__period__academic_year__name=year)
    if period is not None:
        requests = requests.filter(offering__period=period)
    requests = requests.annotate(
        line_ec=Coalesce(F("offering__course__ec"), F("offering__module__ec"), output_field=EC)
    )
    starts = OuterRef("offering__start_date")
    tariff = (
        Tariff.objects.filter(
            payer=OuterRef("home_institution"), payee=OuterRef("host_institution"), valid_from__lte=starts
        )
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=starts))
        .annotate(
            amount=Case(
                When(basis=TariffBasis.PER_EC, then=F("rate") * OuterRef("line_ec")),
                default=F("rate"),
                output_field=AMOUNT,
            )
        )
        .order_by("-valid_from")
        .values("amount")[:1]
    )
    return requests.annotate(line_amount=Subquery(tariff, output_field=AMOUNT))


def _totals() -> dict:
    """A pair's (or a cell's) totals over billable lines, as aggregates; fresh expressions for each query."""
    return {
        "enrolments": Count("pk"),
        "ec": Coalesce(Sum("line_ec"), Value(Decimal("0")), output_field=EC),
        "untariffed": Count("pk", filter=Q(line_amount__isnull=True)),
        "gross": Coalesce(Sum("line_amount"), Value(Decimal("0")), output_field=AMOUNT),
    }


def pair_totals(*, year: str | None = None, period=None, institution: Institution | int | None = None) -> QuerySet:
    """Per ordered pair (payer = home, payee = host): enrolments, EC, enrolments without a tariff, and the
    exact (unrounded) gross amount, aggregated in the database. With ``institution``: only the pairs it is
    on either side of."""
    lines = billable_requests(year=year, period=period)
    if institution is not None:
        lines = lines.filter(Q(home_institution=institution) | Q(host_institution=institution))
    return (
        lines.order_by()
        .values("home_institution", "host_institution")
        .annotate(**_totals())
        .order_by("home_institution", "host_institution")
    )


def cell_totals() -> QuerySet:
    """``pair_totals`` per ordered pair and host period, over every year: what ``SettlementCell`` keeps."""
    return (
        billable_requests()
        .order_by()
        .values("home_institution", "host_institution", "offering__period")
        .annotate(**_totals())
    )


def kept_pair_totals(*, year: str | None = None, institution: Institution | int | None = None) -> QuerySet:
    """``pair_totals`` summed from the kept cells (``SettlementCell``): the same rows, for the dashboards."""
    cells = SettlementCell.objects.all()
    if year:
        cells = cells.filter(period__academic_year__name=year)
    if institution is not None:
        cells = cells.filter(Q(home=institution) | Q(host=institution))
    return (
        cells.values(home_institution=F("home"), host_institution=F("host"))
        .annotate(
            enrolments=Sum("billable"),
            ec=Sum("ec_total"),
            untariffed=Sum("without_tariff"),
            gross=Sum("gross_exact"),
        )
        .order_by("home_institution", "host_institution")
    )


@dataclass(frozen=True)
class SettlementRow:
    payer: Institution
    payee: Institution
    amount: Decimal
    enrolments: int = 0
    ec: Decimal = Decimal("0")
    untariffed: int = 0

    @property
    def all_untariffed(self) -> bool:
        return self.enrolments > 0 and self.untariffed == self.enrolments


@dataclass(frozen=True)
class NetRow:
    """One unordered pair: ``debtor`` owes ``creditor`` ``amount`` after offsetting both directions."""

    debtor: Institution
    creditor: Institution
    amount: Decimal
    debtor_gross: Decimal  # what the debtor owes the creditor before offsetting
    creditor_gross: Decimal  # what the creditor owes the debtor before offsetting


@dataclass
class Statement:
    year: str | None
    period: AcademicPeriod | None
    institution: Institution | None  # None: the zone's
    rows: list[SettlementRow] = field(default_factory=list)
    nets: list[NetRow] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((row.amount for row in self.rows), ZERO)

    @property
    def enrolments(self) -> int:
        return sum(row.enrolments for row in self.rows)

    @property
    def untariffed(self) -> int:
        return sum(row.untariffed for row in self.rows)

    def owed_by(self, institution: Institution) -> Decimal:
        return sum((row.amount for row in self.rows if row.payer == institution), ZERO)

    def owed_to(self, institution: Institution) -> Decimal:
        return sum((row.amount for row in self.rows if row.payee == institution), ZERO)


def _decimal(value) -> Decimal:
    """A database sum as ``Decimal``: PostgreSQL gives one; SQLite (the embedded demo) a float or None."""
    return value if isinstance(value, Decimal) else Decimal(str(value or 0))


def settlement_matrix(
    period=None, year: str | None = None, *, institution=None, kept: bool = False
) -> list[SettlementRow]:
    """Rows (payer, payee, amount) per ordered pair, aggregated in the database; ``amount`` rounded once
    with ``to_cents``. For dashboards (zone-wide aggregates, no student records): callers decide who
    may see it. ``period`` is a host period or its id; ``year`` an academic year's name.

    ``kept``: on PostgreSQL, sum the kept cells (``SettlementCell``, the dashboards' source: the caller brings
    them up to date first, ``billing.services.settlement_cells``) instead of the requests; not with
    ``period``. The same figures: a pair's exact gross is the sum of its cells' exact gross, rounded once."""
    if kept and connection.vendor == "postgresql" and period is None:
        totals = list(kept_pair_totals(year=year, institution=institution))
    else:
        totals = list(pair_totals(year=year, period=period, institution=institution))
    ids = {t["home_institution"] for t in totals} | {t["host_institution"] for t in totals}
    institutions = Institution.objects.in_bulk(ids)
    rows = [
        SettlementRow(
            payer=institutions[t["home_institution"]],
            payee=institutions[t["host_institution"]],
            amount=to_cents(_decimal(t["gross"])),
            enrolments=t["enrolments"],
            ec=t["ec"],
            untariffed=t["untariffed"],
        )
        for t in totals
    ]
    rows.sort(key=lambda r: (r.payer.short_name, r.payee.short_name))
    return rows


def net_positions(rows: list[SettlementRow]) -> list[NetRow]:
    """Per unordered pair: who owes whom after offsetting the two directions' (rounded) gross amounts.
    A pair that owes each other exactly as much is listed with 0.00, its debtor the first by name."""
    gross = {(row.payer.pk, row.payee.pk): row for row in rows}
    nets: list[NetRow] = []
    seen: set[frozenset] = set()
    for row in rows:
        key = frozenset((row.payer.pk, row.payee.pk))
        if key in seen:
            continue
        seen.add(key)
        back = gross.get((row.payee.pk, row.payer.pk))
        there, back_amount = row.amount, back.amount if back else ZERO
        first, second = sorted((row.payer, row.payee), key=lambda i: (i.short_name, i.pk))
        if there > back_amount or (there == back_amount and row.payer == first):
            nets.append(NetRow(row.payer, row.payee, there - back_amount, there, back_amount))
        else:
            nets.append(NetRow(row.payee, row.payer, back_amount - there, back_amount, there))
    nets.sort(key=lambda n: (n.debtor.short_name, n.creditor.short_name))
    return nets


def statement_build(*, year: str | None, period=None, institution: Institution | None = None) -> Statement:
    rows = settlement_matrix(period=period, year=year, institution=institution)
    return Statement(year=year, period=period, institution=institution, rows=rows, nets=net_positions(rows))


def may_see_zone(user: User) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.is_zone_coordinator))


def may_see_institution(user: User, institution: Institution) -> bool:
    """Staff of the institution (any role: the statement holds aggregates only), zone coordinators and
    administrators."""
    if not user.is_authenticated:
        return False
    if may_see_zone(user):
        return True
    return StaffRole.objects.filter(user_id=user.pk, institution=institution).exists()


def statement_for(user: User, *, year: str | None, period=None, institution: Institution | None = None) -> Statement:
    """The statement ``user`` may see: the zone's (``institution=None``: coordinators and administrators,
    else ``ZoneStatementDeniedError``) or one institution's, where it pays or is paid (its staff,
    coordinators, administrators; anyone else ``StatementNotFoundError``, so an institution's figures do
    not even show they exist)."""
    if institution is None:
        if not may_see_zone(user):
            raise ZoneStatementDeniedError()
    elif not may_see_institution(user, institution):
        raise StatementNotFoundError()
    return statement_build(year=year, period=period, institution=institution)


def statement_institutions(user: User) -> QuerySet[Institution]:
    """The institutions whose statement ``user`` may open from their own pages: those they are staff of."""
    if not user.is_authenticated:
        return Institution.objects.none()
    return Institution.objects.filter(
        pk__in=StaffRole.objects.filter(user_id=user.pk).values("institution_id")
    ).order_by("short_name")


def academic_years() -> list[str]:
    """The academic years' names known in the zone, latest first."""
    return list(AcademicYear.objects.order_by("-name").values_list("name", flat=True).distinct())


def current_academic_year(today: dt.date | None = None) -> str | None:
    """The name of the academic year most institutions are in today, else the latest one."""
    today = today or timezone.localdate()
    running = (
        AcademicYear.objects.filter(start_date__lte=today, end_date__gte=today)
        .values("name")
        .annotate(n=Count("pk"))
        .order_by("-n", "-name")
        .values_list("name", flat=True)
        .first()
    )
    if running:
        return running
    years = academic_years()
    return years[0] if years else None


def tariffs_visible(user: User, *, institution: Institution | None = None) -> QuerySet[Tariff]:
    """Tariffs ``user`` may read: all for coordinators and administrators, those of their own institutions
    for staff; optionally only those with ``institution`` on either side."""
    tariffs = Tariff.objects.select_related("payer", "payee").order_by(
        "payer__short_name", "payee__short_name", "valid_from"
    )
    if not may_see_zone(user):
        own = StaffRole.objects.filter(user_id=user.pk).values("institution_id")
        tariffs = tariffs.filter(Q(payer__in=own) | Q(payee__in=own))
    if institution is not None:
        tariffs = tariffs.filter(Q(payer=institution) | Q(payee=institution))
    return tariffs
