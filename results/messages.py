"""What students hear of results and recognition: in-app, and by email as their preferences say."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.i18n import lazy_format
from notifications.services import Message, absolute_url, notify

TITLES = {
    "results.recorded": _("Your result for %(course)s has been recorded: %(score)s."),
    "results.recognised": _("Your examination board recognised %(course)s."),
    "results.denied": _("Your examination board did not recognise %(course)s."),
    "results.waiting": _("A recognition request for %(course)s waits for the examination board."),
}


def notification_title(kind: str, params: dict) -> str:
    template = TITLES.get(kind)
    return str(lazy_format(template, **params)) if template else kind


def _course(request) -> str:
    teachable = request.offering.course or request.offering.module
    return f"{teachable.code} {teachable.title}"


def _email(kind: str, params: dict, link: str):
    def write() -> tuple[str, str]:
        title = notification_title(kind, params)
        see = gettext("See it in Flexportal:")
        return title, f"{title}\n\n{see} {absolute_url(link)}\n"

    return write


def result_recorded(result) -> None:
    """Tell the student, once the result is committed."""
    request = result.request
    params = {"course": _course(request), "score": result.score}
    link = reverse("results:request", args=[request.public_id])
    message = Message(
        user=request.student.user,
        source=f"results.result.{result.pk}",
        kind="results.recorded",
        params=params,
        link=link,
        email=_email("results.recorded", params, link),
    )
    transaction.on_commit(lambda: notify([message]))


def recognition_decided(recognition) -> None:
    request = recognition.request
    kind = "results.recognised" if recognition.status == "recognised" else "results.denied"
    params = {"course": _course(request)}
    link = reverse("results:transcript")
    message = Message(
        user=request.student.user,
        source=f"results.recognition.{recognition.pk}.{recognition.status}",
        kind=kind,
        params=params,
        link=link,
        email=_email(kind, params, link),
    )
    transaction.on_commit(lambda: notify([message]))
