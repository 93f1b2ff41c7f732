from django.urls import path

from billing import invoices_urls, views_settlement

app_name = "billing"

urlpatterns = [
    path("settlement/", views_settlement.zone_statement, name="settlement_zone"),
    path("settlement/zone.csv", views_settlement.zone_statement_csv, name="settlement_zone_csv"),
    path("settlement/tariffs/", views_settlement.tariffs, name="tariffs"),
    path("settlement/<slug:code>/", views_settlement.institution_statement, name="settlement"),
    path("settlement/<slug:code>.csv", views_settlement.institution_statement_csv, name="settlement_csv"),
    *invoices_urls.urlpatterns,
]
