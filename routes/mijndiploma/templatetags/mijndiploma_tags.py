from django import template

from accounts.models import StudentProfile
from routes.mijndiploma.permissions import BOARD, CURATOR, institutions_where

register = template.Library()


@register.simple_tag(takes_context=True)
def mijndiploma_entrances(context) -> dict:
    """The MijnDiploma pages the signed-in user may open: the composer (students), the board's queue
    (examination boards) and the portfolio pages (catalogue managers)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"student": False, "board": False, "curator": False}
    return {
        "student": StudentProfile.objects.filter(user_id=user.pk, home_institution__isnull=False).exists(),
        "board": bool(institutions_where(user, BOARD)),
        "curator": bool(institutions_where(user, CURATOR)),
    }
