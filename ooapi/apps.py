from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OoapiConfig(AppConfig):
    name = "ooapi"
    verbose_name = _("Open Education API (OOAPI v5)")

    def ready(self) -> None:
        # Enrolment tells connected institutions' systems through this gateway; it never imports ooapi.
        from enrolment.gateway import gateway_register
        from ooapi import tasks  # noqa: F401 (the outbox and the imports queue their tasks by name)
        from ooapi.sync.hooks import OoapiGateway

        gateway_register(OoapiGateway())
