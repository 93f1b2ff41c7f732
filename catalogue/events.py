"""What the catalogue announces to the apps above it (they connect in their ``AppConfig.ready()``)."""

from django.dispatch import Signal

# Sent inside the transaction that raised an offering's capacity, with ``offering_id``: apps that hold seats
# (enrolment) give the new seats to those waiting, before anyone new can take them.
capacity_raised = Signal()
