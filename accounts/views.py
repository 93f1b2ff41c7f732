"""The signed-in user's own account page."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.selectors import student_profile_of, user_has_totp, user_requires_mfa, user_roles


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
