from django import forms
from django.utils.translation import gettext_lazy as _

from notifications.models import EmailDelivery

EVERY_CHANGE = "every"
ACTION_ONLY = "action"


class NotificationPreferenceForm(forms.Form):
    """Two plain choices, each option saying what it does, so the page shows which one is on."""

    email_delivery = forms.ChoiceField(
        label=_("When do you want email?"),
        choices=EmailDelivery.choices,
        widget=forms.RadioSelect,
        initial=EmailDelivery.IMMEDIATELY,
    )
    email_scope = forms.ChoiceField(
        label=_("About which changes?"),
        choices=[
            (EVERY_CHANGE, _("Every change")),
            (ACTION_ONLY, _("Only changes that need me to act")),
        ],
        widget=forms.RadioSelect,
        initial=EVERY_CHANGE,
        help_text=_("The notification centre always shows every change, whatever you choose here."),
    )

    def clean(self):
        data = super().clean()
        data["email_on_every_change"] = data.get("email_scope") != ACTION_ONLY
        return data

    def preferences(self) -> dict:
        """The cleaned choices as the service takes them."""
        return {
            "email_delivery": self.cleaned_data["email_delivery"],
            "email_on_every_change": self.cleaned_data["email_on_every_change"],
        }

    @classmethod
    def for_preference(cls, preference) -> "NotificationPreferenceForm":
        return cls(
            initial={
                "email_delivery": preference.email_delivery,
                "email_scope": EVERY_CHANGE if preference.email_on_every_change else ACTION_ONLY,
            }
        )
