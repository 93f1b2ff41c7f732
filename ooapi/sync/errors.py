"""Errors of the enrolment sync, on top of the HTTP client's (``ooapi.errors``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ooapi.errors import OOAPIError

UNEXPECTED_ANSWER = _("The institution's system answered %(what)s without %(missing)s.")
NO_ASSOCIATION = _("The home institution's system has no association for this request to update.")
ANSWER_NOT_APPLIED = _("The institution's answer could not be applied in the portal (%(reason)s).")
DISPATCH_FAILED = _("The message could not be sent because of an error in the portal (%(reason)s).")


class UnexpectedAnswerError(OOAPIError):
    """Valid JSON, but not the OOAPI document the call promises (no ``associationId``, a ``state`` outside
    the enum). Retried like garbage: a peer mid-deployment may answer properly a minute later."""

    code = "ooapi_unexpected_answer"
    transient = True


class NoAssociationError(OOAPIError):
    """A change for an association the home institution never created: nothing to send it to."""

    code = "ooapi_no_association"


class AnswerNotAppliedError(OOAPIError):
    """The call succeeded but applying the answer in the portal failed (a deadlock, a bug): the message is
    retried; the idempotency key makes the repeated call harmless."""

    code = "ooapi_answer_not_applied"
    transient = True


class DispatchFailedError(OOAPIError):
    """Sending failed inside the portal (a time limit, a bug): retried with backoff like a transient
    error, and a dead letter after the ceiling, so it is seen rather than retried for ever."""

    code = "ooapi_dispatch_failed"
    transient = True
