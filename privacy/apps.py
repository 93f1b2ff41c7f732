from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = _("Privacy")

    def ready(self) -> None:
        # Every app's ``personal_data`` module declares its models (``core.privacy``); loaded by name, so no
        # app imports this one and this one names no app.
        autodiscover_modules("personal_data")
