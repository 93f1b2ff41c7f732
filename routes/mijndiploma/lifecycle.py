"""A programme version's lifecycle: the student submits a draft; the home examination board approves,
denies or asks for changes; an approved version is superseded when a later one is approved."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.lifecycle import Lifecycle, verb
from routes.mijndiploma.models import VersionEvent, VersionStatus

S = VersionStatus

STUDENT, BOARD, SYSTEM = "student", "exam_board", "system"

SUBMIT = verb("submit", STUDENT, [S.DRAFT], [S.SUBMITTED], _("submit"), guarded=True)
APPROVE = verb("approve", BOARD, [S.SUBMITTED], [S.APPROVED], _("approve"))
DENY = verb("deny", BOARD, [S.SUBMITTED], [S.DENIED], _("deny"))
ASK_CHANGES = verb("ask_changes", BOARD, [S.SUBMITTED], [S.CHANGES_REQUESTED], _("ask for changes"))
SUPERSEDE = verb("supersede", SYSTEM, [S.APPROVED], [S.SUPERSEDED], _("supersede"))

DECISIONS = {v.name: v for v in (APPROVE, DENY, ASK_CHANGES)}


def _event(version, previous, to, v, *, actor=None, comment=""):
    return VersionEvent(
        version=version, verb=v.name, from_status=previous, to_status=to, actor=actor, comment=comment or ""
    )


def _on_enter(version, previous, to):
    if to == S.SUBMITTED:
        version.submitted_at = timezone.now()
        return ["submitted_at"]
    if to in (S.APPROVED, S.DENIED, S.CHANGES_REQUESTED):
        version.decided_at = timezone.now()
        return ["decided_at"]
    return []


VERSION = Lifecycle(
    name="mijndiploma_version",
    states=VersionStatus,
    verbs=[SUBMIT, APPROVE, DENY, ASK_CHANGES, SUPERSEDE],
    event=_event,
    on_enter=_on_enter,
    wrong_state_message=_("This version is %(status)s: you cannot %(verb)s it."),
)
