from django import forms
from django.utils.translation import gettext_lazy as _


class NotificationPreferenceForm(forms.Form):
    email_enabled = forms.BooleanField(label=_("Send me email"), required=False)
    email_on_every_change = forms.BooleanField(
        label=_("Email at every change"),
        required=False,
        help_text=_("Off: email only for decisions that need you to act."),
    )
