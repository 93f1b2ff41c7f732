"""Actions on a request, by verb, for the pages and the API alike; and the notification centre's writes.

- ``request_act``: one entry point for a button or an API verb ("approve", "withdraw", ...). It calls
  exactly one service, which checks who may act and whether the state allows it. It decides nothing itself.
- ``notifications_mark_read`` and ``notification_preferences_update``.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enrolment.errors import EnrolmentError
from enrolment.models import EnrolmentRequest, Notification, NotificationPreference
from enrolment.services import admission, approval, requests

# Buttons the pages show (``selectors.available_actions``) and the service each one calls.
STUDENT_VERBS = ("cancel", "withdraw", "accept", "decline", "resubmit")
HOME_VERBS = ("approve", "deny")
HOST_VERBS = ("admit", "waitlist", "reject", "complete")
STAFF_VERBS = ("staff_cancel",)
VERBS = (*STUDENT_VERBS, *HOME_VERBS, *HOST_VERBS, *STAFF_VERBS)
UNKNOWN_ACTION_MESSAGE = _("This action does not exist for enrolment requests.")


ACTIONS = {
    "cancel": lambda user, pk, d: requests.request_cancel(
        user=user, request_id=pk, reason=d["reason"], comment=d["comment"]
    ),
    "staff_cancel": lambda user, pk, d: requests.request_cancel(
        user=user, request_id=pk, reason=d["reason"], comment=d["comment"], as_staff=True
    ),
    "decline": lambda user, pk, d: admission.seat_offer_decline(request_id=pk, actor=user),
    "withdraw": lambda user, pk, d: requests.request_withdraw(user=user, request_id=pk, comment=d["comment"]),
    "resubmit": lambda user, pk, d: requests.request_resubmit(user=user, request_id=pk, motivation=d["motivation"]),
    "accept": lambda user, pk, d: admission.seat_offer_accept(request_id=pk, actor=user),
    "approve": lambda user, pk, d: approval.home_approve(user=user, request_id=pk, comment=d["comment"]),
    "deny": lambda user, pk, d: approval.home_deny(user=user, request_id=pk, reason=d["reason"], comment=d["comment"]),
    "admit": lambda user, pk, d: admission.host_admit(request_id=pk, actor=user, comment=d["comment"]),
    "waitlist": lambda user, pk, d: admission.host_waitlist(request_id=pk, actor=user, comment=d["comment"]),
    "reject": lambda user, pk, d: admission.host_deny(
        request_id=pk, actor=user, reason=d["reason"], comment=d["comment"]
    ),
    "complete": lambda user, pk, d: requests.request_complete(user=user, request_id=pk, comment=d["comment"]),
}


def request_act(
    *, user, request_id: int, verb: str, reason: str = "", comment: str = "", motivation: str = ""
) -> EnrolmentRequest:
    """Perform one action on a request as ``user``: the one dispatch used by the pages and the API.

    Each called service checks, at object level, that ``user`` may act (NotAllowedError, 403) and that the
    request is in a state that allows it (WrongStateError, 409). Raises EnrolmentError for an unknown verb.
    Locks and atomicity are the called service's; this function writes nothing itself.
    """
    try:
        perform = ACTIONS[verb]
    except KeyError:
        raise EnrolmentError(UNKNOWN_ACTION_MESSAGE, code="unknown_action") from None
    return perform(user, request_id, {"reason": reason, "comment": comment, "motivation": motivation})


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
