"""The dashboards, read through their permissions: who may see which, then every chart's aggregates.

- The **zone dashboard** is the coordinators' (and the admins'): every institution, aggregates only.
- An **institution's dashboard** is for its own staff (any role there), and for coordinators and admins.

Nothing here returns a request, a student or a name of a person: each chart is a ``Table`` of counts,
durations and institutions' names (``insights.panels``), suppressed under the threshold.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import Subquery

from accounts.models import User
from billing.models_settlement import SettlementMark
from enrolment.models import EnrolmentRequest
from insights.errors import NOT_COORDINATOR, NOT_STAFF_HERE, DashboardDeniedError
from insights.filters import INSTITUTION_FILTERS, ZONE_FILTERS, Filters, filters_parse
from insights.models import CubeMark, RequestCube
from insights.panels import INSTITUTION, PANELS, ZONE, Context
from insights.tables import Panel
from institutions.models import Institution


def may_see_zone(user: User | AnonymousUser) -> bool:
    return bool(user.is_authenticated and (user.is_zone_coordinator or user.is_superuser))


def may_see_institution(user: User | AnonymousUser, institution: Institution) -> bool:
    if not user.is_authenticated:
        return False
    return may_see_zone(user) or user.staff_roles.filter(institution=institution).exists()


def dashboard_institutions(user: User | AnonymousUser) -> list[Institution]:
    """The institutions whose dashboard ``user`` may open from the navigation: their own (staff)."""
    if not user.is_authenticated:
        return []
    return list(Institution.objects.filter(staff_roles__user=user).distinct().order_by("short_name"))


def _submitted():
    return EnrolmentRequest.objects.filter(submitted_at__isnull=False)


def _cells():
    return RequestCube.objects.all()  # submitted requests only, as the view is defined


def _context_zone(user, params: Mapping[str, str]) -> Context:
    if not may_see_zone(user):
        raise DashboardDeniedError(NOT_COORDINATOR)
    filters = filters_parse(params, allowed=ZONE_FILTERS)
    return Context(filters=filters, requests=filters.requests(_submitted()), cells=filters.cells(_cells()))


def _context_institution(user, institution: Institution, params: Mapping[str, str]) -> Context:
    if not may_see_institution(user, institution):
        raise DashboardDeniedError(NOT_STAFF_HERE)
    filters = filters_parse(params, allowed=INSTITUTION_FILTERS)
    # The institution's own requests, either side; the filter form has no institution of its own here.
    own = Filters(**{**filters.__dict__, "institution": institution})
    return Context(
        filters=filters, requests=own.requests(_submitted()), cells=own.cells(_cells()), institution=institution
    )


def _context(user, scope: str, params: Mapping[str, str], institution: Institution | None) -> Context:
    return _context_zone(user, params) if scope == ZONE else _context_institution(user, institution, params)


def dashboard(
    user: User | AnonymousUser, *, scope: str, params: Mapping[str, str], institution: Institution | None = None
) -> tuple[Filters, list[Panel]]:
    """Every chart of the ``scope`` dashboard under ``params``' filters. Raises ``DashboardDeniedError`` (403)
    and ``FilterError`` (400). The number of queries depends on the charts, never on the data."""
    context = _context(user, scope, params, institution)
    return context.filters, [spec.panel(context) for spec in PANELS[scope]]


def dashboard_panel(
    user: User | AnonymousUser,
    *,
    scope: str,
    key: str,
    params: Mapping[str, str],
    institution: Institution | None = None,
) -> Panel | None:
    """One chart (for its CSV or its API answer), or ``None`` when the dashboard has no chart ``key``."""
    spec = next((s for s in PANELS[scope] if s.key == key), None)
    context = _context(user, scope, params, institution)
    return spec.panel(context) if spec else None


def counted_at() -> dt.datetime | None:
    """When the dashboards' kept counts (the request cube, billing's settlement cells) were last brought up to
    date, the older of the two; ``None`` on SQLite, where both are counted on each read."""
    if connection.vendor != "postgresql":
        return None
    settlement = SettlementMark.objects.filter(pk=1).values("refreshed_at")
    marks = CubeMark.objects.filter(pk=1).values_list("refreshed_at", Subquery(settlement)).first()
    return min((moment for moment in marks or () if moment is not None), default=None)


def panel_keys(scope: str) -> list[str]:
    return [spec.key for spec in PANELS[scope]]


__all__ = ["INSTITUTION", "ZONE", "dashboard", "dashboard_panel", "panel_keys"]
