"""Writes of the notification centre: notify, mark read, email preferences."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation

from notifications.models import Notification, NotificationPreference


@dataclass(frozen=True)
class Message:
    """What one person hears of one thing. ``kind`` and ``params`` write its title (``notifications.kinds``);
    ``email`` is called with the recipient's language active and answers (subject, body), or is None for an
    in-app notification only. ``action_needed``: the person must act, so it is emailed even to those who
    want email only then."""

    user: object
    source: str
    kind: str
    params: dict = field(default_factory=dict)
    link: str = ""
    action_needed: bool = False
    email: Callable[[], tuple[str, str]] | None = None


def _wants_email(preference: NotificationPreference | None, message: Message) -> bool:
    if message.email is None:
        return False
    if preference is None:
        return True
    return preference.email_enabled and (preference.email_on_every_change or message.action_needed)


def notify(messages: Iterable[Message]) -> int:
    """Put each message in its recipient's notification centre, once per person and source, and email those
    whose preferences say so: one email per person for all their new messages of this call.

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
        with translation.override(getattr(user, "preferred_language", "") or settings.LANGUAGE_CODE):
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
            if mailed and _email(user, [m for _n, m in mailed]):
                Notification.objects.filter(pk__in=[n.pk for n, _m in mailed]).update(emailed_at=timezone.now())
    return created


def _email(user, messages: list[Message]) -> bool:
    parts = [message.email() for message in messages]
    subject = parts[-1][0] if len(parts) == 1 else f"{parts[-1][0]} (+{len(parts) - 1})"
    body = "\n\n".join(body.strip() for _subject, body in parts) + "\n"
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    return True


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
    *, user, email_enabled: bool, email_on_every_change: bool
) -> NotificationPreference:
    """Store the user's email preferences (one row per user, created on first save)."""
    with transaction.atomic():
        preference, _created = NotificationPreference.objects.select_for_update().get_or_create(user=user)
        preference.email_enabled = email_enabled
        preference.email_on_every_change = email_on_every_change
        preference.full_clean()
        preference.save(update_fields=["email_enabled", "email_on_every_change"])
    return preference
