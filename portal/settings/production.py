"""Production. Every secret and every address comes from the environment; none has a default here.

``python manage.py check --deploy`` passes with zero warnings given realistic values, e.g.::

    SECRET_KEY=... ALLOWED_HOSTS=flexportal.nl DATABASE_URL=postgres://... REDIS_URL=redis://...

Without them the process refuses to start and says which variable is missing and why (on stderr, and
in the ``ImproperlyConfigured`` it raises). See docs/operations.md for every variable.
"""

import os
import sys

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, STORAGES, env


def _refuse(message: str) -> None:
    # Printed as well as raised: a container log shows the first line of stderr even when the
    # traceback is cut off.
    print(f"Flexportal: {message}", file=sys.stderr)
    raise ImproperlyConfigured(message)


SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure-"):
    # A missing or weak key would make sessions, password resets and signed tokens forgeable.
    _refuse(
        "SECRET_KEY is missing or too weak. Production refuses to start without a random secret of "
        "at least 50 characters, set in the environment, e.g. "
        "SECRET_KEY=$(python -c 'import secrets; print(secrets.token_urlsafe(64))')"
    )

# base.py falls back to local PostgreSQL and Redis for development; production must be told where they are.
for _name, _why in (
    ("ALLOWED_HOSTS", "the host names this site answers to, comma-separated, e.g. ALLOWED_HOSTS=flexportal.nl"),
    ("DATABASE_URL", "the PostgreSQL database, e.g. DATABASE_URL=postgres://user:password@db:5432/flexportal"),
    ("REDIS_URL", "Redis for the cache and the Celery broker, e.g. REDIS_URL=redis://redis:6379/0"),
):
    if not os.environ.get(_name):
        _refuse(f"{_name} is not set. Production needs {_why}")

DEBUG = False
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

# Fail a connection attempt after a few seconds instead of hanging a worker (and /healthz) for minutes.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=3)
    )

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

# Let Django's LOGGING (JSON lines on stdout) format the worker's and beat's logs too.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

PORTAL_REQUIRE_STAFF_MFA = env.bool("PORTAL_REQUIRE_STAFF_MFA", default=True)
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
