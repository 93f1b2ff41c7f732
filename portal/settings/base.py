"""Settings shared by every environment. Values come from the environment through django-environ.

The embedded default (SQLite, Celery tasks run eagerly in-process) applies only when neither
``DATABASE_URL`` nor ``REDIS_URL`` is set; see ``portal.settings.dev``.
"""

import warnings
from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "django.forms",  # its widget templates, for FORM_RENDERER below
    # third party
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and ReDoc as local static files: /api/docs/ names no other host
    "csp",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.mfa",
    "allauth.headless",
    "oauth2_provider",
    "django_celery_beat",
    # ours
    "core",
    "accounts",
    "institutions",
    "catalogue",
    "notifications",
    "enrolment",
    "results",
    "billing",
    "routes",
    "routes.own_pace",
    "routes.mijndiploma",
    "credentials",
    "ooapi",
    "insights",
    "privacy",
    "webhooks",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Every answer, static files included, carries the Content-Security-Policy (CONTENT_SECURITY_POLICY).
    "csp.middleware.CSPMiddleware",
    # Before anything reads the body: refuses one over PORTAL_MAX_REQUEST_BYTES (413), or chunked (411).
    "core.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside everything that can refuse a request: any error under /ooapi/v5/ leaves as problem+json.
    "ooapi.provider.middleware.ProblemJsonMiddleware",
    # Outside sessions and auth so its duration covers them and it sees every response they produce.
    "core.middleware.RequestLogMiddleware",
    # Gives every 429 that lacks one a Retry-After header (allauth's own 429 answers carry none).
    "core.middleware.RetryAfterMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # After authentication and messages: sends staff without TOTP to the setup page, and staff whose session has
    # not passed TOTP to the code prompt (PORTAL_REQUIRE_STAFF_MFA).
    "accounts.middleware.StaffMfaMiddleware",
    # After authentication: a student or learner meets the consent screen until they agreed to its current words.
    "privacy.middleware.ConsentMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "core.context_processors.portal",
            ],
        },
    },
]


# Form fields render the NL Design System's way: label, description, error next to the field, then the input.
FORM_RENDERER = "core.forms.PortalFormRenderer"


def database_from_env(default: str = "postgres://postgres@127.0.0.1:5432/flexportal") -> dict:
    """``DATABASE_URL`` as Django database settings; ``{}`` when it cannot be read (production refuses that)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # django-environ warns about an unknown scheme; the caller decides
            config = env.db("DATABASE_URL", default=default)
    except ValueError:  # e.g. a port that is not a number
        return {}
    return config if config.get("ENGINE") and config.get("NAME") else {}


# Database: PostgreSQL when DATABASE_URL is set; the dev settings fall back to SQLite.
DATABASES = {"default": database_from_env()}
# Kept connections are bounded by the number of gunicorn workers and Celery processes, one each. Never under
# the threaded runserver, which opens one per request thread (see portal.settings.dev).
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
if DATABASES["default"].get("ENGINE") == "django.db.backends.postgresql":
    # A typo such as "machne lerning" scores about 0.52 against "Machine Learning"; the default 0.6 misses it.
    # No JIT: its estimates take the dashboards' correlated subqueries (the settlement's tariff per request) as
    # costly, and at 100,000 requests it spent 1.8 s compiling a query that runs in 0.5 s (docs/benchmarks.md).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c pg_trgm.word_similarity_threshold=0.5 -c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_REDIRECT_URL = "/"
LOGIN_URL = "account_login"

# Internationalisation: Dutch first, English second; every user-facing string is translatable.
LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Redis: broker and cache.
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}

# Webhooks (docs/webhooks.md): deliver to loopback, private, link-local and reserved addresses? No in
# production (an endpoint URL must not reach the portal's own network); the test and dev settings allow it
# for their local receivers.
WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = env.bool("WEBHOOKS_ALLOW_PRIVATE_ADDRESSES", default=False)

# Celery
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fixup closes the database connection before and after every task unless this is set: a
# new PostgreSQL backend per task. With it the fixup closes them only every 500 tasks, and portal.celery gives
# tasks the lifecycle Django gives requests instead (CONN_MAX_AGE, health checks), closing at once any
# connection a task leaves mid-query or mid-transaction. The sync's throughput depends on it (docs/benchmarks.md).
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=500)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Read by django-celery-beat into its tables on start, so they also show (and can be paused) in the admin.
CELERY_BEAT_SCHEDULE = {
    "enrolment-seat-offers-lapse": {"task": "enrolment.tasks.lapse_seat_offers", "schedule": 60.0},
    "enrolment-lotteries-draw": {"task": "enrolment.tasks.draw_due_lotteries", "schedule": 60.0},
    # Queued admission: requests whose decision task was lost (broker restart, a worker gone) are queued again.
    "enrolment-queues-sweep": {"task": "enrolment.tasks.sweep_queues", "schedule": 30.0},
    "enrolment-waitlists-close": {"task": "enrolment.tasks.close_waitlists", "schedule": 300.0},
    "enrolment-home-deadlines": {"task": "enrolment.tasks.home_decision_deadlines", "schedule": 900.0},
    "enrolment-host-deadlines": {"task": "enrolment.tasks.host_decision_deadlines", "schedule": 900.0},
    # Those who chose a daily digest get their notifications of the day in one email, at 07:00.
    "notifications-daily-digest": {
        "task": "notifications.tasks.send_daily_digests",
        "schedule": crontab(hour=7, minute=0),
    },
    # Seats a partner's reservation kept, released unused: to the waitlist, in arrival order.
    "enrolment-waitlists-promote": {"task": "enrolment.tasks.promote_waitlists", "schedule": 300.0},
    # OOAPI: re-dispatch due or stuck outbox messages (and poll pending associations); import catalogues.
    "ooapi-outbox-sweep": {"task": "ooapi.sync.tasks.sweep_outbox", "schedule": 15.0},
    "ooapi-imports-due": {"task": "ooapi.consumer.tasks.import_due", "schedule": 300.0},
    # Personal data past its retention period (PRIVACY_RETENTION_DAYS): deleted or pseudonymised at night.
    "privacy-retention": {"task": "privacy.tasks.enforce_retention", "schedule": crontab(hour=3, minute=30)},
    # The dashboards' lead times, from the audit trail: incrementally, the requests with new events only.
    "insights-lead-times-refresh": {"task": "insights.tasks.refresh_lead_times", "schedule": 60.0},
    # The dashboards' request cube, recomputed whole when the audit trail has moved.
    "insights-cube-refresh": {"task": "insights.tasks.refresh_cube", "schedule": 60.0},
    # The dashboards' settlement cells, recomputed when the audit trail, the tariffs or the catalogue changed.
    "billing-settlement-cells-refresh": {"task": "billing.tasks.refresh_settlement_cells", "schedule": 60.0},
}

# Django REST framework and the OpenAPI schema
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "core.pagination.PortalPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "accounts.authentication.SessionTokenAuthentication",  # allauth's X-Session-Token, looked up once
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "PAGE_SIZE": 20,
    # Writes (POST, PUT, PATCH, DELETE) per user, or per client address when anonymous; the HTML enrol and
    # action forms share the same budget (portal/throttling.py). A 429 carries Retry-After.
    "DEFAULT_THROTTLE_CLASSES": ["core.throttling.WriteRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"writes": env("PORTAL_WRITE_RATE", default="30/min")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Flexportal API",
    "DESCRIPTION": "Joint catalogue and cross-enrolment of the zone's 21 institutions.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # One name for the request status wherever it appears (from/to in the timeline, the request itself).
    "ENUM_NAME_OVERRIDES": {
        "EnrolmentStatusEnum": "enrolment.models.Status",
        "ReasonCodeEnum": "enrolment.models.ReasonCode",
        "DenialReasonEnum": "enrolment.models.DENIAL_REASON_CHOICES",
        "GradeScaleEnum": "results.scales.SCALE_CHOICES",
        "PaymentStatusEnum": "billing.models_invoices.PaymentStatus",
    },
    # Every operation documents the error answers core.api.exception_handler gives (portal/schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.schema.document_error_responses",
    ],
    # Swagger UI and ReDoc from drf-spectacular-sidecar's static files, not from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No validator badge: Swagger UI would otherwise load an image from validator.swagger.io.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}

# allauth: email + password, SURFconext/eduID over OpenID Connect, TOTP for staff, headless API.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="optional")
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_STORE_TOKENS = False
SURFCONEXT_SERVER_URL = env("SURFCONEXT_SERVER_URL", default="https://connect.test.surfconext.nl")
SURFCONEXT_CLIENT_ID = env("SURFCONEXT_CLIENT_ID", default="")
SURFCONEXT_CLIENT_SECRET = env("SURFCONEXT_CLIENT_SECRET", default="")
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [
            {
                "provider_id": "surfconext",
                "name": "SURFconext / eduID",
                "client_id": SURFCONEXT_CLIENT_ID,
                "secret": SURFCONEXT_CLIENT_SECRET,
                "settings": {
                    "server_url": SURFCONEXT_SERVER_URL,
                    "token_auth_method": "client_secret_post",
                    "scope": ["openid", "email", "profile"],
                },
            }
        ],
    }
}
# Login rate limits (allauth's defaults, written out): a 429 with Retry-After for too many login attempts from one
# address; a clear lockout message (accounts/adapters.py) after too many failures from one address or for one
# account. Behind a proxy they count per client only when the proxy is trusted (below).
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "signup": "20/m/ip",
    "reauthenticate": "10/m/user",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
}
# The client's address as the proxy in front saw it. With N proxies of our own in front, the N-th address from
# the right in X-Forwarded-For is the client's; or a header the proxy sets to the client's address alone
# (e.g. X-Real-IP). Without either, every client behind the proxy shares the proxy's address, and one
# person's typos lock everyone out. Set only what your proxies really do: a client can write these headers too.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("ALLAUTH_TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env("ALLAUTH_TRUSTED_CLIENT_IP_HEADER", default=None) or None
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Flexportal"  # the name authenticator apps show, whatever host the portal runs on
# Staff must have TOTP set up before they may act; the demo switches this off and says so.
PORTAL_REQUIRE_STAFF_MFA = env.bool("PORTAL_REQUIRE_STAFF_MFA", default=True)
HEADLESS_ONLY = False
HEADLESS_CLIENTS = ("app", "browser")
# The session token looked up in one statement instead of two (accounts/tokens.py).
HEADLESS_TOKEN_STRATEGY = "accounts.tokens.SessionTokenStrategy"  # noqa: S105 (a class path, not a secret)
HEADLESS_FRONTEND_URLS = {}

# django-oauth-toolkit: client credentials for OOAPI peers and the test OIDC provider.
OAUTH2_PROVIDER = {
    "SCOPES": {
        "ooapi": "Read the OOAPI v5 endpoints",
        "ooapi.read": "OOAPI provider: read the catalogue",
        "persons.read": "OOAPI provider: read the person behind a token (own students)",
        "associations.read": "OOAPI provider: read enrolments of the client's institution",
        "associations.write": "OOAPI provider: report remoteState and results of those enrolments",
    },
    # A provider client gets no more than the scopes its ooapi.ProviderClient row grants.
    "SCOPES_BACKEND_CLASS": "ooapi.provider.scopes.ProviderClientScopes",
    # An OOAPI access token lives an hour at most (django-oauth-toolkit's default is ten hours).
    "ACCESS_TOKEN_EXPIRE_SECONDS": min(env.int("OOAPI_ACCESS_TOKEN_SECONDS", default=3600), 3600),
}

# Students and learners meet the consent screen at first login, and again when its words change (privacy.consent).
PRIVACY_CONSENT_REQUIRED = env.bool("PRIVACY_CONSENT_REQUIRED", default=True)

# How long each kind of personal data is kept, in days (core.privacy: each model's declaration names its kind);
# the privacy app's beat task deletes or pseudonymises older rows every night. Override per kind with
# PRIVACY_RETENTION_DAYS="notifications=180,record_reads=365"; 0 keeps a kind for ever.
PRIVACY_RETENTION_DAYS = {
    "notifications": 365,
    "record_reads": 730,
    "idempotency": 1,
    "request_motivations": 730,
    "sync_messages": 180,
} | {kind: int(days) for kind, days in env.dict("PRIVACY_RETENTION_DAYS", default={}).items()}

# Secrets stored in the database (OOAPI credentials) are encrypted with this Fernet key; derived from
# SECRET_KEY when unset. Generate one with: python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"
FIELD_ENCRYPTION_KEY = env("FIELD_ENCRYPTION_KEY", default="")

# Where the demo's connected institutions find their OOAPI system: the reference peer that `make run` and
# docker compose start (python manage.py run_ooapi_peer --port 8100).
OOAPI_DEMO_PEER_URL = env("OOAPI_DEMO_PEER_URL", default="http://127.0.0.1:8100")

# How long an enrolment command waits for a row someone else holds before it answers "busy, try again".
ENROLMENT_LOCK_TIMEOUT_MS = env.int("ENROLMENT_LOCK_TIMEOUT_MS", default=5000)
# Queued admission (issue #20): during a window, POST /api/enrolments/ records the request and answers 202; a
# Celery worker decides each offering's queue in batches. Off: submitted inline, as on the embedded default
# without a broker (settings.dev turns it off there) and in the test settings (the queue's tests turn it on).
ENROLMENT_QUEUED_ADMISSION = env.bool("ENROLMENT_QUEUED_ADMISSION", default=True)
# How long an offering's decision task waits after the first request it was queued for, so that requests
# arriving meanwhile are decided in the same batch (one lock, one write of moves and notifications).
ENROLMENT_QUEUE_BATCH_WINDOW_MS = env.int("ENROLMENT_QUEUE_BATCH_WINDOW_MS", default=500)
# The host's decision on a selection offering, as the home's has (HomeApprovalPolicy): days to decide, and
# after how many days its admissions staff are reminded; past the deadline it is escalated.
ENROLMENT_HOST_DECISION_DAYS = env.int("ENROLMENT_HOST_DECISION_DAYS", default=10)
ENROLMENT_HOST_REMINDER_DAYS = env.int("ENROLMENT_HOST_REMINDER_DAYS", default=5)

# Content-Security-Policy (django-csp) on every answer: scripts, styles, images, fonts and requests from this
# origin only; no inline script or style; no plugins; not framed. Forms post here, or to SURFconext's login.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],  # data: for the icons in Swagger UI's stylesheet
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF, "{0.scheme}://{0.netloc}".format(urlsplit(SURFCONEXT_SERVER_URL))],
    }
}

# Requests: a body larger than this is refused with 413 before it is read (core.middleware), chunked or not.
# Covers the largest upload (enrolment documents) with room for the multipart envelope.
PORTAL_MAX_REQUEST_BYTES = env.int("PORTAL_MAX_REQUEST_BYTES", default=10 * 1024 * 1024)

# Catalogue
CATALOGUE_PAGE_SIZE = 20
CATALOGUE_MAX_PAGE_SIZE = 100
CATALOGUE_MAX_QUERY_LENGTH = 200

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Flexportal <no-reply@flexportal.example>")
# Where the portal is reached from outside: links in emails start with it.
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default=f"http://localhost:{env('PORT', default='8000')}")
# Every URL inside an issued credential starts with PORTAL_BASE_URL too, and credentials keep them forever.
# The microcredentials pilot's size rule, in EC, both ends included.
CREDENTIALS_EC_RANGE = (env.float("CREDENTIALS_EC_MIN", default=3), env.float("CREDENTIALS_EC_MAX", default=30))

# Structured logging: one JSON object per line on stdout.
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s",
            # ISO 8601 in UTC ("2026-09-01T07:30:00.123000+00:00"): unambiguous across DST and hosts.
            "timestamp": "time",
            "rename_fields": {"levelname": "level", "name": "logger"},
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.utils.autoreload": {"level": "WARNING"},
    },
}

# Participation dashboards (insights/): counts of fewer students than this are hidden, and so is any count that
# could be worked out from the totals beside it (docs/insights.md).
INSIGHTS_SUPPRESSION_THRESHOLD = env.int("INSIGHTS_SUPPRESSION_THRESHOLD", default=5)
# How old (seconds) the dashboards' request cube may be before a dashboard read refreshes it itself (beat
# refreshes it every minute); the page says when its figures were counted.
INSIGHTS_CUBE_MAX_AGE = env.int("INSIGHTS_CUBE_MAX_AGE", default=60)
# The same for the settlement cells the dashboards sum (billing.SettlementCell); statements are always live.
SETTLEMENT_CELLS_MAX_AGE = env.int("SETTLEMENT_CELLS_MAX_AGE", default=60)
