"""What the ground floor keeps about people (``core.privacy``)."""

from django.utils.translation import gettext_lazy as _

from core.privacy import DELETE, Retention, personal_data

personal_data(
    "core.IdempotencyRecord",
    about=("user",),
    erasure=DELETE,
    why=_("Answers to your recent API writes, kept for a day so that a repeated write is not done twice."),
    hidden=("body",),
    retention=Retention("idempotency", "created_at"),
)
