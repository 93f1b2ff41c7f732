from django.conf import settings


def portal(request):
    return {"REQUIRE_STAFF_MFA": settings.PORTAL_REQUIRE_STAFF_MFA}
