"""Writes to the catalogue. Every change that affects what students see goes through here, so the
search rows and the catalogue stamp (ETag/Last-Modified) never go stale."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Prefetch
from django.utils import timezone

from catalogue.models import CatalogueStamp, Course, Module, Offering, OfferingSearch, Theme, ec_band
from routes.models import routes_to_mask

SUMMARY_LENGTH = 280
BATCH = 2000


def _summary(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= SUMMARY_LENGTH:
        return text
    return text[: SUMMARY_LENGTH - 1].rsplit(" ", 1)[0] + "…"


def _theme_mask(themes: Iterable[Theme]) -> int:
    return sum(1 << theme.bit for theme in themes)


def _search_row(offering: Offering) -> OfferingSearch:
    teachable = offering.teachable
    is_module = offering.module_id is not None
    return OfferingSearch(
        offering_id=offering.pk,
        institution_id=offering.institution_id,
        kind="module" if is_module else "course",
        code=teachable.code,
        title_nl=teachable.title_nl,
        title_en=teachable.title_en,
        summary_nl=_summary(teachable.description_nl),
        summary_en=_summary(teachable.description_en),
        ec=teachable.ec,
        ec_band=ec_band(teachable.ec),
        language=teachable.language,
        level=teachable.level,
        start_date=offering.start_date,
        end_date=offering.end_date,
        start_month=offering.start_date.strftime("%Y-%m"),
        city=offering.city,
        mode=offering.mode,
        theme_mask=_theme_mask(teachable.themes.all()),
        route_mask=routes_to_mask(teachable.suitable_routes),
        is_microcredential=is_module and offering.module.is_microcredential,
        enrol_opens_at=offering.enrol_opens_at,
        enrol_closes_at=offering.enrol_closes_at,
        capacity=offering.capacity,
        seats_taken=offering.seats_taken,
        visible_public=not offering.is_archived
        and (offering.visible_partners or offering.visible_guests or offering.visible_professionals),
    )


_UPDATE_FIELDS = [f.name for f in OfferingSearch._meta.concrete_fields if f.name not in ("offering", "document")]

_DOCUMENT_SQL = """
    UPDATE catalogue_offeringsearch AS s SET document =
        setweight(to_tsvector('simple', coalesce(c.code, m.code)), 'A')
        || setweight(to_tsvector('dutch', coalesce(c.title_nl, m.title_nl)), 'A')
        || setweight(to_tsvector('english', coalesce(c.title_en, m.title_en)), 'A')
        || setweight(to_tsvector('dutch', coalesce(c.description_nl, m.description_nl)), 'C')
        || setweight(to_tsvector('english', coalesce(c.description_en, m.description_en)), 'C')
        || setweight(to_tsvector('dutch', coalesce(c.learning_outcomes_nl, m.learning_outcomes_nl)), 'D')
        || setweight(to_tsvector('english', coalesce(c.learning_outcomes_en, m.learning_outcomes_en)), 'D')
    FROM catalogue_offering o
    LEFT JOIN catalogue_course c ON c.id = o.course_id
    LEFT JOIN catalogue_module m ON m.id = o.module_id
    WHERE s.offering_id = o.id AND o.id = ANY(%s)
"""


def search_index_refresh(*, offering_ids: Iterable[int] | None = None) -> int:
    """Rebuild the search rows of ``offering_ids`` (all offerings when None) and bump the stamp.

    Idempotent; safe to run twice. Runs in batches, each its own transaction, so memory stays flat on
    a large catalogue. Returns the number of rows written.
    """
    queryset = Offering.objects.select_related("course", "module").prefetch_related(
        Prefetch("course__themes", queryset=Theme.objects.only("bit")),
        Prefetch("module__themes", queryset=Theme.objects.only("bit")),
    )
    if offering_ids is not None:
        ids = sorted(set(offering_ids))
        batches = [ids[i : i + BATCH] for i in range(0, len(ids), BATCH)]
    else:
        all_ids = list(Offering.objects.order_by("pk").values_list("pk", flat=True))
        batches = [all_ids[i : i + BATCH] for i in range(0, len(all_ids), BATCH)]
    written = 0
    for batch in batches:
        with transaction.atomic():
            rows = [_search_row(o) for o in queryset.filter(pk__in=batch)]
            OfferingSearch.objects.bulk_create(
                rows, update_conflicts=True, unique_fields=["offering"], update_fields=_UPDATE_FIELDS
            )
            gone = set(batch) - {row.offering_id for row in rows}
            if gone:
                OfferingSearch.objects.filter(offering_id__in=gone).delete()
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(_DOCUMENT_SQL, [batch])
            written += len(rows)
    catalogue_stamp_touch()
    return written


def catalogue_stamp_touch() -> None:
    """Record that the catalogue changed now, so clients' cached copies are revalidated."""
    CatalogueStamp.objects.update_or_create(pk=1, defaults={"changed_at": timezone.now()})


def offerings_of_teachable(teachable: Course | Module) -> list[int]:
    return list(teachable.offerings.values_list("pk", flat=True))
