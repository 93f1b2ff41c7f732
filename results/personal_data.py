"""What results and recognition keep about people (``core.privacy``)."""

from django.utils.translation import gettext_lazy as _

from core.privacy import PSEUDONYMISE, no_personal_data, personal_data

KEPT_BY_LAW = _("Results and their recognition are part of the institutions' records, which the law makes them keep.")

personal_data(
    "results.Result",
    about=("request__student__user", "recorded_by"),
    erasure=PSEUDONYMISE,
    why=KEPT_BY_LAW,
)
personal_data(
    "results.Recognition",
    about=("request__student__user", "decided_by"),
    erasure=PSEUDONYMISE,
    why=KEPT_BY_LAW,
)
personal_data(
    "results.RecognitionPrecedent",
    about=("decided_by",),
    erasure=PSEUDONYMISE,
    why=_("Standing recognition decisions you took for your examination board."),
)
no_personal_data("results.ConversionTable", why=_("Grade conversion between two institutions."))
no_personal_data("results.ConversionRow", why=_("Grade conversion between two institutions."))
