"""The four student routes: the zone's shared vocabulary. Every request and every study plan belongs to one of
them; institutions pilot them and offerings suit them. The routes' own apps (study plans, the programme
composer) live in ``routes/``, at the top of the house; the words they share live here, at its foot."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Route(models.TextChoices):
    OWN_PACE = "own_pace", _("Own pace (Eigen tempo)")
    OFF_THE_BEATEN_PATH = "off_the_beaten_path", _("Off the beaten path (Buiten de gebaande paden)")
    MY_DIPLOMA = "my_diploma", _("MijnDiploma")
    MODULAR = "modular", _("Modular (Modulair studeren)")


ROUTE_BITS = {route: 1 << index for index, route in enumerate(Route.values)}


def routes_to_mask(routes) -> int:
    return sum(ROUTE_BITS[r] for r in set(routes) if r in ROUTE_BITS)


def routes_open(suitable, piloted) -> list[str]:
    """The routes a student may take to an offering: those it suits that their home institution pilots, in
    the routes' own order. An offering that names no suitable route has not narrowed them."""
    suits = set(suitable) or set(Route.values)
    return [r for r in Route.values if r in suits and r in set(piloted)]
