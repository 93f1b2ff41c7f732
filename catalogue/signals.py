"""Keep the search rows in step with edits made outside the services (the admin, the shell)."""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from catalogue.events import capacity_raised
from catalogue.models import Course, CoursePublication, Module, Offering, Theme
from catalogue.services import (
    catalogue_stamp_touch,
    facet_counts_compact,
    offerings_of_teachable,
    search_index_refresh,
)
from core.db import on_commit_once
from institutions.models import AllianceMembership, Institution


def _refresh_later(ids: list[int]) -> None:
    if ids:
        transaction.on_commit(lambda: search_index_refresh(offering_ids=ids))


@receiver(post_save, sender=Offering)
def offering_saved(sender, instance: Offering, raw=False, created=False, **kwargs):
    if raw:
        return
    _refresh_later([instance.pk])
    loaded = getattr(instance, "_loaded_capacity", None)
    if not created and loaded is not None and instance.capacity > loaded:
        capacity_raised.send(sender=Offering, offering_id=instance.pk)
    instance._loaded_capacity = instance.capacity


@receiver(post_save, sender=Course)
@receiver(post_save, sender=Module)
def teachable_saved(sender, instance, raw=False, created=False, **kwargs):
    if not raw and not created:
        _refresh_later(offerings_of_teachable(instance))


@receiver(m2m_changed, sender=Course.themes.through)
@receiver(m2m_changed, sender=Module.themes.through)
def themes_changed(sender, instance, action, **kwargs):
    if action in ("post_add", "post_remove", "post_clear") and hasattr(instance, "offerings"):
        _refresh_later(offerings_of_teachable(instance))


@receiver(post_delete, sender=Offering)
def offering_deleted(sender, instance, **kwargs):
    # The search row went with the offering (cascade), not through search_index_refresh: fold its counts.
    # Once per transaction, however many offerings it deleted: a fold reads every count.
    on_commit_once(facet_counts_compact)
    on_commit_once(catalogue_stamp_touch)


@receiver(post_save, sender=Institution)
@receiver(post_delete, sender=Institution)
@receiver(post_save, sender=Theme)
@receiver(post_delete, sender=Theme)
def labels_changed(sender, raw=False, **kwargs):
    """Institutions' and themes' names are on every catalogue page (cards and facets): a change is a new
    catalogue for the ETag and for ``selectors.catalogue_choices``. Touched in the same transaction."""
    if not raw:
        catalogue_stamp_touch()


@receiver(post_delete, sender=AllianceMembership)
def membership_ended(sender, instance: AllianceMembership, **kwargs):
    """An institution that leaves an alliance takes its courses out of it (``institutions.services``)."""
    CoursePublication.objects.filter(
        alliance_id=instance.alliance_id, course__institution_id=instance.institution_id
    ).delete()
