"""A person's own data: the readable page, the JSON download, and erasure."""

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.selectors import record_reads_of
from core.errors import ApplicationError
from core.privacy import DELETE, PSEUDONYMISE
from privacy import selectors, services
from privacy.consent import FLOWS, consent_version
from privacy.forms import ErasureForm
from privacy.middleware import SESSION_KEY

ERASED_MESSAGE = _("Your account has been erased. What institutions must keep no longer names you.")
DECLINED_MESSAGE = _(
    "You are signed out. The portal cannot enrol you without passing your data to the institutions concerned; "
    "sign in again when you want to continue."
)


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    sections = []
    for section in selectors.sections_of(request.user):
        rows = [selectors.row_values(section, row) for row in section.rows[:200]]
        sections.append(
            {
                "label": section.label,
                "name": section.model._meta.verbose_name_plural,
                "why": section.declaration.why,
                "kept": section.declaration.erasure == PSEUDONYMISE,
                "headers": [f.verbose_name for f in section.fields],
                "rows": [list(row.values()) for row in rows],
                "total": section.rows.count(),
            }
        )
    reads = record_reads_of(user=request.user)[:100]
    return render(request, "privacy/mine.html", {"sections": sections, "reads": reads})


@login_required
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    document = selectors.export_of(request.user)
    response = HttpResponse(
        json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = 'attachment; filename="flexportal-my-data.json"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def erase(request: HttpRequest) -> HttpResponse:
    form = ErasureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.account_erase(user=request.user, confirmation=form.cleaned_data["confirmation"])
        except ApplicationError as error:
            form.add_error("confirmation" if error.code == "confirmation_wrong" else None, str(error.message))
        else:
            logout(request)
            messages.success(request, str(ERASED_MESSAGE))
            return redirect("home")
    sections = selectors.personal_declarations()
    context = {
        "form": form,
        "deleted": [(model._meta.verbose_name_plural, d.why) for d, model in sections if d.erasure == DELETE],
        "kept": [(model._meta.verbose_name_plural, d.why) for d, model in sections if d.erasure == PSEUDONYMISE],
    }
    return render(request, "privacy/erase.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def consent(request: HttpRequest) -> HttpResponse:
    """Which data goes to the home and host institutions, and why; agree (and go on) or decline (and sign
    out). Either answer is recorded."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        target = ""
    error, status = None, 200
    if request.method == "POST":
        agreed = request.POST.get("answer") == "agree"
        try:
            services.consent_answer(user=request.user, version=request.POST.get("version", ""), agreed=agreed)
        except ApplicationError as refused:
            error, status = refused.message, refused.status_code
        else:
            if not agreed:
                logout(request)
                messages.info(request, str(DECLINED_MESSAGE))
                return redirect("home")
            request.session[SESSION_KEY] = consent_version()
            return redirect(target or "home")
    context = {"flows": FLOWS, "version": consent_version(), "next": target, "error": error}
    return render(request, "privacy/consent.html", context, status=status)
