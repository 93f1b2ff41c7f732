"""The dashboards' filters, read from a query string: academic year, period, institution, route and a date
range on submission. Anything else, or a value the dashboards cannot apply, is a ``FilterError`` (400) that
says which and why; nothing is silently ignored."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from insights.errors import BAD_VALUE, DATE_RANGE, UNKNOWN_FILTER, FilterError
from institutions.models import AcademicPeriod, Institution
from institutions.routes import Route

YEAR_PATTERN = re.compile(r"^(\d{4})-(\d{4})$")
PERIOD_PATTERN = re.compile(r"^([a-z]+)-([1-9])$")
ZONE_FILTERS = ("year", "period", "institution", "route", "from", "to")
# The institution's own dashboard has its institution in the address.
INSTITUTION_FILTERS = ("year", "period", "route", "from", "to")


# Where each filter looks, in a request and in a cell of the cube (the same dimensions under other names).
REQUEST_FIELDS = {
    "year": "offering__period__academic_year__name",
    "kind": "offering__period__kind",
    "sequence": "offering__period__sequence",
    "home": "home_institution",
    "host": "host_institution",
    "day": "submitted_at__date",
}
CELL_FIELDS = {
    "year": "period__academic_year__name",
    "kind": "period__kind",
    "sequence": "period__sequence",
    "home": "home",
    "host": "host",
    "day": "day",
}


@dataclass(frozen=True)
class Filters:
    year: str = ""
    period_kind: str = ""
    period_sequence: int | None = None
    institution: Institution | None = None
    route: str = ""
    start: dt.date | None = None
    end: dt.date | None = None

    @property
    def period(self) -> str:
        return f"{self.period_kind}-{self.period_sequence}" if self.period_kind else ""

    def as_query(self) -> dict[str, str]:
        """The filters as query-string values (for links to the CSV files and the form's current values)."""
        values = {
            "year": self.year,
            "period": self.period,
            "institution": self.institution.code if self.institution else "",
            "route": self.route,
            "from": self.start.isoformat() if self.start else "",
            "to": self.end.isoformat() if self.end else "",
        }
        return {name: value for name, value in values.items() if value}

    def requests(self, queryset: QuerySet) -> QuerySet:
        """``queryset`` of enrolment requests narrowed to these filters (institution: either side)."""
        return self._narrow(queryset, REQUEST_FIELDS)

    def cells(self, queryset: QuerySet) -> QuerySet:
        """``queryset`` of the request cube's cells (``insights.models.RequestCube``, or ``LeadTime``'s copies
        of them) narrowed to these filters: the same requests as ``requests`` selects, cell by cell."""
        return self._narrow(queryset, CELL_FIELDS)

    def _narrow(self, queryset: QuerySet, fields: dict[str, str]) -> QuerySet:
        if self.year:
            queryset = queryset.filter(**{fields["year"]: self.year})
        if self.period_kind:
            queryset = queryset.filter(**{fields["kind"]: self.period_kind, fields["sequence"]: self.period_sequence})
        if self.institution:
            queryset = queryset.filter(
                Q(**{fields["home"]: self.institution}) | Q(**{fields["host"]: self.institution})
            )
        if self.route:
            queryset = queryset.filter(route=self.route)
        if self.start:
            queryset = queryset.filter(**{f"{fields['day']}__gte": self.start})
        if self.end:
            queryset = queryset.filter(**{f"{fields['day']}__lte": self.end})
        return queryset


def _bad(name: str, value: str, why) -> FilterError:
    return FilterError(BAD_VALUE % {"name": name, "value": repr(value), "why": why})


def _date(name: str, value: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _bad(name, value, _("a date is written as YYYY-MM-DD, e.g. 2026-09-01.")) from None


def filters_parse(params: Mapping[str, str], *, allowed: tuple[str, ...] = ZONE_FILTERS) -> Filters:
    """The filters in ``params`` (a ``QueryDict`` or a dict), checked. At most one query (the institution).

    Raises ``FilterError`` for an unknown filter name, an unreadable or unknown value, or a date range whose
    start is after its end.
    """
    unknown = sorted(set(params) - set(allowed) - {"lang"})
    if unknown:
        raise FilterError(UNKNOWN_FILTER % {"names": ", ".join(unknown), "known": ", ".join(allowed)})
    get = {name: (params.get(name) or "").strip() for name in allowed}

    year = get.get("year", "")
    if year:
        match = YEAR_PATTERN.match(year)
        if not match or int(match.group(2)) != int(match.group(1)) + 1:
            raise _bad("year", year, _("an academic year is written as two consecutive years, e.g. 2026-2027."))

    period_kind, period_sequence = "", None
    period = get.get("period", "")
    if period:
        match = PERIOD_PATTERN.match(period)
        if not match or match.group(1) not in AcademicPeriod.Kind.values:
            kinds = ", ".join(AcademicPeriod.Kind.values)
            raise _bad("period", period, _("a period is its kind and number, e.g. semester-1 (kinds: %s).") % kinds)
        period_kind, period_sequence = match.group(1), int(match.group(2))

    route = get.get("route", "")
    if route and route not in Route.values:
        raise _bad("route", route, _("the routes are %s.") % ", ".join(Route.values))

    start, end = _date("from", get.get("from", "")), _date("to", get.get("to", ""))
    if start and end and start > end:
        raise FilterError(DATE_RANGE % {"start": start.isoformat(), "end": end.isoformat()})

    institution = None
    code = get.get("institution", "")
    if code:
        institution = Institution.objects.filter(code=code).first()
        if institution is None:
            raise _bad("institution", code, _("no institution of the zone has this code."))

    return Filters(
        year=year,
        period_kind=period_kind,
        period_sequence=period_sequence,
        institution=institution,
        route=route,
        start=start,
        end=end,
    )
