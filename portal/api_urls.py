from django.urls import path, re_path
from rest_framework.routers import DefaultRouter

from billing import apis_settlement as settlement_apis
from billing import invoices_apis
from catalogue import apis as catalogue_apis
from core.views import api_not_found
from credentials import apis as credentials_apis
from enrolment import apis as enrolment_apis
from insights import apis as insights_apis
from privacy import apis as privacy_apis
from results import apis as results_apis
from routes.mijndiploma import apis as mijndiploma_apis
from routes.own_pace import apis as own_pace_apis


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
router.register("settlement/tariffs", settlement_apis.TariffViewSet, basename="settlement-tariff")
router.register("mijndiploma/versions", mijndiploma_apis.VersionViewSet, basename="mijndiploma-version")
router.register("mijndiploma/portfolios", mijndiploma_apis.PortfolioViewSet, basename="mijndiploma-portfolio")

urlpatterns = [
    path("transcript/", results_apis.TranscriptView.as_view(), name="transcript"),
    path("credentials/verify/", credentials_apis.VerifyView.as_view(), name="credentials-verify"),
    path("privacy/export/", privacy_apis.ExportView.as_view(), name="privacy-export"),
    path("settlement/statement/", settlement_apis.StatementView.as_view(), name="settlement-statement"),
    path("own-pace/plan/", own_pace_apis.PlanView.as_view(), name="own-pace-plan"),
    path("own-pace/plan/<int:pk>/", own_pace_apis.PlannedCourseView.as_view(), name="own-pace-planned"),
    path("own-pace/contracts/", own_pace_apis.ContractListView.as_view(), name="own-pace-contracts"),
    path("own-pace/contracts/<int:pk>/change/", own_pace_apis.ContractChangeView.as_view(), name="own-pace-change"),
    path("own-pace/contracts/<int:pk>/agree/", own_pace_apis.ContractAgreeView.as_view(), name="own-pace-agree"),
    path("own-pace/ledger/", own_pace_apis.LedgerView.as_view(), name="own-pace-ledger"),
    path("mijndiploma/programme/", mijndiploma_apis.ProgrammeView.as_view(), name="mijndiploma-programme"),
    path("mijndiploma/new-version/", mijndiploma_apis.NewVersionView.as_view(), name="mijndiploma-new-version"),
    path("mijndiploma/items/<int:pk>/enrol/", mijndiploma_apis.EnrolView.as_view(), name="mijndiploma-enrol"),
    path("insights/zone/", insights_apis.ZoneDashboardView.as_view(), name="insights-zone"),
    path("insights/zone/<slug:key>/", insights_apis.ZonePanelView.as_view(), name="insights-zone-panel"),
    path(
        "insights/institutions/<slug:code>/",
        insights_apis.InstitutionDashboardView.as_view(),
        name="insights-institution",
    ),
    path(
        "insights/institutions/<slug:code>/<slug:key>/",
        insights_apis.InstitutionPanelView.as_view(),
        name="insights-institution-panel",
    ),
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
