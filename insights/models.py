"""The dashboards' one summary table: each request's time per approval step, read from the audit trail.

The dashboards count requests straight from ``enrolment`` (``insights.panels``); only the lead times would
have to read the whole audit trail (about ten events a request) on every page, so the steps' durations are
kept here, one row per request, brought up to date by ``insights.services.lead_times_refresh``: incrementally
(only requests with events newer than the last one seen), by Celery beat every minute and before each
dashboard is read. See ``docs/insights.md``."""

from django.db import models


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

    def __str__(self) -> str:
        return f"lead times of request {self.request_id}"


class LeadTimeMark(models.Model):
    """The last audit event the lead times have seen (one row)."""

    last_event_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"lead times up to event {self.last_event_id}"
