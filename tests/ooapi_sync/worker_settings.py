"""Settings of the Celery worker and beat processes the sync tests start (``DJANGO_SETTINGS_MODULE``).

The test settings, plus what a test passes in the environment: the sync's tunables
(``OOAPI_SYNC_TEST_CONFIG``, JSON, the same dict the test process uses), the tasks module to load, a beat
schedule that sweeps every half second, and optionally a short broker visibility timeout (the SIGKILL test:
Redis hands an unacknowledged task to another worker only after it).
"""

import json
import os

from portal.settings.test import *  # noqa: F403

CELERY_IMPORTS = ("ooapi.sync.tasks",)
OOAPI_SYNC = json.loads(os.environ.get("OOAPI_SYNC_TEST_CONFIG", "{}"))
# The queue the test's worker consumes and beat sends to. A worker whose OOAPI_SYNC has no queue sends the
# sync's follow-up tasks to the queue of the task at hand (``ooapi.sync.outbox.task_queue``).
_QUEUE = os.environ.get("OOAPI_SYNC_TEST_QUEUE") or OOAPI_SYNC.get("queue", "ooapi_sync")
CELERY_BEAT_SCHEDULE = {
    "ooapi-sync-sweep": {
        "task": "ooapi.sync.tasks.sweep_outbox",
        "schedule": float(os.environ.get("OOAPI_SYNC_TEST_SWEEP_SECONDS", "0.5")),
        "options": {"queue": _QUEUE, "expires": 5},
    }
}
if os.environ.get("OOAPI_SYNC_TEST_VISIBILITY_TIMEOUT"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": float(os.environ["OOAPI_SYNC_TEST_VISIBILITY_TIMEOUT"]),
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }
