"""Own pace's forms. They parse; the services decide (their refusals are shown on the form)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from institutions.models import Institution


class PlanCourseForm(forms.Form):
    institution = forms.ModelChoiceField(
        label=_("Institution"),
        queryset=Institution.objects.order_by("short_name"),
        help_text=_("Where the course is taught: your own institution or another in the zone."),
    )
    code = forms.CharField(label=_("Course code"), max_length=40, help_text=_("As in the catalogue, e.g. UU-INF-101."))
    period = forms.ModelChoiceField(label=_("Period"), queryset=None, help_text=_("A period of your own calendar."))

    def __init__(self, *args, periods, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].queryset = periods
        self.fields["period"].label_from_instance = lambda p: f"{p.academic_year.name} · {p.name}"


class ContractProposeForm(forms.Form):
    academic_year = forms.ModelChoiceField(label=_("Academic year"), queryset=None)
    # A decimal field on purpose: a fractional or negative number reaches the service, whose message says why.
    ec = forms.DecimalField(label=_("EC for the year"), max_digits=6, decimal_places=2)

    def __init__(self, *args, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["academic_year"].queryset = years
        self.fields["academic_year"].label_from_instance = lambda y: y.name


class ContractChangeForm(forms.Form):
    ec = forms.DecimalField(label=_("New EC for the year"), max_digits=6, decimal_places=2)
    reason = forms.CharField(
        label=_("Why do you change it?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
