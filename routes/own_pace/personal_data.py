"""What own pace keeps about people (``core.privacy``)."""

from django.utils.translation import gettext_lazy as _

from core.privacy import DELETE, PSEUDONYMISE, personal_data

personal_data("own_pace.StudyPlan", about=("student__user",), erasure=DELETE, why=_("Your own-pace study plan."))
personal_data(
    "own_pace.PlannedCourse",
    about=("plan__student__user",),
    erasure=DELETE,
    why=_("The courses in your study plan, per period."),
)
personal_data(
    "own_pace.EcContract",
    about=("student__user", "agreed_by"),
    erasure=PSEUDONYMISE,
    why=_("Your EC contracts: an agreement with your institution that your tuition is based on, so it is kept."),
)
personal_data(
    "own_pace.ContractEvent",
    about=("contract__student__user", "actor"),
    erasure=PSEUDONYMISE,
    why=_("The history of your EC contracts; the reasons you gave are removed on erasure."),
    replace={"reason": ""},
)
