from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResultsConfig(AppConfig):
    name = "results"
    verbose_name = _("Results and recognition")

    def ready(self) -> None:
        # A standing recognition decision approves a request at home without staff.
        from enrolment.services.approval import recogniser_register
        from notifications.kinds import kind_register
        from results.messages import notification_title
        from results.services.recognition import precedent_recognises

        recogniser_register(precedent_recognises)
        kind_register("results.", notification_title)
