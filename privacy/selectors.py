"""Reads: what the portal holds about one person, found through the models' declarations."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import Q, QuerySet

from core.privacy import Declaration, declarations
from privacy.consent import consent_version
from privacy.models import ConsentAnswer


@dataclass
class Section:
    """One kind of data held about the person: its declaration, its model, and the rows."""

    declaration: Declaration
    model: type[models.Model]
    rows: QuerySet

    @property
    def label(self) -> str:
        return self.declaration.label

    @property
    def fields(self) -> list[models.Field]:
        hidden = set(self.declaration.hidden)
        return [f for f in self.model._meta.concrete_fields if f.name not in hidden]


def personal_declarations() -> list[tuple[Declaration, type[models.Model]]]:
    """Every declared model that holds personal data, in a stable order (app, then model)."""
    found = []
    for label, declaration in sorted(declarations().items()):
        if declaration.holds_personal_data:
            found.append((declaration, apps.get_model(label)))
    return found


def rows_about(declaration: Declaration, model: type[models.Model], user) -> QuerySet:
    """The rows of ``model`` about ``user``, through any of the declared lookups, each once."""
    matching = reduce(or_, (Q(**{lookup: user.pk}) for lookup in declaration.about))
    return model._default_manager.filter(pk__in=model._default_manager.filter(matching).values("pk")).order_by("pk")


def sections_of(user) -> list[Section]:
    return [
        Section(declaration, model, rows_about(declaration, model, user))
        for declaration, model in personal_declarations()
    ]


def plain(value: Any) -> Any:
    """A field's value as JSON can hold it."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if hasattr(value, "name") and hasattr(value, "storage"):  # a stored file: its name
        return value.name or ""
    return value


def row_values(section: Section, row: models.Model) -> dict[str, Any]:
    return {f.attname: plain(getattr(row, f.attname)) for f in section.fields}


def export_of(user) -> dict[str, Any]:
    """Everything held about ``user``, per kind: the JSON download and the API's answer."""
    kinds = {}
    for section in sections_of(user):
        rows = [row_values(section, row) for row in section.rows]
        kinds[section.label] = {
            "name": str(section.model._meta.verbose_name_plural),
            "why": str(section.declaration.why),
            "erasure": section.declaration.erasure,
            "rows": rows,
        }
    return {"person": user.email, "kinds": kinds}


def consent_needed(user) -> bool:
    """Whether ``user`` must meet the consent screen: a student or learner (not staff, coordinators or
    administrators, who act under their institution's terms) without an agreement to the current words."""
    if not user.is_authenticated or user.is_superuser or user.is_zone_coordinator or user.is_institution_staff:
        return False
    return not ConsentAnswer.objects.filter(user=user, version=consent_version(), agreed=True).exists()
