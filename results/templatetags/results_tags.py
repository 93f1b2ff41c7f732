from django import template

from results.selectors import board_institutions

register = template.Library()


@register.simple_tag(takes_context=True)
def results_board_link(context) -> bool:
    """True when the user sits on an examination board (the staff console links to its queue)."""
    request = context.get("request")
    return bool(request and request.user.is_authenticated and board_institutions(request.user))
