from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CredentialsConfig(AppConfig):
    name = "credentials"
    verbose_name = _("Results and microcredentials")

    def ready(self) -> None:
        # A standing recognition decision approves a request at home without staff, and staff see the
        # decisions that match on a request's page.
        from credentials.selectors import precedent_recognises, precedents_matching
        from enrolment.selectors import precedent_finder_register
        from enrolment.services.approval import recogniser_register

        recogniser_register(precedent_recognises)
        precedent_finder_register(precedents_matching)
