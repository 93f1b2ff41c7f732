from django import forms
from django.utils.translation import gettext_lazy as _


class ErasureForm(forms.Form):
    confirmation = forms.CharField(
        label=_("Type your email address to confirm"),
        max_length=254,
        help_text=_("This cannot be undone."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
