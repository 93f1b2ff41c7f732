"""Reads of the notification centre."""

from __future__ import annotations

from django.db.models import QuerySet

from notifications.models import Notification, NotificationPreference


def notifications_of(user) -> QuerySet[Notification]:
    """The user's notifications, newest first."""
    return Notification.objects.filter(user_id=user.pk).order_by("-created_at", "-pk")


def unread_notification_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user_id=user.pk, read_at__isnull=True).count()


def notification_preferences_of(user) -> NotificationPreference:
    """The user's stored email preferences, or the defaults (unsaved) when they never changed them."""
    return NotificationPreference.objects.filter(user_id=user.pk).first() or NotificationPreference(user=user)
