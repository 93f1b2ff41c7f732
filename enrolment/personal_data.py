"""What cross-enrolment keeps about people (``core.privacy``)."""

from django.utils.translation import gettext_lazy as _

from core.privacy import PSEUDONYMISE, Retention, no_personal_data, personal_data
from enrolment.models import FINAL_STATES

personal_data(
    "enrolment.EnrolmentRequest",
    about=("student__user",),
    erasure=PSEUDONYMISE,
    why=_(
        "Your enrolment requests. Institutions keep which course was taken, when and with what outcome (it "
        "counts in settlement and the zone's figures); your motivation and uploaded document are removed."
    ),
    replace={"motivation": "", "document": ""},
    # A finished request's motivation and document have served their purpose after the retention period.
    retention=Retention("request_motivations", "updated_at", PSEUDONYMISE, only={"status__in": FINAL_STATES}),
)
personal_data(
    "enrolment.RequestEvent",
    about=("request__student__user", "actor"),
    erasure=PSEUDONYMISE,
    why=_("The audit trail of your requests: every step, who took it and why. Institutions must keep it."),
)
no_personal_data("enrolment.HomeApprovalPolicy", why=_("An institution's approval rules."))
no_personal_data("enrolment.SeatReservation", why=_("An offering's seats held for an institution."))
