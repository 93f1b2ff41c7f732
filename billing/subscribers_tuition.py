"""Billing listens to results: a resit (attempt 2 or later) is charged again where the student's home
institution's policy says so. Results imports nothing of billing; the charge is posted after the result's
commit, so a rolled-back result never costs anything."""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.db.models.signals import post_save

from billing.services.tuition import resit_charge
from results.models import Result


def _result_saved(sender, instance: Result, created: bool, **kwargs) -> None:
    if created and instance.attempt >= 2:
        transaction.on_commit(partial(resit_charge, result_id=instance.pk))


def connect() -> None:
    post_save.connect(_result_saved, sender=Result, dispatch_uid="billing.resit_charge")
