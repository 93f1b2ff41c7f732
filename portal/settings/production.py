"""Production. Every secret and every address comes from the environment; none has a default here.

``python manage.py check --deploy`` passes with zero warnings given realistic values, e.g.::

    SECRET_KEY=... ALLOWED_HOSTS=flexportal.nl DATABASE_URL=postgres://... REDIS_URL=redis://...

Without them the process refuses to start: the ``ImproperlyConfigured`` it raises says which variable
is missing and why. See docs/operations.md for every variable.
"""

import os

from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import BASE_DIR, DATABASES, OAUTH2_PROVIDER, STORAGES, env


def _refuse(message: str) -> None:
    # Raised while settings load, so manage.py, gunicorn and celery all stop with this on stderr.
    raise ImproperlyConfigured(f"Flexportal refuses to start: {message}")


SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure-"):
    # A missing or weak key would make sessions, password resets and signed tokens forgeable.
    _refuse(
        "SECRET_KEY is missing or too weak. Production needs a random secret of at least 50 characters "
        "in the environment, e.g. "
        "SECRET_KEY=$(python -c 'import secrets; print(secrets.token_urlsafe(64))')"
    )

# Secrets stored in the database (the OOAPI credentials) are encrypted with a key of their own. Derived from
# SECRET_KEY instead, rotating SECRET_KEY would silently leave them unreadable (read as empty).
FIELD_ENCRYPTION_KEY = env("FIELD_ENCRYPTION_KEY", default="")
try:
    Fernet(FIELD_ENCRYPTION_KEY.encode())
except (ValueError, TypeError):
    _refuse(
        "FIELD_ENCRYPTION_KEY is missing or not a Fernet key. Production encrypts stored credentials with a key "
        "of its own, so that rotating SECRET_KEY keeps them readable, e.g. FIELD_ENCRYPTION_KEY=$(python -c "
        "'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')"
    )

# base.py falls back to local PostgreSQL and Redis for development; production must be told where they are.
for _name, _why in (
    ("ALLOWED_HOSTS", "the host names this site answers to, comma-separated, e.g. ALLOWED_HOSTS=flexportal.nl"),
    ("DATABASE_URL", "the PostgreSQL database, e.g. DATABASE_URL=postgres://user:password@db:5432/flexportal"),
    ("REDIS_URL", "Redis for the cache and the Celery broker, e.g. REDIS_URL=redis://redis:6379/0"),
):
    if not os.environ.get(_name):
        _refuse(f"{_name} is not set. Production needs {_why}")

if DATABASES["default"].get("ENGINE") != "django.db.backends.postgresql":
    # Never echo the value: it carries the database password.
    _refuse(
        "DATABASE_URL is not a PostgreSQL URL the portal can read (a missing scheme, host or database name, a "
        "port that is not a number, or another database engine). Production needs e.g. "
        "DATABASE_URL=postgres://user:password@db:5432/flexportal (percent-encode special characters in the password)"
    )

DEBUG = False
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

# Fail a connection attempt after a few seconds instead of hanging a worker (and /healthz) for minutes.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=3)
    )

# The client's address for login rate limits: production runs behind one TLS-terminating proxy of its own by
# default, so the last X-Forwarded-For entry (the one that proxy added) is the client's. See docs/operations.md.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("ALLAUTH_TRUSTED_PROXY_COUNT", default=1)

# Collected once into the image at build time (see the Dockerfile) and served by WhiteNoise.
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STORAGES["staticfiles"] = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}

# TLS normally ends at a proxy in front of gunicorn, which must set X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Health probes speak plain HTTP to the container; a redirect would read as "down".
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# django-oauth-toolkit: adopt the RFC 9700 (OAuth 2.0 Security BCP) behaviour now rather than at its 4.0
# default flip: no implicit or password grant, S256 PKCE only, tokens only in headers, hashed at rest,
# refresh-token replay revokes the family, https redirect URIs only.
OAUTH2_PROVIDER = {
    **OAUTH2_PROVIDER,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
}

# Let Django's LOGGING (JSON lines on stdout) format the worker's and beat's logs too.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Outgoing mail, e.g. EMAIL_URL=smtp+tls://user:password@smtp.example.nl:587; base.py's console backend otherwise.
if env("EMAIL_URL", default=""):
    globals().update(env.email_url("EMAIL_URL"))

PORTAL_REQUIRE_STAFF_MFA = env.bool("PORTAL_REQUIRE_STAFF_MFA", default=True)
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
