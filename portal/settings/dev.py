"""Development and the demo (``make run``).

Without ``DATABASE_URL`` and ``REDIS_URL`` the portal uses an embedded default: SQLite in ``var/``,
an in-memory cache, and Celery tasks run eagerly in-process. With them set, it uses PostgreSQL and a
real worker. ``core.apps.CoreConfig`` says which on start.
"""

import os
import sys

from .base import *  # noqa: F403
from .base import BASE_DIR, DATABASES, INSTALLED_APPS, env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-never-used-in-production")  # noqa: S105

# The benchmarks and their command: for development and tests, never installed in production.
INSTALLED_APPS = [*INSTALLED_APPS, "bench"]

EMBEDDED_DATABASE = "DATABASE_URL" not in os.environ
EMBEDDED_BROKER = "REDIS_URL" not in os.environ

if EMBEDDED_DATABASE:
    (BASE_DIR / "var").mkdir(exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env("SQLITE_PATH", default=str(BASE_DIR / "var" / "db.sqlite3")),
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"},
        }
    }
elif "runserver" in sys.argv:
    # runserver serves each request on a thread of its own and never closes a thread's kept connection: with
    # CONN_MAX_AGE it left one PostgreSQL backend per request until the server ran out. `make run` on PostgreSQL
    # serves through gunicorn instead (python manage.py serve), one kept connection per worker.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
if EMBEDDED_BROKER:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
    CELERY_BROKER_URL = "memory://"
    # No broker, no worker: a request is submitted inline, in the web request, as before queued admission.
    ENROLMENT_QUEUED_ADMISSION = False

# The demo runs without TOTP for staff so that the listed logins work at once; production requires it.
PORTAL_REQUIRE_STAFF_MFA = env.bool("PORTAL_REQUIRE_STAFF_MFA", default=False)
ACCOUNT_EMAIL_VERIFICATION = "none"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Local webhook receivers in development.
WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = env.bool("WEBHOOKS_ALLOW_PRIVATE_ADDRESSES", default=True)
