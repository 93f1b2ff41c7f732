from django import forms
from django.utils.translation import gettext_lazy as _

from billing.models_settlement import TariffBasis
from institutions.models import Institution


class YearForm(forms.Form):
    year = forms.ChoiceField(label=_("Academic year"), required=False)

    def __init__(self, *args, years: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, y) for y in years]


class TariffForm(forms.Form):
    """A new tariff. The rate and validity are checked by ``billing.services.settlement.tariff_create``, once."""

    payer = forms.ModelChoiceField(
        label=_("Paying institution (the student's home)"), queryset=Institution.objects.order_by("short_name")
    )
    payee = forms.ModelChoiceField(
        label=_("Paid institution (the host)"), queryset=Institution.objects.order_by("short_name")
    )
    basis = forms.ChoiceField(label=_("Basis"), choices=TariffBasis.choices)
    rate = forms.CharField(label=_("Rate (EUR)"), max_length=16, help_text=_("e.g. 45.50"))
    academic_year = forms.ChoiceField(
        label=_("Academic year"),
        required=False,
        help_text=_("The host's academic year; or leave it empty and give dates."),
    )
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty: until further notice."),
    )

    def __init__(self, *args, years: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["academic_year"].choices = [("", "—")] + [(y, y) for y in years]
