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
        # Say which backends are in use when serving, so nobody mistakes the demo for the real stack. Once:
        # runserver's reloader imports the project in two processes, and only the child serves.
        if len(sys.argv) > 1 and sys.argv[1] in ("runserver", "serve") and _serving_process():
            if getattr(settings, "EMBEDDED_DATABASE", False):
                logger.warning("DATABASE_URL is not set: using the embedded SQLite database in var/db.sqlite3")
            if getattr(settings, "EMBEDDED_BROKER", False):
                logger.warning("REDIS_URL is not set: Celery tasks run eagerly in-process, no worker needed")
            if not settings.PORTAL_REQUIRE_STAFF_MFA:
                logger.warning("Staff MFA (TOTP) is switched off for this demo; production requires it")


def _serving_process() -> bool:
    return "--noreload" in sys.argv or os.environ.get("RUN_MAIN") == "true"
