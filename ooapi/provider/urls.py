"""The OOAPI v5 provider's paths, named as in the spec. Include under ``ooapi/v5/``."""

from django.urls import path, re_path

from ooapi.provider import views
from ooapi.provider.views import endpoint

app_name = "ooapi_provider"

urlpatterns = [
    path("", endpoint(GET=views.service_root), name="service"),
    path("organizations", endpoint(GET=views.organizations), name="organizations"),
    path("organizations/<str:organizationId>", endpoint(GET=views.organization), name="organization"),
    path("academic-sessions", endpoint(GET=views.academic_sessions), name="academic-sessions"),
    path(
        "academic-sessions/<str:academicSessionId>",
        endpoint(GET=views.academic_session),
        name="academic-session",
    ),
    path("programs", endpoint(GET=views.programs), name="programs"),
    path("programs/<str:programId>", endpoint(GET=views.program), name="program"),
    path("programs/<str:programId>/offerings", endpoint(GET=views.program_offerings), name="program-offerings"),
    path("courses", endpoint(GET=views.courses), name="courses"),
    path("courses/<str:courseId>", endpoint(GET=views.course), name="course"),
    path("courses/<str:courseId>/offerings", endpoint(GET=views.course_offerings), name="course-offerings"),
    path("offerings/<str:offeringId>", endpoint(GET=views.offering), name="offering"),
    path(
        "offerings/<str:offeringId>/associations",
        endpoint(GET=views.offering_associations),
        name="offering-associations",
    ),
    path(
        "associations/<str:associationId>",
        endpoint(GET=views.association_get, PATCH=views.association_patch),
        name="association",
    ),
    path("persons/me", endpoint(GET=views.person_me), name="person-me"),
    # [\s\S], not ".": a path may hold an encoded newline (%0A), which "." does not match.
    re_path(r"^(?P<rest>[\s\S]*)$", views.no_such_path),
]
