"""What the OOAPI sync keeps about people (``core.privacy``)."""

from django.utils.translation import gettext_lazy as _

from core.privacy import PSEUDONYMISE, Retention, no_personal_data, personal_data

personal_data(
    "ooapi.OutboxMessage",
    about=("request__student__user",),
    erasure=PSEUDONYMISE,
    why=_(
        "Messages about your requests to your institutions' own systems. That a message was delivered stays; "
        "what it carried is removed."
    ),
    replace={"payload": {}, "response": None},
    retention=Retention("sync_messages", "delivered_at", PSEUDONYMISE, only={"status": "delivered"}),
)
personal_data(
    "ooapi.AssociationResult",
    about=("request__student__user",),
    erasure=PSEUDONYMISE,
    why=_("Results a connected institution reported for your requests; kept with your results."),
)
no_personal_data("ooapi.ProviderClient", why=_("An institution's client of the portal's OOAPI."))
no_personal_data(
    "ooapi.WebhookEndpoint",
    why=_("An institution's webhook endpoint: its address, the events it chose and its signing secret."),
)
