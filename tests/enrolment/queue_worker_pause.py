"""Loaded by the SIGKILL test's first worker (``celery worker --include``): a lifecycle subscriber that, once
a batch has written its moves and their audit rows (subscribers run at the end of the batch's
``moves_together`` block, inside its transaction, before the commit), writes a marker file and sleeps, so the
test can kill the worker in the middle of the batch. Only in a worker whose environment names the file."""

import os
import time
from pathlib import Path

from enrolment import lifecycle

PAUSE_FILE = os.environ.get("ENROLMENT_QUEUE_TEST_PAUSE_FILE")


def _pause(events) -> None:
    if PAUSE_FILE and not Path(PAUSE_FILE).exists():
        Path(PAUSE_FILE).write_text(f"{len(events)}\n")
        time.sleep(120)


lifecycle.subscribe(_pause)
