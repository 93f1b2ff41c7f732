"""Settings of the Celery worker the queued-admission tests start (``DJANGO_SETTINGS_MODULE``): the test
settings, a short broker visibility timeout (Redis hands an unacknowledged task to another worker after it:
the SIGKILL test), and, with ``ENROLMENT_QUEUE_TEST_PAUSE_FILE`` set, the pause of ``queue_worker_pause``."""

import os

from portal.settings.test import *  # noqa: F403

CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": float(os.environ.get("ENROLMENT_QUEUE_TEST_VISIBILITY_TIMEOUT", "3")),
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
