from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = _("Webhooks for institutions")

    def ready(self) -> None:
        # The events come from the floors below through their subscriptions; none of them imports webhooks.
        from webhooks import events

        events.register()
