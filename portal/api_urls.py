from django.urls import path, re_path
from rest_framework.routers import DefaultRouter

from billing import invoices_apis
from catalogue import apis as catalogue_apis
from core.views import api_not_found
from credentials import apis as credentials_apis
from enrolment import apis as enrolment_apis
from results import apis as results_apis


class JsonOnlyRouter(DefaultRouter):
    """No ``.json``-style format-suffix routes: the API speaks JSON, and there are half as many URLs to guard."""

    include_format_suffixes = False


router = JsonOnlyRouter()
router.register("institutions", catalogue_apis.InstitutionViewSet, basename="institution")
router.register("courses", catalogue_apis.CourseViewSet, basename="course")
router.register("offerings", catalogue_apis.OfferingViewSet, basename="offering")
router.register("enrolments", enrolment_apis.EnrolmentViewSet, basename="enrolment")
router.register("results", results_apis.ResultViewSet, basename="result")
router.register("recognitions", results_apis.RecognitionViewSet, basename="recognition")
router.register("precedents", results_apis.PrecedentViewSet, basename="precedent")
router.register("conversion-tables", results_apis.ConversionTableViewSet, basename="conversion-table")

urlpatterns = [
    path("transcript/", results_apis.TranscriptView.as_view(), name="transcript"),
    path("credentials/verify/", credentials_apis.VerifyView.as_view(), name="credentials-verify"),
    path("modules/registrations/", invoices_apis.ModuleRegistrationsView.as_view(), name="modules-registrations"),
    path("modules/stackable/", invoices_apis.StackableProgressView.as_view(), name="modules-stackable"),
    path("modules/invoices/", invoices_apis.MyInvoicesView.as_view(), name="modules-invoices"),
    path("modules/host-invoices/", invoices_apis.HostInvoicesView.as_view(), name="modules-host-invoices"),
    path(
        "modules/host-invoices/<str:public_id>/payment-status/",
        invoices_apis.PaymentStatusView.as_view(),
        name="modules-payment-status",
    ),
    *router.urls,
    # Anything else under /api/ is a JSON 404 in the API's error shape, not Django's HTML page.
    re_path(r"^.*$", api_not_found, name="api-not-found"),
]
