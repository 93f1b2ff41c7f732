"""The notification centre and the email preferences. Thin: reads through selectors, writes through
services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from notifications.forms import NotificationPreferenceForm
from notifications.selectors import notification_preferences_of, notifications_of, unread_notification_count
from notifications.services import notification_preferences_update, notifications_mark_read

PAGE_SIZE = 50
PREFERENCES_SAVED_MESSAGE = _("Your notification preferences were saved.")


def _safe_next(request: HttpRequest) -> str | None:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(notifications_of(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page, "unread": unread_notification_count(request.user)})


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    if request.POST.get("all"):
        ids = None
    else:
        ids = [int(value) for value in request.POST.getlist("notification") if value.isdigit()]
    notifications_mark_read(user=request.user, notification_ids=ids)
    return redirect(_safe_next(request) or reverse("notifications:list"))


@login_required
@require_http_methods(["GET", "POST"])
def notification_preferences(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = NotificationPreferenceForm(request.POST)
        if form.is_valid():
            notification_preferences_update(user=request.user, **form.preferences())
            messages.success(request, PREFERENCES_SAVED_MESSAGE)
            return redirect("notifications:preferences")
        status = 400
    else:
        form = NotificationPreferenceForm.for_preference(notification_preferences_of(request.user))
        status = 200
    current = notification_preferences_of(request.user)
    return render(request, "notifications/preferences.html", {"form": form, "current": current}, status=status)
