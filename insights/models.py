"""The dashboards' summaries, so that no chart reads the requests or the audit trail one by one.

- ``LeadTime``: each request's time per approval step, read from the audit trail, one row per request,
  brought up to date by ``insights.services.lead_times_refresh``: incrementally (only requests with events
  newer than the last one seen, and in beat's run those with recent events too, for a move that committed
  late), by Celery beat every minute and before each dashboard is read.
- ``RequestCube``: the requests counted per (day of submission, home, host, route, period), with the funnel's
  steps summed. A materialised view on PostgreSQL, refreshed whole by ``insights.services.cube_refresh``
  (beat, every minute; a dashboard read refreshes it when it is older than ``INSIGHTS_CUBE_MAX_AGE`` and
  the audit trail has moved); a plain view on the embedded SQLite default, so counted live there.

See ``docs/insights.md``."""

from django.db import models

from core.models import SummaryMark


class LeadTime(models.Model):
    """One request's days per step (``None``: the step has not happened) and whether it missed its deadline."""

    request = models.OneToOneField(
        "enrolment.EnrolmentRequest", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    home_days = models.FloatField(null=True)  # the first home decision, from submission
    host_days = models.FloatField(null=True)  # the first host decision, from home approval
    registration_days = models.FloatField(null=True)  # registration, from admission
    home_late = models.BooleanField(default=False)
    admitted = models.BooleanField(default=False)  # ever admitted by the host (the funnel's third step)
    host_late = models.BooleanField(default=False)
    # The request's place in the cube, copied so that the filters apply here without a join to the requests
    # (the same names as ``RequestCube``'s: ``Filters.cells`` narrows both).
    day = models.DateField(null=True)  # of submission, in the portal's time zone; None: never submitted
    home = models.ForeignKey(
        "institutions.Institution",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    host = models.ForeignKey(
        "institutions.Institution",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    route = models.CharField(max_length=32, blank=True)
    period = models.ForeignKey(
        "institutions.AcademicPeriod",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )

    def __str__(self) -> str:
        return f"lead times of request {self.request_id}"


class LeadTimeMark(models.Model):
    """The last audit event the lead times have seen (one row)."""

    last_event_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"lead times up to event {self.last_event_id}"


class RequestCube(models.Model):
    """One cell of the cube: the submitted requests of one day, home, host, route and period (read-only; the
    view is created by migration ``0002`` from ``insights.cube.cube_sql``)."""

    id = models.BigIntegerField(primary_key=True)  # a row number, stable only until the next refresh
    day = models.DateField()  # of submission, in the portal's time zone
    month = models.DateField()  # the first day of ``day``'s month
    home = models.ForeignKey(
        "institutions.Institution", null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )  # None: a module-only learner's request
    host = models.ForeignKey(
        "institutions.Institution", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    route = models.CharField(max_length=32)
    period = models.ForeignKey(
        "institutions.AcademicPeriod", null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    submitted = models.IntegerField()
    home_approved = models.IntegerField()
    admitted = models.IntegerField()  # ever admitted: holding the place now, or left after an admission
    registered = models.IntegerField()
    completed = models.IntegerField()
    first_submitted_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "insights_requestcube"

    def __str__(self) -> str:
        return f"{self.submitted} requests on {self.day}"


class CubeMark(SummaryMark):
    """When the cube was last recounted, and the newest audit event it had seen then (one row)."""
