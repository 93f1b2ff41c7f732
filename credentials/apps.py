from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CredentialsConfig(AppConfig):
    name = "credentials"
    verbose_name = _("Microcredentials")

    def ready(self) -> None:
        # Results announces granted credit entries; credentials listens (results imports nothing above it).
        from credentials.services import credential_issue_after_recognition, credential_issue_after_result
        from results.services.recognition import recognised_subscribe
        from results.services.results import awarded_subscribe

        recognised_subscribe(credential_issue_after_recognition)
        # A module-only learner's passing result awards the module's credential without a home board.
        awarded_subscribe(credential_issue_after_result)
