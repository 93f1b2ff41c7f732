"""The forms of the module pages: invoice data at registration, and the staff's payment status."""

from django import forms
from django.utils.translation import gettext_lazy as _

from billing.models_invoices import PaymentStatus


class InvoiceDataForm(forms.Form):
    """What the form checks is only the shape; the service checks the rest (VAT format, lengths) once."""

    name = forms.CharField(label=_("Name on the invoice"), max_length=200)
    organisation = forms.CharField(label=_("Organisation"), max_length=200, required=False)
    vat_number = forms.CharField(
        label=_("VAT number"), max_length=24, required=False, help_text=_("For example NL123456789B01.")
    )
    po_reference = forms.CharField(label=_("Purchase order reference"), max_length=60, required=False)
    address = forms.CharField(label=_("Invoice address"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class PaymentStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Payment status"), choices=PaymentStatus.choices)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
