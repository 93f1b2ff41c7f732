from billing import invoices_urls

app_name = "billing"

urlpatterns = [
    *invoices_urls.urlpatterns,
]
