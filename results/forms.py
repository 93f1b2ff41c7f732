from django import forms
from django.utils.translation import gettext_lazy as _

from catalogue.models import Course
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


class DecisionForm(forms.Form):
    """The board's one decision: recognise or not, with a reason; if recognised, what it counts as and the
    grade on the home scale; optionally kept as a precedent."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("recognise", _("Recognise")), ("deny", _("Do not recognise"))],
        widget=forms.RadioSelect,
    )
    counts_as = forms.CharField(
        label=_("Counts as"), max_length=200, required=False, help_text=_("e.g. elective space, minor")
    )
    converted_score = forms.CharField(
        label=_("Grade on the home scale (1-10)"),
        max_length=8,
        required=False,
        help_text=_("Filled in from the conversion table where there is one; change it to decide otherwise."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    make_precedent = forms.BooleanField(label=_("Keep this decision as a precedent for the programme"), required=False)
    precedent_valid_until = forms.DateField(
        label=_("Precedent valid until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class PrecedentForm(forms.Form):
    programme = forms.ModelChoiceField(label=_("Programme"), queryset=None)
    course_code = forms.CharField(label=_("Course code"), max_length=40, help_text=_("e.g. UVA-ECO2041"))
    counts_as = forms.CharField(label=_("Counts as"), max_length=200)
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(
        label=_("Valid until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, programmes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes

    def clean_course_code(self):
        code = self.cleaned_data["course_code"].strip()
        courses = list(Course.objects.filter(code__iexact=code)[:2])
        if not courses:
            raise forms.ValidationError(_("No course with this code in the catalogue."))
        if len(courses) > 1:
            raise forms.ValidationError(_("Several institutions have a course with this code."))
        self.course = courses[0]
        return code
