"""Results pages: the host's list of results to record with its CSV upload, and one request's result
with its history and the form to record or correct it. Thin: reads through ``results.selectors``,
writes through ``results.services``; a refusal is shown next to the form with its own status."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from accounts.models import RecordRead
from core.errors import ApplicationError, NotFoundError
from enrolment.services.requests import request_read_log
from institutions.models import Institution, Programme
from results import pdf, selectors
from results.errors import NotHostError, NotRegisteredError
from results.forms import CorrectionForm, CsvForm, DecisionForm, PrecedentForm, ResultForm
from results.services import recognition
from results.services import results as services

RECORDED_MESSAGE = _("The result was recorded.")
CORRECTED_MESSAGE = _("The result was corrected; the earlier one stays in the history.")
IMPORTED_MESSAGE = _("%(count)s results were recorded from the file.")
PAGE_SIZE = 50


@login_required
@require_http_methods(["GET", "POST"])
def host_results(request: HttpRequest, code: str) -> HttpResponse:
    institution = get_object_or_404(Institution, code=code)
    try:
        to_record = selectors.results_to_record(request.user, institution)
    except NotHostError:
        raise Http404 from None
    form, report, status = CsvForm(), None, 200
    if request.method == "POST":
        form = CsvForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            content = upload.read(services.MAX_CSV_BYTES + 1)
            report = services.results_import_csv(user=request.user, institution_id=institution.pk, content=content)
            if report.ok:
                messages.success(request, str(IMPORTED_MESSAGE) % {"count": len(report.written)})
                return redirect("results:host", code=institution.code)
        status = 400
    context = {
        "institution": institution,
        "to_record": to_record[:200],
        "recorded": selectors.results_recorded(request.user, institution)[:50],
        "form": form,
        "report": report,
        "columns": ",".join(services.CSV_REQUIRED + services.CSV_OPTIONAL),
    }
    return render(request, "results/host.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def request_results(request: HttpRequest, public_id) -> HttpResponse:
    try:
        enrolment_request, history = selectors.results_of(request.user, public_id)
    except NotFoundError:
        raise Http404 from None
    current = history[0] if history else None
    request_read_log(user=request.user, request=enrolment_request, what=RecordRead.What.RESULTS)
    may_record = selectors.may_record(request.user, enrolment_request)
    form = ResultForm(initial=_record_initial(enrolment_request, current)) if may_record else None
    correction = CorrectionForm(initial=_correction_initial(current), prefix="fix") if may_record and current else None
    status, error = 200, None
    if request.method == "POST" and not may_record:
        # Whoever may read the request learns why they may not record: not the host (403), or the state (409).
        refused = NotRegisteredError() if selectors.is_host(request.user, enrolment_request) else NotHostError()
        request.method, error, status = "GET", refused.message, refused.status_code
    if request.method == "POST":
        correcting = bool(request.POST.get("correct")) and current is not None
        bound = CorrectionForm(request.POST, prefix="fix") if correcting else ResultForm(request.POST)
        if correcting:
            correction = bound
        else:
            form = bound
        status = 400
        if bound.is_valid():
            data = services.ResultInput(**{name: bound.cleaned_data[name] for name in RESULT_FIELDS})
            try:
                if correcting:
                    services.result_correct(
                        user=request.user, result_id=current.pk, data=data, reason=bound.cleaned_data["reason"]
                    )
                    messages.success(request, CORRECTED_MESSAGE)
                else:
                    services.result_record(user=request.user, request_id=enrolment_request.pk, data=data)
                    messages.success(request, RECORDED_MESSAGE)
                return redirect(reverse("results:request", args=[enrolment_request.public_id]))
            except ApplicationError as refused:
                error, status = refused.message, refused.status_code
    context = {
        "er": enrolment_request,
        "history": history,
        "current": current,
        "form": form,
        "correction": correction,
        "error": error,
        "ended": enrolment_request.offering.end_date <= timezone.localdate(),
        "recognitions": selectors.recognitions_of(request.user, enrolment_request),
        "may_ask_preapproval": selectors.may_ask_preapproval(request.user, enrolment_request),
    }
    return render(request, "results/request.html", context, status=status)


RESULT_FIELDS = ("scale", "score", "ec", "assessed_on", "examiner", "attempt")


def _record_initial(enrolment_request, current) -> dict:
    if current is None:
        return {"assessed_on": enrolment_request.offering.end_date, "attempt": 1}
    return {"scale": current.scale, "attempt": current.attempt + 1}


def _correction_initial(current) -> dict:
    return {name: getattr(current, name) for name in RESULT_FIELDS}


@login_required
@require_http_methods(["POST"])
def preapproval_ask(request: HttpRequest, public_id) -> HttpResponse:
    """The student asks the examination board to recognise the course in advance."""
    try:
        enrolment_request, _history = selectors.results_of(request.user, public_id)
        recognition.recognition_preapproval_ask(user=request.user, request_id=enrolment_request.pk)
    except NotFoundError:
        raise Http404 from None
    except ApplicationError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, PREAPPROVAL_ASKED_MESSAGE)
    return redirect(reverse("results:request", args=[enrolment_request.public_id]))


PREAPPROVAL_ASKED_MESSAGE = _("Your examination board has your request for pre-approval.")
DECIDED_MESSAGE = _("The decision was recorded and the student told.")


def _board_or_404(request: HttpRequest) -> list[Institution]:
    institutions = selectors.board_institutions(request.user)
    if not institutions:
        raise Http404
    return institutions


@login_required
def board_queue(request: HttpRequest) -> HttpResponse:
    institutions = _board_or_404(request)
    show = "decided" if request.GET.get("show") == "decided" else "waiting"
    page = Paginator(selectors.board_queue(request.user, status=show), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "results/board.html", {"institutions": institutions, "page": page, "show": show})


@login_required
@require_http_methods(["GET", "POST"])
def board_decide(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        item = recognition.recognition_for_board(request.user, pk)
    except NotFoundError:
        raise Http404 from None
    status, error = 200, None
    if request.method == "POST":
        form = DecisionForm(request.POST)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                recognition.recognition_decide(
                    user=request.user,
                    recognition_id=item.pk,
                    recognised=data["decision"] == "recognise",
                    reason=data["reason"],
                    counts_as=data["counts_as"],
                    converted_score=data["converted_score"],
                    make_precedent=data["make_precedent"],
                    precedent_valid_until=data["precedent_valid_until"],
                )
            except ApplicationError as refused:
                error, status = refused.message, refused.status_code
            else:
                messages.success(request, DECIDED_MESSAGE)
                return redirect("results:board")
    else:
        form = DecisionForm(initial={"converted_score": item.converted_score, "counts_as": item.counts_as})
    precedent = recognition.precedent_matching(
        programme_id=item.programme_id, course_id=item.request.offering.course_id, on=timezone.localdate()
    )
    context = {"item": item, "form": form, "error": error, "precedent": precedent}
    return render(request, "results/decide.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def precedents(request: HttpRequest) -> HttpResponse:
    institutions = _board_or_404(request)
    programmes = Programme.objects.filter(institution__in=institutions).order_by("name_en")
    query = request.GET.get("q", "").strip()[:100]
    form, status = PrecedentForm(programmes=programmes), 200
    if request.method == "POST" and request.POST.get("delete"):
        try:
            recognition.precedent_delete(user=request.user, precedent_id=int(request.POST["delete"]))
        except (ValueError, NotFoundError):
            raise Http404 from None
        messages.success(request, _("The precedent was removed."))
        return redirect("results:precedents")
    if request.method == "POST":
        form = PrecedentForm(request.POST, programmes=programmes)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                recognition.precedent_save(
                    user=request.user,
                    programme=data["programme"],
                    course_id=form.course.pk,
                    counts_as=data["counts_as"],
                    valid_from=data["valid_from"],
                    valid_until=data["valid_until"],
                )
            except ApplicationError as refused:
                form.add_error(None, refused.message)
            else:
                messages.success(request, _("The precedent was saved."))
                return redirect("results:precedents")
    page = Paginator(selectors.precedents_for_board(request.user, query=query), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"page": page, "form": form, "query": query, "today": timezone.localdate()}
    return render(request, "results/precedents.html", context, status=status)


@login_required
def conversions(request: HttpRequest) -> HttpResponse:
    _board_or_404(request)
    return render(request, "results/conversions.html", {"tables": selectors.conversion_tables()})


@login_required
def transcript(request: HttpRequest) -> HttpResponse:
    return render(request, "results/transcript.html", {"rows": selectors.transcript(request.user)})


@login_required
def transcript_pdf(request: HttpRequest) -> HttpResponse:
    content = pdf.transcript_pdf(user=request.user, rows=selectors.transcript(request.user))
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="flexportal-transcript.pdf"'
    return response
