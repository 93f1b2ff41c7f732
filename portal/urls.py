from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from accounts.views import language_set
from catalogue.views import home
from core import views

urlpatterns = [
    path("", home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # Before Django's own: a signed-in person's choice is remembered for their email as well.
    path("i18n/setlang/", language_set, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("catalogue/", include("catalogue.urls")),
    path("enrolment/", include("enrolment.urls")),
    path("results/", include("results.urls")),
    path("credentials/", include("credentials.urls")),
    path("billing/", include("billing.urls")),
    path("own-pace/", include("routes.own_pace.urls")),
    path("insights/", include("insights.urls")),
    path("notifications/", include("notifications.urls")),
    path("privacy/", include("privacy.urls")),
    path("webhooks/", include("webhooks.urls")),
    path("accounts/", include("accounts.urls")),
    path("ooapi/v5/", include("ooapi.provider.urls")),
    path("ooapi/imports/", include("ooapi.consumer.urls")),
    path("ooapi/connections/", include("ooapi.sync.urls")),
    path("ooapi/", include("ooapi.urls")),
    path("mijndiploma/", include("routes.mijndiploma.urls")),
    path("accounts/", include("allauth.urls")),
    path("_allauth/", include("allauth.headless.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI with its settings as a script of its own (?script), so the page needs no inline script.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="core/swagger_ui.html"),
        name="api-docs",
    ),
    # ReDoc sets its styles from script (styled-components), which only an inline-style allowance lets through,
    # and searches in a worker it makes from a blob: URL; scripts stay as strict as everywhere else. Its bundle
    # also shows Redocly's logo from their CDN: the policy blocks that image, and ReDoc then leaves it out.
    path(
        "api/redoc/",
        csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["blob:"]})(
            SpectacularRedocView.as_view(url_name="api-schema", template_name="core/redoc.html")
        ),
        name="api-redoc",
    ),
    # After the schema and docs: its last pattern answers every other /api/ address with a JSON 404.
    path("api/", include("portal.api_urls")),
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    # Before the admin's own URLs: the admin signs in through allauth (TOTP, rate limits), never with a bare password.
    path("admin/login/", views.admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
]

# allauth answers its rate-limited requests with this page (429 with Retry-After).
handler429 = "core.views.too_many_requests"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.STATIC_URL, document_root=settings.STATIC_ROOT)
