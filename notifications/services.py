"""Writes of the notification centre: notify, the daily digest, mark read, email preferences."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from notifications.kinds import title_of
from notifications.models import EmailDelivery, Notification, NotificationPreference


def absolute_url(path: str) -> str:
    """A path in the portal as a link that works from an email (``PORTAL_BASE_URL`` in front)."""
    if not path or "://" in path:
        return path
    return settings.PORTAL_BASE_URL.rstrip("/") + "/" + path.lstrip("/")


def language_of(user) -> str:
    """The language a person reads their email in: the one they last chose or logged in with."""
    language = getattr(user, "preferred_language", "") or settings.LANGUAGE_CODE
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


@dataclass(frozen=True)
class Message:
    """What one person hears of one thing. ``kind`` and ``params`` write its title (``notifications.kinds``);
    ``email`` is called with the recipient's language active and answers (subject, body), or is None for an
    in-app notification only. ``action_needed``: the person must act, so it is emailed even to those who
    want email only then. ``email_group``: messages of one call about the same thing (one request's moves)
    make one part of the email, written by the last of them, which tells the whole story."""

    user: object
    source: str
    kind: str
    params: dict = field(default_factory=dict)
    link: str = ""
    action_needed: bool = False
    email: Callable[[], tuple[str, str]] | None = None
    email_group: str = ""


def _wants_email(preference: NotificationPreference | None, message: Message) -> bool:
    if message.email is None:
        return False
    if preference is None:
        return True
    return preference.email_delivery != EmailDelivery.OFF and (
        preference.email_on_every_change or message.action_needed
    )


def _delivery(preference: NotificationPreference | None) -> str:
    return preference.email_delivery if preference is not None else EmailDelivery.IMMEDIATELY


def notify(messages: Iterable[Message]) -> int:
    """Put each message in its recipient's notification centre, once per person and source, and email those
    whose preferences say so: one email per person for all their new messages of this call, in the
    person's language; for those who chose the daily digest, the messages wait for it (``digests_send``).

    Idempotent: a message whose source the person already has is skipped, so a redelivered task sends
    nothing twice. Returns the number of notifications created.
    """
    by_user: dict[int, list[Message]] = {}
    for message in messages:
        by_user.setdefault(message.user.pk, []).append(message)
    created = 0
    for items in by_user.values():
        user = items[0].user
        preference = NotificationPreference.objects.filter(user=user).first()
        with translation.override(language_of(user)):
            fresh: list[tuple[Notification, Message]] = []
            for message in items:
                notification, was_created = Notification.objects.get_or_create(
                    user=user,
                    source=message.source,
                    defaults={"kind": message.kind, "params": message.params, "link": message.link},
                )
                if was_created:
                    fresh.append((notification, message))
            created += len(fresh)
            mailed = [(n, m) for n, m in fresh if _wants_email(preference, m)]
            if not mailed:
                continue
            if _delivery(preference) == EmailDelivery.DAILY:
                Notification.objects.filter(pk__in=[n.pk for n, _m in mailed]).update(digest_pending=True)
            elif _email(user, [m for _n, m in mailed]):
                Notification.objects.filter(pk__in=[n.pk for n, _m in mailed]).update(emailed_at=timezone.now())
    return created


def _email(user, messages: list[Message]) -> bool:
    last_of_group: dict[str, Message] = {}
    for message in messages:
        last_of_group[message.email_group or message.source] = message
    parts = [message.email() for message in last_of_group.values()]
    subject = parts[-1][0] if len(parts) == 1 else f"{parts[-1][0]} (+{len(parts) - 1})"
    body = "\n\n".join(body.strip() for _subject, body in parts) + "\n"
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    return True


def digests_send(*, now: dt.datetime | None = None) -> int:
    """Send each person with notifications waiting for the digest one email listing them (title, time and
    a link each), in their language, and mark them emailed.

    Locks: each person's waiting rows, skipping rows another run holds, so two runs never send the same
    notification twice; a run after a finished one finds nothing to send. Those who turned email off since
    the notifications were made get no email: the rows are only cleared. Returns the number of emails sent.
    """
    now = now or timezone.now()
    sent = 0
    user_ids = (
        Notification.objects.filter(digest_pending=True)
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .distinct()
    )
    for user_id in list(user_ids):
        with transaction.atomic():
            rows = list(
                Notification.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(user_id=user_id, digest_pending=True)
                .select_related("user")
                .order_by("created_at", "pk")
            )
            if not rows:
                continue
            user = rows[0].user
            preference = NotificationPreference.objects.filter(user=user).first()
            emailed_at = None
            if _delivery(preference) != EmailDelivery.OFF and user.email:
                with translation.override(language_of(user)):
                    context = {
                        "user": user,
                        "items": [
                            {"title": title_of(n.kind, n.params), "link": absolute_url(n.link), "at": n.created_at}
                            for n in rows
                        ],
                        "preferences_link": absolute_url("/notifications/preferences/"),
                    }
                    subject = render_to_string("notifications/email/digest_subject.txt", context).strip()
                    body = render_to_string("notifications/email/digest_body.txt", context)
                send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
                emailed_at = now
                sent += 1
            Notification.objects.filter(pk__in=[n.pk for n in rows]).update(digest_pending=False, emailed_at=emailed_at)
    return sent


def notifications_mark_read(*, user, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read: those in ``notification_ids``, or all when it is None.

    Only the user's own unread rows are touched (others' ids are ignored); idempotent. Returns how many
    rows changed.
    """
    unread = Notification.objects.filter(user_id=user.pk, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=list(notification_ids))
    return unread.update(read_at=timezone.now())


def notification_preferences_update(
    *, user, email_delivery: str, email_on_every_change: bool
) -> NotificationPreference:
    """Store the user's email preferences (one row per user, created on first save). Raises
    ValidationError for an unknown ``email_delivery``; nothing is written then."""
    with transaction.atomic():
        preference, _created = NotificationPreference.objects.select_for_update().get_or_create(user=user)
        preference.email_delivery = email_delivery
        preference.email_on_every_change = email_on_every_change
        preference.full_clean()
        preference.save(update_fields=["email_delivery", "email_on_every_change"])
    return preference
