"""Forms of the accounts pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import LearnerKind


class LearnerKindForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("I take modules as"),
        choices=[
            (LearnerKind.PROFESSIONAL.value, _("A professional (through my work)")),
            (LearnerKind.GUEST.value, _("A guest (on my own account)")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether you take modules as a professional or as a guest.")},
    )
