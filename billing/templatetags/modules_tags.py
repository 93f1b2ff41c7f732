"""The navigation's module links: "My modules" for professionals and guests, "Learners' invoices" for the
host's admissions staff."""

from django import template

from accounts.models import StudentProfile
from enrolment.permissions import HOST_ROLES, staff_institution_ids

register = template.Library()


@register.simple_tag(takes_context=True)
def modules_nav(context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    cached = getattr(request, "_modules_nav", None)
    if cached is None:
        kind = StudentProfile.objects.filter(user_id=user.pk).values_list("kind", flat=True).first()
        cached = {
            "is_learner": kind in ("professional", "guest"),
            "keeps_invoices": bool(staff_institution_ids(user, HOST_ROLES)),
        }
        request._modules_nav = cached
    return cached
