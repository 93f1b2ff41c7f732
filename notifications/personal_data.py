"""What notifications keeps about people (``core.privacy``)."""

from django.utils.translation import gettext_lazy as _

from core.privacy import DELETE, Retention, personal_data

personal_data(
    "notifications.Notification",
    about=("user",),
    erasure=DELETE,
    why=_("The messages the portal sent you."),
    retention=Retention("notifications", "created_at"),
)
personal_data(
    "notifications.NotificationPreference",
    about=("user",),
    erasure=DELETE,
    why=_("How you want to be notified."),
)
