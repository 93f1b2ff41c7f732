"""What the dashboards keep about people (``core.privacy``)."""

from django.utils.translation import gettext_lazy as _

from core.privacy import PSEUDONYMISE, personal_data

personal_data(
    "insights.LeadTime",
    about=("request__student__user",),
    erasure=PSEUDONYMISE,
    why=_(
        "How long each step of your requests took, kept for the zone's dashboards, which show counts and times "
        "of groups, never a person."
    ),
)
