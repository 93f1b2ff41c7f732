"""Cross-enrolment pages: enrol, my requests, the staff console and the seat view.

Thin: every read goes through ``enrolment.selectors``, every write through a service, and a refused
action (``ApplicationError``) is shown with its own message and status (400/403/404/409), never a 500.
"""

from __future__ import annotations

import csv
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import RecordRead
from accounts.selectors import student_profile_of
from catalogue.models import Offering
from catalogue.selectors import offering_detail
from core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from core.throttling import throttle_writes
from enrolment.errors import NotAllowedError
from enrolment.forms import (
    DECISION_ACTIONS,
    ActionForm,
    BulkDecisionForm,
    DecisionForm,
    EnrolForm,
    MotivationForm,
    QueueFilterForm,
    RowActionForm,
)
from enrolment.models import EnrolmentRequest, Status
from enrolment.permissions import policies_cached, staff_side
from enrolment.selectors import (
    alternative_candidates,
    enrol_form_options,
    offering_seats,
    request_by_public_id,
    request_precedents,
    request_timeline,
    staff_queue,
    staff_sides,
    student_requests,
    waiting_on_system,
)
from enrolment.services import approval, queue, requests
from enrolment.services.actions import ACTIONS, DENIAL_CHOICES, available_actions, request_act
from enrolment.services.requests import motivation_editable
from institutions.models import Institution

PAGE_SIZE = 50
AMSTERDAM = ZoneInfo(settings.TIME_ZONE)

ACTION_DONE_MESSAGE = _("Done: %(action)s. The request is now: %(status)s.")
FORM_INVALID_MESSAGE = _("Please correct the errors below.")
SUBMITTED_MESSAGE = _("Your request was submitted. Follow its progress here.")
QUEUED_MESSAGE = _("Your request is in the queue. This page shows the decision as soon as it is taken.")
# How often a queued request's page asks for its status (htmx), in seconds.
QUEUE_POLL_SECONDS = 1
MOTIVATION_SAVED_MESSAGE = _("Your motivation was saved.")
# The student's actions that end a request for good: asked again before they are done.
CONFIRMED_VERBS = ("cancel", "withdraw", "decline")
CSV_HEADER = [
    _("Name"),
    _("Student number"),
    _("Home institution"),
    _("Host institution"),
    _("Course code"),
    _("Course title"),
    _("Status"),
    _("Submitted (Amsterdam time)"),
]
DENIAL_CHOICES = list(DENIAL_CHOICES)


def _action_forms(actions: list[str]) -> list[dict]:
    """The forms of the action buttons, as the action table describes them."""
    return [
        {
            "verb": name,
            "label": ACTIONS[name].label,
            "reasons": ACTIONS[name].reasons or None,
            "comment": ACTIONS[name].comment,
            "motivation": ACTIONS[name].motivation,
        }
        for name in actions
    ]


def _forbidden(request: HttpRequest, error: ApplicationError | None = None) -> HttpResponse:
    message = error.message if error is not None else NotAllowedError().message
    return render(request, "enrolment/error.html", {"message": message}, status=403)


def _safe_next(request: HttpRequest) -> str | None:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


def _visible_request(request: HttpRequest, public_id) -> EnrolmentRequest:
    try:
        return request_by_public_id(request.user, public_id)
    except NotFoundError:
        raise Http404 from None


def _done_message(verb: str, enrolment_request: EnrolmentRequest) -> str:
    return str(ACTION_DONE_MESSAGE) % {
        "action": ACTIONS[verb].label,
        "status": enrolment_request.get_status_display(),
    }


# --- Enrol ---------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@throttle_writes
def enrol(request: HttpRequest, offering_id: int) -> HttpResponse:
    """The enrol panel on a page of its own; the offering page's panel posts here. A refused submission
    shows the panel again with the service's message and status (400, 403 or 409)."""
    try:
        offering = offering_detail(offering_id=offering_id)
    except Offering.DoesNotExist:
        raise Http404 from None
    context = {"offering": offering, "teachable": offering.teachable}
    if request.method == "GET":
        return render(request, "enrolment/enrol.html", context)
    profile = student_profile_of(user=request.user)
    options = enrol_form_options(profile=profile, offering=offering) if profile is not None else {}
    form = EnrolForm(request.POST, request.FILES, offering_id=offering.pk, **options)
    if not form.is_valid():
        context.update(enrol_form=form, enrol_error=FORM_INVALID_MESSAGE)
        return render(request, "enrolment/enrol.html", context, status=400)
    data = form.cleaned_data
    try:
        if queue.queue_takes(offering, alternatives=data["alternatives"]):
            # Queued admission: recorded in the offering's queue; the request's page follows the decision.
            created = queue.request_enqueue(
                user=request.user,
                offering_id=offering.pk,
                motivation=data["motivation"],
                document=data.get("document") or None,
                route=data["route"],
            )
            messages.success(request, QUEUED_MESSAGE)
            return redirect("enrolment:request", public_id=created.public_id)
        created = requests.request_submit(
            user=request.user,
            offering_id=offering.pk,
            motivation=data["motivation"],
            document=data.get("document") or None,
            route=data["route"],
            alternatives=data["alternatives"],
        )
    except ApplicationError as error:
        # An unknown alternative surfaces as a not-found error: for this form that is bad input (400).
        status = 400 if isinstance(error, NotFoundError) else error.status_code
        context.update(enrol_form=form, enrol_error=error.message)
        return render(request, "enrolment/enrol.html", context, status=status)
    messages.success(request, SUBMITTED_MESSAGE)
    return redirect("enrolment:request", public_id=created.public_id)


@login_required
@require_GET
def alternative_search(request: HttpRequest, offering_id: int) -> HttpResponse:
    """The offerings whose title or code matches the words typed in one alternative picker (htmx fragment;
    the same list is on the enrol page itself when searched without JavaScript)."""
    slot = 2 if request.GET.get("slot") == "2" else 1
    q = request.GET.get(f"alternative_{slot}_q", "")[:100]
    found = alternative_candidates(offering_id=offering_id, q=q)
    try:
        chosen = int(request.GET.get(f"alternative_{slot}") or 0) or None
    except ValueError:
        chosen = None
    picker = {"slot": slot, "q": q, "found": found, "chosen": chosen, "searched": bool(q.strip())}
    return render(request, "enrolment/_alternative_results.html", {"picker": picker})


# --- A student's requests ------------------------------------------------------------------------------


@login_required
@require_GET
def request_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "enrolment/request_list.html",
        {
            "requests": student_requests(request.user),
            "is_student": student_profile_of(user=request.user) is not None,
        },
    )


def _detail_response(
    request: HttpRequest,
    public_id,
    *,
    error=None,
    form: ActionForm | DecisionForm | None = None,
    motivation_form: MotivationForm | None = None,
    status: int = 200,
) -> HttpResponse:
    enrolment_request = _visible_request(request, public_id)
    user = request.user
    actions = available_actions(user, enrolment_request)
    if "decline" in actions and "cancel" in actions:
        actions.remove("cancel")  # for an offered seat, declining is the same as cancelling: one button
    # A staff member's decision is one form with a choice; the student's own actions stay buttons.
    decisions = [name for name in actions if name in DECISION_ACTIONS]
    decision_form = form if isinstance(form, DecisionForm) else DecisionForm(verbs=decisions)
    side = staff_side(user, enrolment_request)
    if side:
        requests.request_read_log(user=user, request=enrolment_request, what=RecordRead.What.REQUEST)
    events = list(enrolment_request.events.all())
    context = {
        "er": enrolment_request,
        "events": events,
        "waiting_on": waiting_on_system(enrolment_request, events),
        "action_forms": _action_forms([name for name in actions if name not in DECISION_ACTIONS]),
        "decision_form": decision_form if decisions else None,
        "is_owner": enrolment_request.student.user_id == user.pk,
        "staff_side": side,
        "precedents": request_precedents(enrolment_request) if side else [],
        "timeline": request_timeline(events, for_staff=side is not None),
        "error": error,
        "form": form,
        "motivation_editable": motivation_editable(user, enrolment_request),
        "poll_seconds": QUEUE_POLL_SECONDS,
        "motivation_form": motivation_form or MotivationForm(initial={"motivation": enrolment_request.motivation}),
    }
    return render(request, "enrolment/request_detail.html", context, status=status)


@login_required
@require_GET
def request_detail(request: HttpRequest, public_id) -> HttpResponse:
    return _detail_response(request, public_id)


@login_required
@require_GET
def request_status(request: HttpRequest, public_id) -> HttpResponse:
    """The request's status as a fragment: what its page asks for (htmx) while it waits in the admission
    queue, until the decision shows. Whoever may see the request may see its status."""
    enrolment_request = _visible_request(request, public_id)
    context = {"er": enrolment_request, "poll_seconds": QUEUE_POLL_SECONDS, "followed": True}
    return render(request, "enrolment/_request_status.html", context)


@login_required
@require_POST
@throttle_writes
def request_action(request: HttpRequest, public_id) -> HttpResponse:
    """One action on a request page, a student's button or a staff member's decision form: the service decides;
    its refusal is shown on the page, next to the field it concerns."""
    enrolment_request = _visible_request(request, public_id)
    form: ActionForm | DecisionForm
    if request.POST.get("form") == "decision" or request.POST.get("verb") in DECISION_ACTIONS:
        form = DecisionForm(request.POST, verbs=available_actions(request.user, enrolment_request))
    else:
        form = ActionForm(request.POST)
    if not form.is_valid():
        return _detail_response(request, public_id, error=FORM_INVALID_MESSAGE, form=form, status=400)
    data = form.cleaned_data
    if (
        data["verb"] in CONFIRMED_VERBS
        and not data["confirmed"]
        and data["verb"] in available_actions(request.user, enrolment_request)
    ):
        # Ending a request cannot be undone: the first press shows what it means; the second does it. (An
        # action not open to the user goes straight to the service, which says why.)
        context = {
            "er": enrolment_request,
            "verb": data["verb"],
            "label": ACTIONS[data["verb"]].label,
            "comment": data["comment"],
            "next": _safe_next(request) or "",
        }
        return render(request, "enrolment/confirm_action.html", context)
    try:
        done = request_act(
            user=request.user,
            request_id=enrolment_request.pk,
            verb=data["verb"],
            reason=data["reason"],
            comment=data["comment"],
            motivation=data.get("motivation", ""),
        )
    except (EnrolmentRequest.DoesNotExist, NotFoundError):
        raise Http404 from None
    except ApplicationError as error:
        if isinstance(form, DecisionForm) and error.code == "reason_required":
            form.add_error("reason", error.message)  # e.g. a reason that the chosen action does not take
            return _detail_response(request, public_id, error=FORM_INVALID_MESSAGE, form=form, status=400)
        return _detail_response(request, public_id, error=error.message, form=form, status=error.status_code)
    messages.success(request, _done_message(data["verb"], done))
    return redirect(_safe_next(request) or reverse("enrolment:request", args=[enrolment_request.public_id]))


@login_required
@require_POST
@throttle_writes
def request_motivation(request: HttpRequest, public_id) -> HttpResponse:
    """The student changes their motivation until the home decision; the service decides who and when."""
    enrolment_request = _visible_request(request, public_id)
    form = MotivationForm(request.POST)
    if not form.is_valid():
        return _detail_response(request, public_id, error=FORM_INVALID_MESSAGE, motivation_form=form, status=400)
    try:
        requests.request_motivation_edit(
            user=request.user, request_id=enrolment_request.pk, motivation=form.cleaned_data["motivation"]
        )
    except ApplicationError as error:
        return _detail_response(request, public_id, error=error.message, motivation_form=form, status=error.status_code)
    messages.success(request, MOTIVATION_SAVED_MESSAGE)
    return redirect("enrolment:request", public_id=enrolment_request.public_id)


@login_required
@require_GET
def request_document(request: HttpRequest, public_id) -> HttpResponse:
    """The uploaded PDF, for those who may see the request (the student and their institutions' staff).
    Uploads live outside the web root; this view is the only way to them."""
    enrolment_request = _visible_request(request, public_id)
    if not enrolment_request.document:
        raise Http404
    requests.request_read_log(user=request.user, request=enrolment_request, what=RecordRead.What.DOCUMENT)
    try:
        handle = enrolment_request.document.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"request-{enrolment_request.public_id}.pdf",
        content_type="application/pdf",
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Staff console ---------------------------------------------------------------------------------------


@login_required
@require_GET
def staff_home(request: HttpRequest) -> HttpResponse:
    sides = staff_sides(request.user)
    if not sides:
        return _forbidden(request)
    return render(request, "enrolment/staff_home.html", {"sides": sides})


def _queue_response(
    request: HttpRequest,
    institution: Institution,
    side: str,
    *,
    status: int = 200,
    row_error: dict | None = None,
    bulk_form: BulkDecisionForm | None = None,
    bulk_results: list[dict] | None = None,
) -> HttpResponse:
    filters = QueueFilterForm(request.GET, side=side)
    valid = filters.is_valid()
    data = filters.cleaned_data if valid else {}
    try:
        queryset = staff_queue(
            request.user,
            institution_id=institution.pk,
            side=side,
            status=data.get("status") or None,
            q=data.get("q", ""),
            needs_action=filters.needs_action if valid else False,
        )
    except PermissionDeniedError as error:
        return _forbidden(request, error)
    if not valid:
        status = 400
        queryset = queryset.none()
    elif request.GET.get("format") == "csv":
        return _queue_csv(queryset, institution, side)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    row_verbs = ("approve", "deny") if side == "outgoing" else ("admit", "waitlist", "reject")
    rows = []
    with policies_cached():
        row_actions = {r.pk: available_actions(request.user, r) for r in page}
    for r in page:
        verbs = [verb for verb in row_actions[r.pk] if verb in row_verbs]
        rows.append(
            {
                "r": r,
                "buttons": [(verb, ACTIONS[verb].label) for verb in verbs],
                "needs_reason": any(verb in ("deny", "reject") for verb in verbs),
                "selectable": side == "outgoing" and "approve" in verbs,
                "waiting_on": waiting_on_system(r, list(r.events.all())),  # the events are prefetched
                "error": row_error["message"] if row_error and row_error["id"] == r.public_id else None,
            }
        )
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    context = {
        "institution": institution,
        "side": side,
        "filters": filters,
        "page": page,
        "rows": rows,
        "querystring": query.urlencode(),
        "row_error": row_error,
        "bulk_form": bulk_form,
        "bulk_results": bulk_results,
        "denial_choices": DENIAL_CHOICES,
        "any_selectable": any(row["selectable"] for row in rows),
        "needs_action": valid and filters.needs_action,
    }
    return render(request, "enrolment/staff_queue.html", context, status=status)


def _csv_cell(value) -> str:
    text = "" if value is None else str(value)
    # A cell starting with a formula character would run as a formula in a spreadsheet.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _queue_csv(queryset, institution: Institution, side: str) -> HttpResponse:
    """The filtered queue with no more personal data than a spreadsheet of the queue needs: the course's
    title and the status in the language of the page, the institutions by their short names."""
    rows = queryset.prefetch_related(None).values_list(
        "student__user__first_name",
        "student__user__last_name",
        "student__student_number",
        "home_institution__short_name",
        "host_institution__short_name",
        "offering__course__code",
        "offering__module__code",
        "offering__course__title_nl",
        "offering__course__title_en",
        "offering__module__title_nl",
        "offering__module__title_en",
        "status",
        "submitted_at",
    )
    english = (get_language() or "")[:2] == "en"
    today = timezone.localdate(timezone=AMSTERDAM)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{institution.code}-{side}-{today:%Y-%m-%d}.csv"'
    response["Cache-Control"] = "private, no-store"
    writer = csv.writer(response)
    writer.writerow([str(column) for column in CSV_HEADER])
    for row in rows.iterator():
        first, last, number, home, host, course_code, module_code, *titles, status, submitted_at = row
        course_nl, course_en, module_nl, module_en = titles
        title_nl, title_en = (course_nl, course_en) if course_code else (module_nl, module_en)
        title = (title_en or title_nl) if english else (title_nl or title_en)
        submitted = submitted_at.astimezone(AMSTERDAM).isoformat(timespec="seconds") if submitted_at else ""
        name = f"{first} {last}".strip()
        label = Status(status).label if status in Status.values else status
        cells = (name, number, home, host, course_code or module_code, title, label, submitted)
        writer.writerow([_csv_cell(v) for v in cells])
    return response


def _staff_institution(code: str) -> Institution:
    return get_object_or_404(Institution, code=code)


def _may_open(request: HttpRequest, institution: Institution, side: str) -> bool:
    try:
        staff_queue(request.user, institution_id=institution.pk, side=side)
    except PermissionDeniedError:
        return False
    return True


@login_required
@require_http_methods(["GET", "POST"])
def staff_queue_page(request: HttpRequest, code: str, side: str) -> HttpResponse:
    """Incoming (host admissions) or outgoing (home approval) requests of one institution. POST: one
    row's action; the filters in the query string are kept."""
    institution = _staff_institution(code)
    if request.method == "GET":
        return _queue_response(request, institution, side)
    if not _may_open(request, institution, side):
        return _forbidden(request)
    form = RowActionForm(request.POST)
    if not form.is_valid():
        return _queue_response(
            request, institution, side, status=400, row_error={"id": None, "message": FORM_INVALID_MESSAGE}
        )
    data = form.cleaned_data
    enrolment_request = _visible_request(request, data["request"])
    try:
        done = request_act(
            user=request.user,
            request_id=enrolment_request.pk,
            verb=data["verb"],
            reason=data["reason"],
            comment=data["comment"],
        )
    except (EnrolmentRequest.DoesNotExist, NotFoundError):
        raise Http404 from None
    except ApplicationError as error:
        return _queue_response(
            request,
            institution,
            side,
            status=error.status_code,
            row_error={"id": enrolment_request.public_id, "message": error.message},
        )
    messages.success(request, _done_message(data["verb"], done))
    return redirect(request.get_full_path())


@login_required
@require_POST
@throttle_writes
def staff_bulk(request: HttpRequest, code: str) -> HttpResponse:
    """Approve or deny the selected outgoing requests; each is decided and reported on its own."""
    institution = _staff_institution(code)
    if not _may_open(request, institution, "outgoing"):
        return _forbidden(request)
    form = BulkDecisionForm(request.POST)
    if not form.is_valid():
        return _queue_response(request, institution, "outgoing", status=400, bulk_form=form)
    data = form.cleaned_data
    results = approval.home_bulk_decide(
        user=request.user, public_ids=data["ids"], verb=data["verb"], reason=data["reason"], comment=data["comment"]
    )
    found = {
        str(r.public_id): r
        for r in staff_queue(request.user, institution_id=institution.pk, side="outgoing").filter(
            public_id__in=data["ids"]
        )
    }
    rows = [
        {
            "public_id": key,
            "r": found.get(key),
            "ok": result["ok"],
            "status_label": Status(result["status"]).label if result["ok"] else "",
            "detail": result.get("detail", ""),
        }
        for key, result in results.items()
    ]
    status = 200 if any(row["ok"] for row in rows) else 400
    return _queue_response(request, institution, "outgoing", status=status, bulk_results=rows)


@login_required
@require_GET
def offering_seats_page(request: HttpRequest, offering_id: int) -> HttpResponse:
    try:
        seats = offering_seats(request.user, offering_id=offering_id)
    except Offering.DoesNotExist:
        raise Http404 from None
    except PermissionDeniedError as error:
        return _forbidden(request, error)
    held = max(seats["capacity"] - seats["seats_taken"] - seats["seats_free"], 0)
    now = timezone.now()
    context = {
        **seats,
        "teachable": seats["offering"].teachable,
        "seats_held": held,
        "now": now,
    }
    return render(request, "enrolment/seats.html", context)
