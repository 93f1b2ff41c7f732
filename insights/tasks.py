"""Celery beat keeps the dashboards' summaries current (``insights.services``)."""

from celery import shared_task

from insights.services import cube_refresh, lead_times_refresh


@shared_task(acks_late=True, ignore_result=True)
def refresh_lead_times() -> int:
    return lead_times_refresh(recent=True)  # with the late commits of the last minutes


@shared_task(acks_late=True, ignore_result=True)
def refresh_cube() -> bool:
    return cube_refresh()
