from django import template

from billing.selectors_settlement import may_see_zone, statement_institutions

register = template.Library()


@register.simple_tag(takes_context=True)
def settlement_entrances(context) -> dict:
    """The settlement pages the signed-in user may open: the zone's statement and the tariffs (coordinators
    and administrators), and the statement of each institution they are staff of."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"zone": False, "institutions": []}
    return {"zone": may_see_zone(user), "institutions": list(statement_institutions(user))}
