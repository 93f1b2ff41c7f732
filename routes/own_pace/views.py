"""Own pace's pages: the student's plan, contracts with tuition, and ledger; the home approvers' contracts and
a student's ledger. Thin: reads through ``selectors``, writes through ``services``; a refusal is shown on the
form with its own status, and nothing is written."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from billing.ledger import ledger_csv
from catalogue.models import Course
from core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from routes.own_pace import selectors, services
from routes.own_pace.forms import ContractChangeForm, ContractProposeForm, PlanCourseForm
from routes.own_pace.permissions import student_of

PLANNED = _("The course is in your plan.")
REMOVED = _("The course was taken out of your plan.")
PROPOSED = _("Your contract was proposed; your institution will agree it.")
CHANGED = _("Your contract was changed; the tuition follows the new EC.")
AGREED = _("The contract was agreed and its tuition charged.")
NO_COURSE = _("No course with this code at that institution.")
NO_RUN = _("That course has no run in the period you chose: choose the period it runs in.")


def _refusal(request: HttpRequest, error: PermissionDeniedError) -> HttpResponse:
    return render(request, "own_pace/refused.html", {"message": error.message}, status=403)


@login_required
@require_http_methods(["GET", "POST"])
def plan(request: HttpRequest) -> HttpResponse:
    try:
        student = student_of(request.user)
    except PermissionDeniedError as error:
        return _refusal(request, error)
    periods = selectors.plannable_periods(request.user).select_related("academic_year")
    form, status = PlanCourseForm(periods=periods, initial={"institution": student.home_institution}), 200
    if request.method == "POST":
        form = PlanCourseForm(request.POST, periods=periods)
        if form.is_valid():
            try:
                _plan_from_form(request.user, student, form)
                messages.success(request, PLANNED)
                return redirect("own_pace:plan")
            except ApplicationError as error:
                if isinstance(error, NotFoundError):
                    form.add_error("code", error.message)
                else:
                    form.add_error(None, error.message)
        status = 400
    context = {"overview": selectors.plan_overview(request.user), "form": form}
    return render(request, "own_pace/plan.html", context, status=status)


def _plan_from_form(user, student, form) -> None:
    data = form.cleaned_data
    course = Course.objects.filter(institution=data["institution"], code__iexact=data["code"].strip()).first()
    if course is None:
        raise NotFoundError(NO_COURSE)
    period = data["period"]
    offering_id = None
    if course.institution_id != student.home_institution_id:
        run = (
            selectors.offerings_of_course(course.pk)
            .filter(start_date__lte=period.end_date, end_date__gte=period.start_date)
            .first()
        )
        if run is None:
            raise ApplicationError(NO_RUN, code="no_run_in_period")
        offering_id = run.pk
    services.plan_course_add(user=user, course_id=course.pk, period_id=period.pk, offering_id=offering_id)


@login_required
@require_POST
def plan_remove(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.plan_course_remove(user=request.user, planned_id=pk)
    except PermissionDeniedError as error:
        return _refusal(request, error)
    except NotFoundError:
        raise Http404 from None
    messages.success(request, REMOVED)
    return redirect("own_pace:plan")


@login_required
@require_http_methods(["GET", "POST"])
def contract(request: HttpRequest) -> HttpResponse:
    try:
        student_of(request.user)
    except PermissionDeniedError as error:
        return _refusal(request, error)
    years = selectors.contract_years(request.user)
    propose = ContractProposeForm(years=years, prefix="propose")
    change, change_for, status = None, None, 200
    if request.method == "POST":
        if "change-contract" in request.POST:
            change_for = request.POST.get("change-contract")
            change = ContractChangeForm(request.POST, prefix=f"c{change_for}")
            if change.is_valid():
                try:
                    services.contract_change(
                        user=request.user,
                        contract_id=change_for,
                        ec=change.cleaned_data["ec"],
                        reason=change.cleaned_data["reason"],
                    )
                    messages.success(request, CHANGED)
                    return redirect("own_pace:contract")
                except NotFoundError:
                    raise Http404 from None
                except ApplicationError as error:
                    change.add_error(None, error.message)
                    status = error.status_code
            else:
                status = 400
        else:
            propose = ContractProposeForm(request.POST, years=years, prefix="propose")
            if propose.is_valid():
                try:
                    services.contract_propose(
                        user=request.user,
                        academic_year_id=propose.cleaned_data["academic_year"].pk,
                        ec=propose.cleaned_data["ec"],
                    )
                    messages.success(request, PROPOSED)
                    return redirect("own_pace:contract")
                except ApplicationError as error:
                    propose.add_error("ec", error.message)
                    status = error.status_code
            else:
                status = 400
    contracts = selectors.contracts_of(request.user)
    for view in contracts:
        mine = change is not None and str(view.contract.pk) == str(change_for)
        view.form = change if mine else ContractChangeForm(prefix=f"c{view.contract.pk}")
    context = {"contracts": contracts, "propose": propose if years.exists() else None}
    return render(request, "own_pace/contract.html", context, status=status)


@login_required
def ledger(request: HttpRequest) -> HttpResponse:
    try:
        student = student_of(request.user)
    except PermissionDeniedError as error:
        return _refusal(request, error)
    return render(request, "own_pace/ledger.html", {"student": student, **selectors.ledger_of(student)})


@login_required
def ledger_download(request: HttpRequest) -> HttpResponse:
    try:
        student = student_of(request.user)
    except PermissionDeniedError as error:
        return _refusal(request, error)
    return _csv(student)


def _csv(student) -> HttpResponse:
    response = HttpResponse(ledger_csv(student), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="ledger-{student.pk}.csv"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def staff_contracts(request: HttpRequest, code: str) -> HttpResponse:
    try:
        institution = selectors.staff_institution(request.user, code)
    except NotFoundError:
        raise Http404 from None
    error_message, status = None, 200
    if request.method == "POST":
        try:
            services.contract_agree(user=request.user, contract_id=request.POST.get("contract"))
            messages.success(request, AGREED)
            return redirect("own_pace:staff", code=institution.code)
        except NotFoundError:
            raise Http404 from None
        except ApplicationError as error:
            error_message, status = error.message, error.status_code
    context = {
        "institution": institution,
        "contracts": selectors.staff_contracts(request.user, institution),
        "error": error_message,
    }
    return render(request, "own_pace/staff_contracts.html", context, status=status)


@login_required
def staff_ledger(request: HttpRequest, code: str, student_id: int) -> HttpResponse:
    try:
        institution = selectors.staff_institution(request.user, code)
        student = selectors.student_for_staff(request.user, institution, student_id)
    except NotFoundError:
        raise Http404 from None
    if request.GET.get("format") == "csv":
        return _csv(student)
    context = {"institution": institution, "student": student, **selectors.ledger_of(student)}
    return render(request, "own_pace/staff_ledger.html", context)
