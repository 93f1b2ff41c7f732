"""What MijnDiploma keeps about people (``core.privacy``)."""

from django.utils.translation import gettext_lazy as _

from core.privacy import PSEUDONYMISE, personal_data

BOARD_RECORD = _(
    "Your composed programme and the examination board's decisions on it: part of your institution's examination "
    "records, so kept."
)

personal_data(
    "mijndiploma.ProgrammeRules",
    about=("updated_by",),
    erasure=PSEUDONYMISE,
    why=_("Composition rules you set for a programme as examination board."),
)
personal_data("mijndiploma.ComposedProgramme", about=("student__user",), erasure=PSEUDONYMISE, why=BOARD_RECORD)
personal_data(
    "mijndiploma.ProgrammeVersion",
    about=("composed__student__user", "decided_by"),
    erasure=PSEUDONYMISE,
    why=BOARD_RECORD,
)
personal_data(
    "mijndiploma.VersionItem", about=("version__composed__student__user",), erasure=PSEUDONYMISE, why=BOARD_RECORD
)
personal_data(
    "mijndiploma.VersionEvent",
    about=("version__composed__student__user", "actor"),
    erasure=PSEUDONYMISE,
    why=_("The audit trail of your composed programme: every step, who took it and why."),
)
