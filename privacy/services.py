"""Writes: erasing an account (the right to erasure) and enforcing retention, both through the models'
declarations."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections import Counter

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import FileField, Q
from django.utils import timezone

from accounts.models import StaffRole, User
from core.privacy import DELETE, PSEUDONYMISE, declarations
from enrolment.models import ACTIVE_STATES, EnrolmentRequest
from privacy import selectors
from privacy.consent import consent_version
from privacy.errors import (
    ACTIVE_REQUESTS,
    CONFIRMATION_WRONG,
    CONSENT_OUTDATED,
    STAFF_NOT_ERASED,
    ConfirmationWrongError,
    ConsentOutdatedError,
    NotErasedHereError,
    RequestsRunningError,
)
from privacy.models import ConsentAnswer, ErasureRecord

logger = logging.getLogger(__name__)

ACCOUNT = "accounts.User"


def account_erase(*, user: User, confirmation: str) -> ErasureRecord:
    """Erase ``user``'s account at their own request: delete what the declarations say to delete,
    pseudonymise what institutions must keep, and keep a record that it happened. All or nothing.

    Refused for staff and coordinators (their roles end first) and while a request of theirs still runs.
    ``confirmation`` must be their own email address, typed."""
    if confirmation.strip().lower() != user.email.lower():
        raise ConfirmationWrongError(CONFIRMATION_WRONG)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.is_superuser or user.is_zone_coordinator or StaffRole.objects.filter(user=user).exists():
            raise NotErasedHereError(STAFF_NOT_ERASED)
        running = EnrolmentRequest.objects.filter(student__user=user, status__in=ACTIVE_STATES).count()
        if running:
            raise RequestsRunningError(ACTIVE_REQUESTS % {"count": running})
        pseudonym = secrets.token_hex(12)
        deleted, pseudonymised = Counter(), Counter()
        sections = selectors.sections_of(user)
        account = next(s for s in sections if s.label == ACCOUNT)
        # Pseudonymise first (their rows may point at rows that go), the account itself last.
        for section in sections:
            if section.declaration.erasure == PSEUDONYMISE and section is not account:
                pseudonymised[section.label] += _pseudonymise(section, pseudonym)
        for section in sections:
            if section.declaration.erasure == DELETE:
                _count, per_model = section.rows.delete()
                deleted.update({label: n for label, n in per_model.items() if n})
        pseudonymised[ACCOUNT] += _pseudonymise(account, pseudonym)
        record = ErasureRecord.objects.create(
            user=user, pseudonym=pseudonym, deleted=dict(deleted), pseudonymised=dict(pseudonymised)
        )
    logger.info("privacy: account %s erased as %s", user.pk, pseudonym)
    return record


def _pseudonymise(section: selectors.Section, pseudonym: str) -> int:
    replace = section.declaration.replace
    count = section.rows.count()
    if not replace or not count:
        return count
    _files_remove(section, replace)
    values = {name: (value(pseudonym) if callable(value) else value) for name, value in replace.items()}
    section.rows.update(**values)
    return count


def _files_remove(section: selectors.Section, replace: dict) -> None:
    """Stored files in replaced fields leave the storage too, once the erasure has committed."""
    for name in replace:
        field = section.model._meta.get_field(name)
        if not isinstance(field, FileField):
            continue
        stored = [value for value in section.rows.exclude(**{name: ""}).values_list(name, flat=True) if value]

        def remove(storage=field.storage, names=tuple(stored)) -> None:
            for stored_name in names:
                try:
                    storage.delete(stored_name)
                except OSError:
                    logger.warning("privacy: could not remove the stored file %s", stored_name)

        if stored:
            transaction.on_commit(remove)


def retention_enforce(*, now=None) -> dict[str, int]:
    """Rows past their kind's retention period (``PRIVACY_RETENTION_DAYS``), per declaration: deleted, or
    pseudonymised with the declaration's replacements. Returns the rows touched per model. A kind set to 0
    (or missing) is kept."""
    now = now or timezone.now()
    days = settings.PRIVACY_RETENTION_DAYS
    touched: dict[str, int] = {}
    for label, declaration in sorted(declarations().items()):
        retention = declaration.retention
        if retention is None or not days.get(retention.kind):
            continue
        model = apps.get_model(label)
        cutoff = now - dt.timedelta(days=days[retention.kind])
        rows = model._default_manager.filter(**{f"{retention.field}__lt": cutoff, **retention.only})
        with transaction.atomic():
            if retention.action == DELETE:
                count, _per_model = rows.delete()
            else:
                section = selectors.Section(declaration, model, _not_yet_replaced(rows, declaration))
                count = _pseudonymise(section, pseudonym="retention")
        if count:
            touched[label] = count
    logger.info("privacy: retention enforced: %s", touched)
    return touched


def _not_yet_replaced(rows, declaration):
    """Rows some replaced field still differs in: what retention pseudonymised before is not counted again."""
    plain = {name: value for name, value in declaration.replace.items() if not callable(value)}
    condition = Q()
    for name, value in plain.items():
        condition |= ~Q(**{name: value}) if value is not None else Q(**{f"{name}__isnull": False})
    return rows.filter(condition) if plain else rows


def consent_answer(*, user: User, version: str, agreed: bool) -> ConsentAnswer:
    """Record ``user``'s answer to the consent screen for the words of ``version`` (the current ones only:
    a page left open while the words changed answers nothing)."""
    if version != consent_version():
        raise ConsentOutdatedError(CONSENT_OUTDATED)
    return ConsentAnswer.objects.create(user=user, version=version, agreed=agreed)
