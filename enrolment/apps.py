from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnrolmentConfig(AppConfig):
    name = "enrolment"
    verbose_name = _("Cross-enrolment")

    def ready(self) -> None:
        # Side effects subscribe to the lifecycle; the lifecycle imports none of them.
        from enrolment import subscribers

        subscribers.register()
