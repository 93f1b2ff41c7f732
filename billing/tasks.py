"""Celery beat keeps the dashboards' settlement cells current (``billing.services.settlement_cells``)."""

from celery import shared_task

from billing.services.settlement_cells import settlement_cells_refresh


@shared_task(acks_late=True, ignore_result=True)
def refresh_settlement_cells() -> bool:
    return settlement_cells_refresh()
