"""Every form's radio buttons are laid out the NL Design System's way, whichever widget class the form names."""

from django import forms

from enrolment.forms import EnrolForm


class Plain(forms.Form):
    choice = forms.ChoiceField(
        choices=[("a", "A long label that must not be squeezed"), ("b", "B")], widget=forms.RadioSelect
    )


def test_django_radio_select_renders_one_form_field_per_option():
    html = str(Plain()["choice"].as_field_group())
    assert html.count('class="utrecht-form-field utrecht-form-field--radio"') == 2
    assert 'id="id_choice" class="radio-group"' in html  # the container carries no radio-button class
    assert 'class="utrecht-radio-button utrecht-radio-button--html-input" id="id_choice_0"' in html


def test_the_enrol_forms_routes_are_laid_out_as_radio_fields():
    form = EnrolForm(offering_id=1, routes=["off_the_beaten_path", "my_diploma"])
    html = str(form["route"].as_field_group())
    assert html.count("utrecht-form-field--radio") == 2 and 'class="radio-group"' in html
