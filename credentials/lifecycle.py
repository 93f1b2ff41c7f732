"""An issued credential's lifecycle: issued once, then revoked at most once, by the awarding board.

Issuing creates the row (and its ``issue`` event); ``revoke`` is the one move, and
``CREDENTIALS.transition`` the only code that sets the status.
"""

from django.utils.translation import gettext_lazy as _

from core.lifecycle import Lifecycle, Verb, verb
from credentials.models import CredentialEvent, IssuedCredential

S = IssuedCredential.Status
AWARDING_BOARD = "awarding_examination_board"

REVOKE = verb("revoke", AWARDING_BOARD, [S.ISSUED], [S.REVOKED], _("revoked"))
WRONG_STATE_MESSAGE = _("A credential that is %(status)s cannot be %(verb)s.")


def _event(credential: IssuedCredential, previous: str, to: str, v: Verb, *, actor=None, reason="") -> CredentialEvent:
    return CredentialEvent(
        credential=credential, verb=v.name, from_status=previous, to_status=to, actor=actor, reason=reason
    )


CREDENTIALS = Lifecycle(
    name="issued_credential",
    states=S,
    verbs=[REVOKE],
    event=_event,
    wrong_state_message=WRONG_STATE_MESSAGE,
)
