from django import template

from insights.selectors import dashboard_institutions, may_see_zone

register = template.Library()


@register.simple_tag(takes_context=True)
def insights_entrances(context) -> dict:
    """The dashboards the signed-in user may open: the zone's (coordinators) and their own institutions'."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"zone": False, "institutions": []}
    return {"zone": may_see_zone(user), "institutions": dashboard_institutions(user)}
