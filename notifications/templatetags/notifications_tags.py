from django import template

from notifications.kinds import title_of
from notifications.selectors import unread_notification_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> int:
    """How many unread notifications the header shows; counted once per request."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    if not hasattr(request, "_unread_notifications"):
        request._unread_notifications = unread_notification_count(user)
    return request._unread_notifications


@register.filter
def notification_title(notification) -> str:
    """The notification's title in the language of the page."""
    return title_of(notification.kind, notification.params)
