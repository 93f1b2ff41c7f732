"""The signed-in user's own account page, and allauth's login page with a lockout that answers 429."""

from allauth.account.views import LoginView as AllauthLoginView
from django.contrib.auth.decorators import login_required
from django.forms.forms import NON_FIELD_ERRORS
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.i18n import set_language

from accounts.forms import LearnerKindForm
from accounts.ratelimits import LOCKOUT_WAIT_HTML_MESSAGE
from accounts.selectors import student_profile_of, user_has_totp, user_requires_mfa, user_roles
from accounts.services import learner_profile_create, user_language_set
from core.errors import ApplicationError
from core.i18n import wait_phrase


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "accounts/profile.html",
        {
            "roles": user_roles(user=user),
            "student_profile": student_profile_of(user=user),
            "requires_mfa": user_requires_mfa(user=user),
            "has_totp": user_has_totp(user=user),
        },
    )


class LoginView(AllauthLoginView):
    """allauth's login page (``account_login``). A locked-out login answers 429 with ``Retry-After`` and a message
    that names the wait and links the password reset page; everything else is allauth's."""

    def form_invalid(self, form):
        seconds = getattr(self.request, "portal_lockout_seconds", None)
        if seconds is None:
            return super().form_invalid(form)
        link = format_html('<a href="{}">', reverse("account_reset_password"))
        message = format_html(
            str(LOCKOUT_WAIT_HTML_MESSAGE)
            .replace("%(wait)s", "{wait}")
            .replace("%(link)s", "{link}")
            .replace("%(end_link)s", "{end_link}"),
            wait=wait_phrase(seconds),
            link=link,
            end_link=mark_safe("</a>"),  # noqa: S308 (a constant)
        )
        form.errors[NON_FIELD_ERRORS] = form.error_class([message], error_class="nonfield")
        response = super().form_invalid(form)
        response.status_code = 429
        response["Retry-After"] = str(seconds)
        return response


login = LoginView.as_view()


def language_set(request: HttpRequest) -> HttpResponse:
    """Django's language switcher; a signed-in person's choice is also remembered for their email."""
    response = set_language(request)
    if request.method == "POST" and request.user.is_authenticated:
        user_language_set(user=request.user, language=request.POST.get("language", ""))
    return response


def learner(request: HttpRequest) -> HttpResponse:
    """A person without a zone institution signs up here (by email, or with eduID: the login's ``next``
    is this page, which tells the adapter to accept an eduID without an institution), then says whether they
    take modules as a professional or as a guest; then they can register for the modules open to them.
    ``next``: where to go afterwards (a module's page), on this site only."""
    if not request.user.is_authenticated:
        if request.method == "POST":
            return redirect(f"{reverse('account_login')}?next={reverse('account_learner')}")
        return render(request, "accounts/learner.html", {"anonymous": True})
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = ""
    existing = student_profile_of(user=request.user)
    form = LearnerKindForm(request.POST or None)
    error, status = None, 200
    if request.method == "POST" and existing is None:
        if form.is_valid():
            try:
                learner_profile_create(user=request.user, kind=form.cleaned_data["kind"])
            except ApplicationError as failure:
                error, status = failure.message, failure.status_code
            else:
                return redirect(target or reverse("billing:modules"))
        else:
            status = 400
    return render(
        request,
        "accounts/learner.html",
        {"form": form, "existing": existing, "error": error, "next": target},
        status=status,
    )
