"""A person's own data: the readable page, the JSON download, and erasure."""

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.selectors import record_reads_of
from core.errors import ApplicationError
from core.privacy import DELETE, PSEUDONYMISE
from privacy import selectors, services
from privacy.forms import ErasureForm

ERASED_MESSAGE = _("Your account has been erased. What institutions must keep no longer names you.")


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
