from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResultsConfig(AppConfig):
    name = "results"
    verbose_name = _("Results and recognition")

    def ready(self) -> None:
        from enrolment.selectors import precedent_finder_register
        from enrolment.services.approval import recogniser_register
        from notifications.kinds import kind_register
        from results.messages import notification_title
        from results.selectors import precedents_matching
        from results.services.recognition import precedent_recognises

        # A standing recognition decision approves a request at home without staff, and staff see the
        # decisions that match on a request's page.
        recogniser_register(precedent_recognises)
        precedent_finder_register(precedents_matching)
        kind_register("results.", notification_title)
