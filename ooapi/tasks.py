"""Celery finds an app's tasks in its ``tasks`` module: this one registers the consumer's and the sync's."""

from ooapi.consumer.tasks import import_catalogue, import_due
from ooapi.sync.tasks import deliver_batch, dispatch_message, sweep_outbox

__all__ = ["deliver_batch", "dispatch_message", "import_catalogue", "import_due", "sweep_outbox"]
