"""Services the HTML pages need that the other enrolment service modules do not offer (yet).

- ``request_act``: one entry point for a button on a request ("approve", "withdraw", ...). It adds the
  object-level checks that ``admission.host_admit``/``host_waitlist``/``host_deny`` and
  ``admission.seat_offer_accept`` leave to their callers (the JSON API does them in ``apis.TRANSITIONS``),
  then calls exactly one existing service. It decides nothing else itself.
- ``notifications_mark_read`` and ``notification_preferences_update``: the notification centre's writes.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enrolment.errors import REASON_REQUIRED_MESSAGE, EnrolmentError, NotAllowedError
from enrolment.models import DENIAL_REASONS, EnrolmentRequest, Notification, NotificationPreference
from enrolment.permissions import require_host_staff, require_student_owner
from enrolment.services import admission, approval, requests

# Buttons the pages show (``selectors.available_actions``) and the service each one calls.
STUDENT_VERBS = ("cancel", "withdraw", "accept", "decline", "resubmit")
HOME_VERBS = ("approve", "deny")
HOST_VERBS = ("admit", "waitlist", "reject", "complete")
STAFF_VERBS = ("staff_cancel",)
VERBS = (*STUDENT_VERBS, *HOME_VERBS, *HOST_VERBS, *STAFF_VERBS)
UNKNOWN_ACTION_MESSAGE = _("This action does not exist for enrolment requests.")


def _request(request_id: int) -> EnrolmentRequest:
    return EnrolmentRequest.objects.select_related("student").get(pk=request_id)


def request_act(
    *, user, request_id: int, verb: str, reason: str = "", comment: str = "", motivation: str = ""
) -> EnrolmentRequest:
    """Perform one action on a request as ``user`` through the service that owns it.

    Raises NotAllowedError (403) when ``user`` may not act in that role (student actions on others'
    requests, host actions by anyone but the host's admissions staff), EnrolmentError for an unknown verb
    or a host denial without a reason code, and whatever the called service raises (WrongStateError 409,
    ...). Locks and atomicity are the called service's; this function writes nothing itself.
    """
    if verb in ("cancel", "decline"):
        require_student_owner(user, _request(request_id))
        return requests.request_cancel(user=user, request_id=request_id, comment=comment)
    if verb == "withdraw":
        return requests.request_withdraw(user=user, request_id=request_id, comment=comment)
    if verb == "resubmit":
        return requests.request_resubmit(user=user, request_id=request_id, motivation=motivation)
    if verb == "accept":
        require_student_owner(user, _request(request_id))
        return admission.seat_offer_accept(request_id=request_id, actor=user)
    if verb == "approve":
        return approval.home_approve(user=user, request_id=request_id, comment=comment)
    if verb == "deny":
        return approval.home_deny(user=user, request_id=request_id, reason=reason, comment=comment)
    if verb in HOST_VERBS:
        require_host_staff(user, _request(request_id))
        if verb == "admit":
            return admission.host_admit(request_id=request_id, actor=user, comment=comment)
        if verb == "waitlist":
            return admission.host_waitlist(request_id=request_id, actor=user, comment=comment)
        if verb == "complete":
            return requests.request_complete(user=user, request_id=request_id, comment=comment)
        # host_deny accepts any ReasonCode; a denial must carry a denial reason (as in the API).
        if reason not in DENIAL_REASONS:
            raise EnrolmentError(REASON_REQUIRED_MESSAGE, code="reason_required")
        return admission.host_deny(request_id=request_id, actor=user, reason=reason, comment=comment)
    if verb == "staff_cancel":
        if _request(request_id).student.user_id == user.pk:
            raise NotAllowedError()
        return requests.request_cancel(user=user, request_id=request_id, reason=reason, comment=comment)
    raise EnrolmentError(UNKNOWN_ACTION_MESSAGE, code="unknown_action")


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
