from django import template

from webhooks.selectors import webhook_institutions

register = template.Library()


@register.simple_tag(takes_context=True)
def webhook_entrances(context) -> list:
    """The institutions whose webhooks the signed-in user manages (staff of them, any role)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    return list(webhook_institutions(user=user))
