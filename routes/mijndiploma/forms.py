from django import forms
from django.utils.translation import gettext_lazy as _

from catalogue.models import Level, Theme


class RulesForm(forms.Form):
    ec_min = forms.DecimalField(label=_("Minimum total EC"), min_value=0, max_value=999, decimal_places=1)
    ec_max = forms.DecimalField(label=_("Maximum total EC"), min_value=1, max_value=999, decimal_places=1)
    outside_home_max = forms.DecimalField(
        label=_("Maximum EC outside the home institution"), min_value=0, max_value=999, decimal_places=1
    )
    core_courses = forms.MultipleChoiceField(
        label=_("Required core courses"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, courses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["core_courses"].choices = [(str(c.pk), f"{c.code} {c.title}") for c in courses]
        for value, label in Level.choices:
            self.fields[f"level_{value}"] = forms.DecimalField(
                label=_("Minimum EC at level %(level)s") % {"level": label},
                min_value=0,
                max_value=999,
                decimal_places=1,
                required=False,
            )

    def level_minimums(self) -> dict:
        return {
            value: self.cleaned_data[f"level_{value}"]
            for value in Level.values
            if self.cleaned_data.get(f"level_{value}") not in (None, 0)
        }


class PortfolioForm(forms.Form):
    title_nl = forms.CharField(label=_("Title (Dutch)"), max_length=200)
    title_en = forms.CharField(label=_("Title (English)"), max_length=200)
    description_nl = forms.CharField(
        label=_("Description (Dutch)"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    description_en = forms.CharField(
        label=_("Description (English)"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    theme = forms.ModelChoiceField(label=_("Theme"), queryset=Theme.objects.all(), required=False)
    offerings = forms.CharField(
        label=_("Offerings"),
        required=False,
        help_text=_(
            "The offerings' numbers, as in their catalogue address (/catalogue/offerings/<number>/), separated by commas."
        ),
    )
    is_published = forms.BooleanField(label=_("Published for students"), required=False)

    def offering_ids(self) -> list[str]:
        return [part.strip() for part in self.cleaned_data["offerings"].split(",") if part.strip()]
