"""The test suite: always real PostgreSQL and Redis (defaults 127.0.0.1:5432 and :6379)."""

from .base import *  # noqa: F403
from .base import INSTALLED_APPS, env

# The benchmarks and their command: for development and tests, never installed in production.
INSTALLED_APPS = [*INSTALLED_APPS, "bench"]

SECRET_KEY = "test-only-key"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["*"]
DATABASES = {"default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/flexportal")}
# Closed after each request and task; a worker test that shows connections being reused sets a maximum age.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("TEST_CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # as in production: a kept connection is checked before reuse
# Separate names let several suites run side by side on one server (e.g. two checkouts).
DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME", default="test_flexportal")}
DATABASES["default"]["OPTIONS"] = {"options": "-c pg_trgm.word_similarity_threshold=0.5 -c jit=off"}  # as in base
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/15")
# The broker gets a database of its own: tests clear the cache (FLUSHDB), which must not drop queued tasks.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL.rsplit("/", 1)[0] + "/14")
# `make test` runs the suite in two pytest-xdist workers (gw0, gw1; a Celery worker a test starts inherits
# the name). pytest-django gives each its own test database; the second gets Redis databases of its own
# too, 10 and 9, clear of the first's and of the benchmarks' (11, 13); tests/ooapi_import keeps its cache in 12
# (gw0) and 8 (gw1).
if env("PYTEST_XDIST_WORKER", default="gw0") != "gw0":
    REDIS_URL = REDIS_URL.rsplit("/", 1)[0] + "/10"
    CELERY_BROKER_URL = CELERY_BROKER_URL.rsplit("/", 1)[0] + "/9"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ACCOUNT_EMAIL_VERIFICATION = "none"
PORTAL_REQUIRE_STAFF_MFA = False
# Off for the tests of everything else; tests/privacy turns it on for the consent screen's own tests.
PRIVACY_CONSENT_REQUIRED = False
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.locmem.EmailBackend")
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default="")
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# Static files straight from the source folders: no collectstatic needed for the live-server tests.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# The webhook tests deliver to a receiver on 127.0.0.1.
WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True

# Requests are submitted inline, as the suite's many enrolment tests expect; the queue's own tests turn
# queued admission on (tests/enrolment/test_queued_admission.py, the browser test of the queue).
ENROLMENT_QUEUED_ADMISSION = False

# The dashboards count what a test has just written: a read refreshes the request cube whenever the audit
# trail has moved (tests/insights/test_cube.py checks the production age on its own).
INSIGHTS_CUBE_MAX_AGE = 0
SETTLEMENT_CELLS_MAX_AGE = 0
