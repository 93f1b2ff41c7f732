"""The writes of settlement: zone coordinators (and administrators) set and remove the tariffs between
institution pairs.

Why coordinators and not institution staff: a tariff is an agreement between two institutions, and the
portal has no finance role at either side; letting one side's staff set what the other pays would let a
payee raise its own income. The zone's coordinators keep the agreements of all pairs in one place.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from psycopg import errors as pg_errors

from accounts.models import User
from billing.errors import NotTariffManagerError, TariffError, TariffNotFoundError, TariffOverlapError
from billing.models_settlement import Tariff, TariffBasis
from core.i18n import lazy_format
from enrolment.errors import BusyError
from institutions.models import AcademicYear, Institution

NEGATIVE_RATE = _("A tariff cannot be negative.")
RATE_CENTS = _("A tariff is an amount in euros with at most two decimals, e.g. 45.50.")
RATE_TOO_LARGE = _("A tariff must be below 100,000,000 euros.")
SAME_INSTITUTION = _("An institution does not pay itself: choose two different institutions.")
UNKNOWN_INSTITUTION = _("Unknown institution.")
UNKNOWN_BASIS = _("Choose per EC or per course or module.")
YEAR_OR_DATES = _("Give either an academic year or a date range, not both.")
NO_VALIDITY = _("Give the academic year or the first date the tariff applies.")
UNKNOWN_YEAR = _("%(host)s has no academic year %(year)s.")
DATES_ORDER = _("The end date must not be before the start date.")
OVERLAP = _(
    "%(payer)s already has a tariff with %(payee)s from %(start)s until %(end)s: periods of one pair may not "
    "overlap. End or remove that one first."
)
OPEN_END = _("further notice")


def may_manage_tariffs(user) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.is_zone_coordinator))


def _rate(value) -> Decimal:
    try:
        rate = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise TariffError(RATE_CENTS, code="invalid_rate") from None
    if not rate.is_finite():
        raise TariffError(RATE_CENTS, code="invalid_rate")
    if rate < 0:
        raise TariffError(NEGATIVE_RATE, code="negative_rate")
    if rate != rate.quantize(Decimal("0.01")):
        raise TariffError(RATE_CENTS, code="invalid_rate")
    if rate >= Decimal("100000000"):
        raise TariffError(RATE_TOO_LARGE, code="invalid_rate")
    return rate


def _lock_pair(payer_id: int, payee_id: int) -> list[Institution]:
    """Both institutions of the pair, locked in primary-key order: two coordinators adding tariffs for the
    same pair at once are serialised here, so the second sees the first's tariff in its overlap check."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = %s", [f"{int(settings.ENROLMENT_LOCK_TIMEOUT_MS)}ms"])
    try:
        return list(Institution.objects.select_for_update().filter(pk__in=[payer_id, payee_id]).order_by("pk"))
    except OperationalError as error:
        if isinstance(error.__cause__, pg_errors.LockNotAvailable):
            raise BusyError() from None
        raise


def _overlapping(payer_id: int, payee_id: int, start: dt.date, end: dt.date | None):
    overlapping = Tariff.objects.filter(payer_id=payer_id, payee_id=payee_id).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=start)
    )
    if end is not None:
        overlapping = overlapping.filter(valid_from__lte=end)
    return overlapping.order_by("valid_from").first()


def tariff_create(
    *,
    user: User,
    payer_id: int,
    payee_id: int,
    basis: str,
    rate: Decimal | str,
    academic_year: str = "",
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
) -> Tariff:
    """Set what ``payer`` (the students' home) pays ``payee`` (the host) per cross-enrolment, for the host's
    academic year ``academic_year`` or from ``valid_from`` until ``valid_until`` (none: open-ended).

    Only zone coordinators and administrators (``NotTariffManagerError``). Refuses with ``TariffError`` a
    negative rate or one with fractions of a cent, the same institution on both sides, an unknown academic
    year, dates out of order, and (``TariffOverlapError``) a validity that overlaps another tariff of the
    same ordered pair. Locks both institutions (sorted) before the overlap check, so concurrent creations
    for one pair cannot both pass it. Writes nothing when it refuses; not idempotent (a second identical call
    overlaps the first and is refused)."""
    if not may_manage_tariffs(user):
        raise NotTariffManagerError()
    rate = _rate(rate)
    if basis not in TariffBasis.values:
        raise TariffError(UNKNOWN_BASIS, code="invalid_basis")
    if payer_id == payee_id:
        raise TariffError(SAME_INSTITUTION, code="same_institution")
    academic_year = (academic_year or "").strip()
    if academic_year and (valid_from or valid_until):
        raise TariffError(YEAR_OR_DATES, code="invalid_validity")
    if not academic_year and valid_from is None:
        raise TariffError(NO_VALIDITY, code="invalid_validity")
    with transaction.atomic():
        institutions = {inst.pk: inst for inst in _lock_pair(payer_id, payee_id)}
        if len(institutions) != 2:
            raise TariffError(UNKNOWN_INSTITUTION, code="unknown_institution")
        payer, payee = institutions[payer_id], institutions[payee_id]
        if academic_year:
            # The run is the host's, so its academic year decides the dates.
            year = AcademicYear.objects.filter(institution=payee, name=academic_year).first()
            if year is None:
                raise TariffError(
                    lazy_format(UNKNOWN_YEAR, host=payee.name, year=academic_year), code="unknown_academic_year"
                )
            valid_from, valid_until = year.start_date, year.end_date
        if valid_until is not None and valid_until < valid_from:
            raise TariffError(DATES_ORDER, code="invalid_validity")
        clash = _overlapping(payer.pk, payee.pk, valid_from, valid_until)
        if clash is not None:
            raise TariffOverlapError(
                lazy_format(
                    OVERLAP,
                    payer=payer.name,
                    payee=payee.name,
                    start=clash.valid_from.isoformat(),
                    end=clash.valid_until.isoformat() if clash.valid_until else OPEN_END,
                )
            )
        tariff = Tariff(
            payer=payer,
            payee=payee,
            basis=basis,
            rate=rate,
            academic_year=academic_year,
            valid_from=valid_from,
            valid_until=valid_until,
            created_by=user,
        )
        tariff.full_clean()
        tariff.save()
    return tariff


def tariff_delete(*, user: User, tariff_id: int) -> None:
    """Remove a tariff: from then on its pair's enrolments in its validity owe nothing (the statement is
    computed, never stored). Only zone coordinators and administrators; an unknown id is a ``TariffNotFoundError``."""
    if not may_manage_tariffs(user):
        raise NotTariffManagerError()
    with transaction.atomic():
        deleted, _rows = Tariff.objects.filter(pk=tariff_id).delete()
    if not deleted:
        raise TariffNotFoundError()
