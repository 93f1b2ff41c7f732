"""An institution that leaves an alliance takes its programmes out of it, whoever ends the membership (the
service or the admin). ``catalogue.signals`` does the same for its courses."""

from django.db.models.signals import post_delete
from django.dispatch import receiver

from institutions.models import AllianceMembership, ProgrammePublication


@receiver(post_delete, sender=AllianceMembership)
def membership_ended(sender, instance: AllianceMembership, **kwargs):
    ProgrammePublication.objects.filter(
        alliance_id=instance.alliance_id, programme__institution_id=instance.institution_id
    ).delete()
