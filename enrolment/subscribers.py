"""What happens beside every move of a request: it is announced, not called. ``register`` subscribes these
in ``EnrolmentConfig.ready()``; each runs inside the transaction that made the moves, so what it queues or
writes goes (or is dropped) with them."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from catalogue.events import capacity_raised
from catalogue.personal import PersonalFilter, personal_filter_register
from core.db import on_commit_collected
from enrolment import lifecycle, tasks
from enrolment.gateway import gateway, needs_gateway
from enrolment.lifecycle import ENDED
from enrolment.models import RequestEvent, Status
from enrolment.selectors import eligibility_version, offerings_eligible_for
from enrolment.services.admission import waitlists_promote
from enrolment.services.messages import notification_title
from notifications.kinds import kind_register


def notify_after_commit(events: list[RequestEvent]) -> None:
    """One notification task for all the moves of a transaction, after its commit: a person hears of moves
    made together in one email, and a rolled-back move notifies nobody."""
    on_commit_collected("enrolment.notify_events", [event.pk for event in events], _queue_notifications)


def _queue_notifications(event_ids: list[int]) -> None:
    tasks.notify_events.delay(event_ids)


def tell_connected_institutions(events: list[RequestEvent]) -> None:
    """A request that ends after it was submitted: a connected institution's system must hear of it."""
    for event in events:
        if event.to_status in ENDED and event.from_status != Status.DRAFT and needs_gateway(event.request):
            gateway().request_ended(request=event.request)


def promote_after_capacity_raised(sender, offering_id: int, **kwargs) -> None:
    """More seats in an offering (raised in the admin, or by a connected institution's catalogue import): the
    earliest on its waitlist get them, in the same transaction, before any newcomer could."""
    waitlists_promote(offering_ids=[offering_id])


def register() -> None:
    """Called once from ``EnrolmentConfig.ready()``."""
    kind_register("enrolment.", notification_title)
    lifecycle.subscribe(notify_after_commit)
    lifecycle.subscribe(tell_connected_institutions)
    capacity_raised.connect(promote_after_capacity_raised, dispatch_uid="enrolment-promote")
    # The catalogue's "eligible for me" filter.
    personal_filter_register(
        PersonalFilter(
            name="eligible",
            label=_("Eligible for me"),
            offerings=offerings_eligible_for,
            version=eligibility_version,
        )
    )
