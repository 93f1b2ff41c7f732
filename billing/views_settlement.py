"""Settlement pages: an institution's statement (its staff), the zone's (coordinators), each as CSV, and the
coordinators' tariffs. Thin: reads through ``billing.selectors_settlement``, writes through
``billing.services.settlement``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from billing import selectors_settlement as selectors
from billing.errors import StatementNotFoundError, ZoneStatementDeniedError
from billing.forms_settlement import TariffForm, YearForm
from billing.services import settlement as services
from billing.settlement_csv import statement_csv
from core.errors import ApplicationError, NotFoundError
from institutions.models import Institution


def _year(request: HttpRequest) -> tuple[YearForm, str | None, int]:
    years = selectors.academic_years()
    form = YearForm(request.GET or None, years=years)
    if not request.GET.get("year"):
        current = selectors.current_academic_year()
        return YearForm(initial={"year": current}, years=years), current, 200
    if form.is_valid():
        return form, form.cleaned_data["year"], 200
    return form, None, 400


def _statement(request: HttpRequest, institution: Institution | None):
    form, year, status = _year(request)
    try:
        statement = selectors.statement_for(request.user, year=year, institution=institution) if year else None
    except StatementNotFoundError:
        raise Http404 from None
    except ZoneStatementDeniedError as refused:
        raise PermissionDenied(str(refused.message)) from None
    return form, year, statement, status


@login_required
@require_GET
def zone_statement(request: HttpRequest) -> HttpResponse:
    form, year, statement, status = _statement(request, None)
    context = {"form": form, "year": year, "statement": statement, "institution": None, "zone": True}
    return render(request, "billing/statement.html", context, status=status)


@login_required
@require_GET
def institution_statement(request: HttpRequest, code: str) -> HttpResponse:
    institution = get_object_or_404(Institution, code=code)
    form, year, statement, status = _statement(request, institution)
    tariffs = selectors.tariffs_visible(request.user, institution=institution)
    context = {"form": form, "year": year, "statement": statement, "institution": institution, "tariffs": tariffs}
    return render(request, "billing/statement.html", context, status=status)


def _csv(statement, name: str) -> HttpResponse:
    response = HttpResponse(statement_csv(statement), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="settlement-{name}-{statement.year}.csv"'
    return response


@login_required
@require_GET
def zone_statement_csv(request: HttpRequest) -> HttpResponse:
    _form, _chosen, statement, _status = _statement(request, None)
    if statement is None:
        return HttpResponse(_("Unknown academic year."), status=400, content_type="text/plain; charset=utf-8")
    return _csv(statement, "zone")


@login_required
@require_GET
def institution_statement_csv(request: HttpRequest, code: str) -> HttpResponse:
    institution = get_object_or_404(Institution, code=code)
    _form, _chosen, statement, _status = _statement(request, institution)
    if statement is None:
        return HttpResponse(_("Unknown academic year."), status=400, content_type="text/plain; charset=utf-8")
    return _csv(statement, institution.code)


@login_required
@require_http_methods(["GET", "POST"])
def tariffs(request: HttpRequest) -> HttpResponse:
    if not services.may_manage_tariffs(request.user):
        raise PermissionDenied
    years = selectors.academic_years()
    form, status = TariffForm(years=years), 200
    if request.method == "POST" and request.POST.get("delete"):
        try:
            services.tariff_delete(user=request.user, tariff_id=int(request.POST["delete"]))
        except (ValueError, NotFoundError):
            raise Http404 from None
        messages.success(request, _("The tariff was removed."))
        return redirect("billing:tariffs")
    if request.method == "POST":
        form, status = TariffForm(request.POST, years=years), 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.tariff_create(
                    user=request.user,
                    payer_id=data["payer"].pk,
                    payee_id=data["payee"].pk,
                    basis=data["basis"],
                    rate=data["rate"],
                    academic_year=data["academic_year"],
                    valid_from=data["valid_from"],
                    valid_until=data["valid_until"],
                )
            except ApplicationError as refused:
                form.add_error(None, refused.message)
            else:
                messages.success(request, _("The tariff was saved."))
                return redirect("billing:tariffs")
    context = {"form": form, "tariffs": selectors.tariffs_visible(request.user)}
    return render(request, "billing/tariffs.html", context, status=status)
