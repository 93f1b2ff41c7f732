"""MijnDiploma pages: the student's composer (with the rules' verdict after every change), the audit and
what-if, the printable overview and its PDF; the examination board's queue, review and rules; staff pages for
themed portfolios. Thin: reads through ``selectors``, writes through ``services``; a refusal is shown on the
page with its own status (a stale save: 409 and what to do)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import StudentProfile
from catalogue.models import Course
from core.errors import ApplicationError, NotFoundError
from institutions.models import Institution, Programme
from routes.mijndiploma import pdf, selectors
from routes.mijndiploma.forms import PortfolioForm, RulesForm
from routes.mijndiploma.models import VersionStatus
from routes.mijndiploma.permissions import BOARD, CURATOR, institutions_where, is_owner, managed_portfolios, may_decide
from routes.mijndiploma.services import composing, review
from routes.mijndiploma.services import portfolios as portfolio_services

SAVED_MESSAGE = _("Your programme was saved.")
SUBMITTED_MESSAGE = _("Version %(number)s was submitted to your examination board.")
NEW_VERSION_MESSAGE = _("Version %(number)s was made from the latest one: change it, then submit it.")
DECIDED_MESSAGE = _("Your decision on version %(number)s was recorded.")
ENROL_MESSAGE = _("Your enrolment request was sent; follow it under My requests.")
RULES_MESSAGE = _("The rules were saved.")
PORTFOLIO_MESSAGE = _("The portfolio was saved.")


def _student(request) -> StudentProfile:
    profile = (
        StudentProfile.objects.select_related("home_institution", "programme").filter(user_id=request.user.pk).first()
    )
    if profile is None:
        raise Http404
    return profile


@login_required
@require_http_methods(["GET", "POST"])
def compose(request: HttpRequest) -> HttpResponse:
    profile = _student(request)
    error, status = None, 200
    if request.method == "POST":
        try:
            answer = _compose_action(request, profile)
            if answer is not None:
                return answer
        except ApplicationError as refused:
            error, status = refused.message, refused.status_code
    composed = selectors.composed_of(request.user)
    context = {"profile": profile, "composed": composed, "error": error, "q": request.GET.get("q", "")[:100]}
    if composed is not None:
        versions = selectors.versions_of(composed)
        version = selectors.version_for(request.user, versions[0].pk)
        context |= {
            "versions": versions,
            "version": version,
            "periods": selectors.items_by_period(version),
            "verdict": selectors.compliance_of(version),
            "may_new_version": version.status
            in (VersionStatus.APPROVED, VersionStatus.CHANGES_REQUESTED, VersionStatus.DENIED),
            "portfolios": selectors.portfolios_published(),
            "found": selectors.offerings_to_add(profile, context["q"], version) if context["q"] else None,
        }
    return render(request, "mijndiploma/compose.html", context, status=status)


def _compose_action(request, profile) -> HttpResponse | None:
    action = request.POST.get("action")
    user, post = request.user, request.POST
    if action == "start":
        composing.programme_start(user=user)
        return redirect("mijndiploma:compose")
    if action == "new_version":
        version = composing.version_new(user=user)
        messages.success(request, str(NEW_VERSION_MESSAGE) % {"number": version.number})
        return redirect("mijndiploma:compose")
    version = selectors.version_for(user, post.get("version"))
    if not is_owner(user, version):
        raise Http404
    if action == "submit":
        composing.version_submit(user=user, version_id=version.pk, row_version=post.get("row_version"))
        messages.success(request, str(SUBMITTED_MESSAGE) % {"number": version.number})
        return redirect("mijndiploma:compose")
    items = [{"offering": item.offering_id, "portfolio": item.portfolio_id} for item in version.items.all()]
    if action == "add":
        items.append({"offering": post.get("offering"), "portfolio": post.get("portfolio")})
    elif action == "remove":
        items = [item for item in items if str(item["offering"]) != post.get("offering")]
    else:
        return None
    composing.version_save(user=user, version_id=version.pk, row_version=post.get("row_version"), items=items)
    messages.success(request, SAVED_MESSAGE)
    return redirect(reverse("mijndiploma:compose") + (f"?{urlencode({'q': post['q'][:100]})}" if post.get("q") else ""))


@login_required
@require_POST
def item_enrol(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        composing.item_enrol(user=request.user, item_id=pk)
    except NotFoundError:
        raise Http404 from None
    except ApplicationError as refused:
        messages.error(request, refused.message)
        return redirect("mijndiploma:compose")
    messages.success(request, ENROL_MESSAGE)
    return redirect("mijndiploma:compose")


@login_required
def audit(request: HttpRequest) -> HttpResponse:
    _student(request)
    composed = selectors.composed_of(request.user)
    if composed is None:
        return redirect("mijndiploma:compose")
    version = selectors.version_for(request.user, selectors.versions_of(composed)[0].pk)
    context = {"version": version, "audit": selectors.audit(version), "what_if": selectors.what_if(version)}
    return render(request, "mijndiploma/audit.html", context)


def portfolios(request: HttpRequest) -> HttpResponse:
    return render(request, "mijndiploma/portfolios.html", {"portfolios": selectors.portfolios_published()})


@login_required
def overview(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        version = selectors.version_for(request.user, pk)
    except NotFoundError:
        raise Http404 from None
    context = {
        "version": version,
        "periods": selectors.items_by_period(version),
        "decision": selectors.decision_of(version),
    }
    return render(request, "mijndiploma/overview.html", context)


@login_required
def overview_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        version = selectors.version_for(request.user, pk)
    except NotFoundError:
        raise Http404 from None
    content = pdf.overview_pdf(
        version=version, periods=selectors.items_by_period(version), decision=selectors.decision_of(version)
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="mijndiploma-v{version.number}.pdf"'
    return response


def _board(request) -> list[Institution]:
    ids = institutions_where(request.user, BOARD)
    if not ids:
        raise Http404
    return list(Institution.objects.filter(pk__in=ids).order_by("code"))


@login_required
def board_queue(request: HttpRequest) -> HttpResponse:
    institutions = _board(request)
    show = "decided" if request.GET.get("show") == "decided" else "waiting"
    context = {
        "institutions": institutions,
        "show": show,
        "versions": selectors.board_queue(request.user, show=show)[:200],
    }
    return render(request, "mijndiploma/board.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def board_review(request: HttpRequest, pk: int) -> HttpResponse:
    _board(request)
    try:
        version = selectors.version_for(request.user, pk)
    except NotFoundError:
        raise Http404 from None
    if not may_decide(request.user, version):
        raise Http404
    error, status = None, 200
    if request.method == "POST":
        comments = {
            key.removeprefix("comment_"): value for key, value in request.POST.items() if key.startswith("comment_")
        }
        try:
            review.version_decide(
                user=request.user,
                version_id=version.pk,
                row_version=request.POST.get("row_version"),
                decision=request.POST.get("decision", ""),
                comment=request.POST.get("comment", ""),
                item_comments=comments,
            )
            messages.success(request, str(DECIDED_MESSAGE) % {"number": version.number})
            return redirect("mijndiploma:board")
        except ApplicationError as refused:
            error, status = refused.message, refused.status_code
            version = selectors.version_for(request.user, pk)
    context = {
        "version": version,
        "periods": selectors.items_by_period(version),
        "verdict": selectors.compliance_of(version),
        "audit": selectors.audit(version),
        "error": error,
        "history": selectors.versions_of(version.composed),
    }
    return render(request, "mijndiploma/review.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def board_rules(request: HttpRequest) -> HttpResponse:
    institutions = _board(request)
    programmes = list(Programme.objects.filter(institution__in=institutions).order_by("name_en"))
    chosen = next((p for p in programmes if str(p.pk) == request.GET.get("programme")), None)
    chosen = chosen or (programmes[0] if programmes else None)
    if chosen is None:
        raise Http404
    courses = Course.objects.filter(institution_id=chosen.institution_id).order_by("code")
    rules = selectors.rules_of(chosen.pk)
    initial = {}
    if rules:
        initial = {
            "ec_min": rules.ec_min,
            "ec_max": rules.ec_max,
            "outside_home_max": rules.outside_home_max,
            "core_courses": [str(c.pk) for c in rules.core_courses.all()],
            **{f"level_{level}": value for level, value in rules.level_minimums.items()},
        }
    form, error, status = RulesForm(initial=initial, courses=courses), None, 200
    if request.method == "POST":
        form = RulesForm(request.POST, courses=courses)
        status = 400
        if form.is_valid():
            try:
                review.rules_set(
                    user=request.user,
                    programme_id=chosen.pk,
                    ec_min=form.cleaned_data["ec_min"],
                    ec_max=form.cleaned_data["ec_max"],
                    outside_home_max=form.cleaned_data["outside_home_max"],
                    level_minimums=form.level_minimums(),
                    core_course_ids=form.cleaned_data["core_courses"],
                )
                messages.success(request, RULES_MESSAGE)
                return redirect(reverse("mijndiploma:rules") + f"?programme={chosen.pk}")
            except ApplicationError as refused:
                error, status = refused.message, refused.status_code
    context = {"programmes": programmes, "chosen": chosen, "form": form, "error": error}
    return render(request, "mijndiploma/rules.html", context, status=status)


def _curator(request) -> set[int]:
    ids = institutions_where(request.user, CURATOR)
    if not ids and not request.user.is_superuser:
        raise Http404
    return ids


@login_required
def portfolio_list(request: HttpRequest) -> HttpResponse:
    _curator(request)
    return render(request, "mijndiploma/portfolio_list.html", {"portfolios": managed_portfolios(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def portfolio_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    curating = _curator(request)
    portfolio = None
    if pk is not None:
        try:
            portfolio = selectors.portfolio_managed(request.user, pk)
        except NotFoundError:
            raise Http404 from None
    initial = {}
    if portfolio:
        initial = {
            "title_nl": portfolio.title_nl,
            "title_en": portfolio.title_en,
            "description_nl": portfolio.description_nl,
            "description_en": portfolio.description_en,
            "theme": portfolio.theme_id,
            "offerings": ", ".join(str(pk) for pk in portfolio.offerings.values_list("pk", flat=True)),
            "is_published": portfolio.is_published,
        }
    form, error, status = PortfolioForm(initial=initial), None, 200
    if request.method == "POST":
        form, status = PortfolioForm(request.POST), 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = portfolio_services.portfolio_save(
                    user=request.user,
                    portfolio_id=portfolio.pk if portfolio else None,
                    institution_id=min(curating) if curating else None,
                    title_nl=data["title_nl"],
                    title_en=data["title_en"],
                    description_nl=data["description_nl"],
                    description_en=data["description_en"],
                    theme_id=data["theme"].pk if data["theme"] else None,
                    offering_ids=form.offering_ids(),
                    is_published=data["is_published"],
                )
                messages.success(request, PORTFOLIO_MESSAGE)
                return redirect("mijndiploma:portfolio_edit", pk=saved.pk)
            except ApplicationError as refused:
                error, status = refused.message, refused.status_code
    context = {"portfolio": portfolio, "form": form, "error": error}
    return render(request, "mijndiploma/portfolio_edit.html", context, status=status)
