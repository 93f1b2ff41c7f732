from django import template

from routes.own_pace.permissions import pilots_own_pace
from routes.own_pace.selectors import staff_entrances

register = template.Library()


@register.simple_tag(takes_context=True)
def own_pace_entrances(context) -> dict:
    """The own-pace pages the signed-in user may open: their own plan (when their institution pilots the
    route) and the contracts of the institutions where they are home approver."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"mine": False, "staff": []}
    return {"mine": pilots_own_pace(user), "staff": staff_entrances(user)}
