"""Every form of the portal renders its fields the NL Design System's way (``FORM_RENDERER``).

One field template (``templates/forms/field.html``) gives each field the same order: label, description, error,
then the input, with ``aria-describedby`` naming the description and the error and ``aria-invalid`` on an input
that has one. The bound field adds the components' class names to the widgets, so no form or template has to.
"""

from __future__ import annotations

from django import forms
from django.forms.renderers import TemplatesSetting
from django.forms.widgets import Input

# The NL Design System component of each kind of widget: (class names, the modifier added when invalid).
_TEXTBOX = ("utrecht-textbox utrecht-textbox--html-input", "utrecht-textbox--invalid")
WIDGET_CLASSES: list[tuple[type[forms.Widget], tuple[str, str]]] = [
    (forms.RadioSelect, ("utrecht-radio-button utrecht-radio-button--html-input", "utrecht-radio-button--invalid")),
    (forms.CheckboxSelectMultiple, ("utrecht-checkbox utrecht-checkbox--html-input", "utrecht-checkbox--invalid")),
    (forms.CheckboxInput, ("utrecht-checkbox utrecht-checkbox--html-input", "utrecht-checkbox--invalid")),
    (forms.Select, ("utrecht-select utrecht-select--html-select", "utrecht-select--invalid")),
    (forms.Textarea, ("utrecht-textarea utrecht-textarea--html-textarea", "utrecht-textarea--invalid")),
    (forms.FileInput, ("", "")),
    (Input, _TEXTBOX),
]


def widget_classes(widget: forms.Widget, *, invalid: bool) -> str:
    for kind, (names, invalid_modifier) in WIDGET_CLASSES:
        if isinstance(widget, kind):
            return f"{names} {invalid_modifier}".strip() if invalid else names
    return ""


class RadioSelect(forms.RadioSelect):
    """Radio buttons as the NL Design System lays them out: each option a form field, the input before its label."""

    template_name = "forms/widgets/radio.html"


class PortalBoundField(forms.BoundField):
    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if isinstance(widget, forms.RadioSelect) and widget.template_name == forms.RadioSelect.template_name:
            # Any form's radio buttons, not only those declared with ``RadioSelect`` above: Django's own template
            # would put the radio's class names on the group's container and squeeze the labels beside it.
            widget.template_name = RadioSelect.template_name
        names = widget_classes(widget, invalid=bool(self.errors))
        if names:
            attrs["class"] = f"{attrs['class']} {names}" if attrs.get("class") else names
        return attrs


class PortalFormRenderer(TemplatesSetting):
    """Django's own form templates, with the portal's field template and bound field."""

    field_template_name = "forms/field.html"
    bound_field_class = PortalBoundField
