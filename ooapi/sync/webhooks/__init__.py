"""Webhooks to institutions, carried by the outbox: the signing scheme (``signing``), the outbox rows that
target a ``WebhookEndpoint`` (``outbox``) and their delivery (``dispatcher``). Which events exist, who gets
them and the staff pages are the ``webhooks`` app's (on the lookout floor, since the events come from
enrolment, results and credentials). ``docs/webhooks.md`` is the receiver's side."""
