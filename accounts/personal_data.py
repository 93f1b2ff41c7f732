"""What the accounts app keeps about people (``core.privacy``)."""

from django.contrib.auth.hashers import make_password
from django.utils.translation import gettext_lazy as _

from core.privacy import DELETE, PSEUDONYMISE, Retention, personal_data

personal_data(
    "accounts.User",
    about=("pk",),
    erasure=PSEUDONYMISE,
    why=_(
        "Your account: name, email address and language. On erasure the account stays as an empty, closed "
        "pseudonym, because results and the audit trail that institutions must keep point at it."
    ),
    replace={
        "email": lambda pseudonym: f"erased-{pseudonym}@erased.invalid",
        "first_name": "",
        "last_name": "",
        "is_active": False,
        "is_zone_coordinator": False,
        "password": lambda pseudonym: make_password(None),
    },
    hidden=("password",),
)
personal_data(
    "accounts.StudentProfile",
    about=("user",),
    erasure=PSEUDONYMISE,
    why=_(
        "Your home institution, programme and student number. Home institution and programme stay, without "
        "the student number, so that the zone's figures still add up."
    ),
    replace={"student_number": ""},
)
personal_data(
    "accounts.StaffRole",
    about=("user",),
    erasure=DELETE,
    why=_("The roles you hold for an institution."),
)
personal_data(
    "accounts.RecordRead",
    about=("student__user", "reader"),
    erasure=DELETE,
    why=_("Which institution's staff opened your record, in which role, what and when."),
    hidden=("reader",),
    retention=Retention("record_reads", "at"),
)
