"""Themed portfolios, managed by catalogue managers of the curating institution: any institution's
offerings may be in one (the zone curates across institutions), but only its curator's staff change it."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from catalogue.models import Offering, Theme
from core.i18n import lazy_format
from routes.mijndiploma.errors import OFFERING_UNKNOWN_MESSAGE, MijnDiplomaError, NotAllowedError
from routes.mijndiploma.models import Portfolio
from routes.mijndiploma.permissions import CURATOR, institutions_where
from routes.mijndiploma.selectors import portfolio_managed

TITLE_REQUIRED_MESSAGE = _("Give the portfolio a title in Dutch and in English.")


def portfolio_save(
    *,
    user,
    portfolio_id=None,
    institution_id=None,
    title_nl: str,
    title_en: str,
    description_nl: str = "",
    description_en: str = "",
    theme_id=None,
    offering_ids: list,
    is_published: bool = False,
) -> Portfolio:
    """Create (``institution_id``: one where ``user`` is catalogue manager) or change a portfolio.
    PortfolioNotFoundError (404) for one the user does not manage, NotAllowedError (403) for creating one
    for another institution, MijnDiplomaError (400) for a missing title or an unknown offering or theme.
    All or nothing."""
    title_nl, title_en = (title_nl or "").strip(), (title_en or "").strip()
    if not title_nl or not title_en:
        raise MijnDiplomaError(TITLE_REQUIRED_MESSAGE, code="title_required")
    try:
        ids = {int(pk) for pk in offering_ids}
    except (TypeError, ValueError):
        raise MijnDiplomaError(lazy_format(OFFERING_UNKNOWN_MESSAGE, value="?"), code="offering_unknown") from None
    offerings = list(Offering.objects.filter(pk__in=ids, is_archived=False))
    if len(offerings) != len(ids):
        missing = sorted(ids - {o.pk for o in offerings})[0]
        raise MijnDiplomaError(lazy_format(OFFERING_UNKNOWN_MESSAGE, value=missing), code="offering_unknown")
    theme = None
    if theme_id not in (None, ""):
        theme = Theme.objects.filter(pk=theme_id).first() if str(theme_id).isdigit() else None
        if theme is None:
            raise MijnDiplomaError(_("No such theme."), code="theme_unknown")
    with transaction.atomic():
        if portfolio_id is None:
            try:
                institution = int(institution_id)
            except (TypeError, ValueError):
                raise NotAllowedError() from None
            if institution not in institutions_where(user, CURATOR) and not user.is_superuser:
                raise NotAllowedError()
            portfolio = Portfolio(institution_id=institution)
        else:
            portfolio = portfolio_managed(user, portfolio_id)
            portfolio = Portfolio.objects.select_for_update().get(pk=portfolio.pk)
        portfolio.title_nl, portfolio.title_en = title_nl[:200], title_en[:200]
        portfolio.description_nl, portfolio.description_en = (
            (description_nl or "")[:2000],
            (description_en or "")[:2000],
        )
        portfolio.theme = theme
        portfolio.is_published = bool(is_published)
        portfolio.save()
        portfolio.offerings.set(offerings)
        return portfolio
