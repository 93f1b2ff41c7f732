"""Celery beat keeps the dashboards' lead times current (``insights.services.lead_times_refresh``)."""

from celery import shared_task

from insights.services import lead_times_refresh


@shared_task(acks_late=True, ignore_result=True)
def refresh_lead_times() -> int:
    return lead_times_refresh()
