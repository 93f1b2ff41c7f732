from django.urls import path

from billing import invoices_views

urlpatterns = [
    path("modules/", invoices_views.modules, name="modules"),
    path("modules/register/<int:offering_id>/", invoices_views.module_register_page, name="module_register"),
    path("modules/invoices/<str:public_id>/", invoices_views.invoice, name="invoice"),
    path("modules/staff/invoices/", invoices_views.staff_invoices, name="staff_invoices"),
    path(
        "modules/staff/invoices/<str:public_id>/status/",
        invoices_views.staff_invoice_status,
        name="staff_invoice_status",
    ),
]
