from django import template

from results.selectors import board_institutions, host_institutions

register = template.Library()


@register.simple_tag(takes_context=True)
def results_board_link(context) -> bool:
    """True when the user sits on an examination board (the staff console links to its queue)."""
    request = context.get("request")
    return bool(request and request.user.is_authenticated and board_institutions(request.user))


@register.simple_tag(takes_context=True)
def results_entrances(context) -> dict:
    """The results pages the signed-in user may open: the host institutions whose results they record, and
    whether they sit on an examination board (the home page links them)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"hosts": [], "board": False}
    return {"hosts": host_institutions(user), "board": bool(board_institutions(user))}
