from django import template

from credentials.selectors import awarding_board_institutions, credentials_of

register = template.Library()


@register.simple_tag(takes_context=True)
def credentials_entrances(context) -> dict:
    """The credentials pages the signed-in user may open: their own credentials (only once they hold one)
    and the issued credentials of the institutions on whose examination board they sit."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"mine": False, "boards": []}
    return {"mine": credentials_of(user).exists(), "boards": awarding_board_institutions(user)}
