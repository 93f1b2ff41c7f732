from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CredentialsConfig(AppConfig):
    name = "credentials"
    verbose_name = _("Results and microcredentials")

    def ready(self) -> None:
        # A standing recognition decision approves a request at home without staff.
        from credentials.selectors import precedent_recognises
        from enrolment.services.approval import recogniser_register

        recogniser_register(precedent_recognises)
