"""The module pages: a learner's modules (registrations, progress, stacking, invoices), registering for a
module with the invoice data, one invoice; the host staff's list of learners' invoices with their payment
status. Thin: the services and selectors decide."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from billing import modules_selectors as selectors
from billing.invoices_errors import InvoiceDataError, NotAModuleLearnerError, NotInvoiceStaffError
from billing.invoices_forms import InvoiceDataForm, PaymentStatusForm
from billing.services.invoices import InvoiceData, invoice_payment_status_set, module_register
from catalogue.models import Offering
from core.errors import ApplicationError, NotFoundError

REGISTERED_MESSAGE = _("You are registered. The host institution decides on your admission; your invoice is below.")
STATUS_SET_MESSAGE = _("Payment status saved.")


def _refused(request: HttpRequest, error: ApplicationError) -> HttpResponse:
    return render(request, "billing/modules_refused.html", {"message": error.message}, status=error.status_code)


@login_required
def modules(request: HttpRequest) -> HttpResponse:
    learner = selectors.learner_of(request.user)
    if learner is None:
        return render(request, "billing/modules_none.html")
    return render(
        request,
        "billing/modules.html",
        {
            "learner": learner,
            "registrations": selectors.module_registrations(learner),
            "open_modules": selectors.modules_open_to(learner),
            "stacked": selectors.stackable_progress(learner),
        },
    )


def _open_offering(offering_id: int) -> Offering:
    offering = Offering.objects.select_related("module", "institution").filter(pk=offering_id, module__isnull=False)
    found = offering.first()
    if found is None:
        raise Http404
    return found


@login_required
@require_http_methods(["GET", "POST"])
def module_register_page(request: HttpRequest, offering_id: int) -> HttpResponse:
    learner = selectors.learner_of(request.user)
    if learner is None:
        return _refused(request, NotAModuleLearnerError())
    offering = _open_offering(offering_id)
    form = InvoiceDataForm(request.POST or None)
    error, status = None, 200
    if request.method == "POST":
        if form.is_valid():
            try:
                invoice = module_register(
                    user=request.user, offering_id=offering.pk, invoice=InvoiceData(**form.cleaned_data)
                )
            except InvoiceDataError as failure:
                for name, message in failure.extra.get("fields", {}).items():
                    form.add_error(name, message)
                error, status = failure.message, failure.status_code
            except ApplicationError as failure:
                error, status = failure.message, failure.status_code
            else:
                messages.success(request, REGISTERED_MESSAGE)
                return redirect("billing:invoice", invoice.public_id)
        else:
            error, status = _("The invoice data is not complete or not valid: see the fields marked."), 400
    return render(
        request,
        "billing/module_register.html",
        {"offering": offering, "learner": learner, "form": form, "error": error},
        status=status,
    )


@login_required
def invoice(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        found = selectors.invoice_of_learner(request.user, public_id)
    except NotFoundError:
        raise Http404 from None
    return render(request, "billing/invoice.html", {"invoice": found, "history": list(found.payment_history.all())})


@login_required
def staff_invoices(request: HttpRequest) -> HttpResponse:
    try:
        invoices = list(selectors.host_invoices(request.user))
    except NotInvoiceStaffError as error:
        return _refused(request, error)
    return render(request, "billing/staff_invoices.html", {"invoices": invoices, "form": PaymentStatusForm()})


@login_required
@require_POST
def staff_invoice_status(request: HttpRequest, public_id: str) -> HttpResponse:
    form = PaymentStatusForm(request.POST)
    if not form.is_valid():
        error = ApplicationError(_("Choose a valid payment status."))
        return _refused(request, error)
    try:
        invoice_payment_status_set(
            user=request.user, invoice_id=public_id, status=form.cleaned_data["status"], note=form.cleaned_data["note"]
        )
    except NotFoundError:
        raise Http404 from None
    except ApplicationError as error:
        return _refused(request, error)
    messages.success(request, STATUS_SET_MESSAGE)
    return redirect("billing:staff_invoices")
