import logging
import os
import sys

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger("portal")


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # A bare ``runserver`` says which backends are in use, so nobody mistakes the demo for the real stack:
        # once, in the child that serves (the reloader's parent never does). ``make run``'s ``serve`` says it
        # itself, once, before its server (and runserver's reloader, or gunicorn's workers) starts.
        if len(sys.argv) > 1 and sys.argv[1] == "runserver" and _serving_process():
            for note in startup_notes():
                logger.warning(note)


def startup_notes() -> list[str]:
    """What a developer must know about this server before trusting it: the demo's shortcuts."""
    notes = []
    if getattr(settings, "EMBEDDED_DATABASE", False):
        notes.append("DATABASE_URL is not set: using the embedded SQLite database in var/db.sqlite3")
    if getattr(settings, "EMBEDDED_BROKER", False):
        notes.append("REDIS_URL is not set: Celery tasks run eagerly in-process, no worker needed")
    if not settings.PORTAL_REQUIRE_STAFF_MFA:
        notes.append("Staff MFA (TOTP) is switched off for this demo; production requires it")
    return notes


def _serving_process() -> bool:
    return "--noreload" in sys.argv or os.environ.get("RUN_MAIN") == "true"
