"""Benchmarks that drive a live server (``manage.py bench enrolment_burst``): production, on loopback.

Everything production does on the measured path stays: DEBUG off, PostgreSQL with persistent
connections, the Redis broker (notifications are queued after commit), the session store, allauth,
staff MFA enforcement, the JSON request log. The scenario starts gunicorn with these settings and passes
the production variables (``SECRET_KEY``, ``ALLOWED_HOSTS``, ``DATABASE_URL``, ``REDIS_URL``) itself.

What differs, and why:

* plain HTTP on 127.0.0.1: no TLS redirect, no secure-only cookies;
* ``ROOT_URLCONF`` adds the bare one-INSERT view the scenario measures as its floor
  (``portal.bench_urls``); the production URLconf never has it;
* logging in the benchmark's students is set-up, not the measurement: a fast password hasher and no
  login rate limit (all of them log in from one address) make 2,000 logins take seconds, not minutes;
* static files from the source folders (no ``collectstatic`` manifest needed; the API renders none).
"""

import json

from .production import *  # noqa: F403
from .production import STORAGES, env

ALLOWED_HOSTS = ["127.0.0.1"]
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False

ROOT_URLCONF = "portal.bench_urls"
INSTALLED_APPS = [*INSTALLED_APPS, "bench"]

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ACCOUNT_RATE_LIMITS = False

# The scenario gives each run a Celery queue of its own, which no worker consumes: it counts the messages
# queued after commit, then removes the queue.
CELERY_TASK_DEFAULT_QUEUE = env("BENCH_CELERY_QUEUE", default="bench-burst")
# Queued admission's decisions go to a queue of their own, which the scenario's worker consumes (and nothing
# else: notifications stay queued in the run's queue, counted as before).
CELERY_TASK_ROUTES = {"enrolment.tasks.decide_queue": {"queue": env("BENCH_DECIDE_QUEUE", default="bench-decide")}}

# ``bench sync`` passes the sync's tunables it measures (batch size, concurrency) to its workers.
OOAPI_SYNC = json.loads(env("BENCH_OOAPI_SYNC", default="{}"))

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
WHITENOISE_USE_FINDERS = True
