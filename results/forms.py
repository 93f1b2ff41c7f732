from django import forms
from django.utils.translation import gettext_lazy as _

from results.scales import SCALE_CHOICES


class ResultForm(forms.Form):
    """A result by hand. The values are checked by ``results.services.check``, whose message names the rule."""

    scale = forms.ChoiceField(label=_("Grade scale"), choices=SCALE_CHOICES)
    score = forms.CharField(label=_("Score"), max_length=8, help_text=_("e.g. 7.5, 72, pass or B+"))
    ec = forms.DecimalField(
        label=_("EC earned"), min_value=0, max_digits=4, decimal_places=1, help_text=_("0 for a fail")
    )
    assessed_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    examiner = forms.CharField(label=_("Examiner"), max_length=200, required=False)
    attempt = forms.IntegerField(label=_("Attempt"), min_value=1, max_value=10, initial=1)


class CorrectionForm(ResultForm):
    reason = forms.CharField(label=_("Why is it corrected?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class CsvForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "UTF-8, a header row: offering,student,scale,score,ec,date and optionally examiner,attempt. "
            "The student is their email address."
        ),
    )
