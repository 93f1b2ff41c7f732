"""Every error under ``/ooapi/v5/`` is ``application/problem+json``, whoever produced it.

The provider's own views answer their errors as problems (``ooapi.provider.views.endpoint``). Some errors
never reach them: a path no URL pattern matches, a request Django refuses before routing (a host outside
``ALLOWED_HOSTS``, a body over the upload limit), another middleware's refusal, and an exception that
Django turns into its HTML 500 page. This middleware sits outside all of those and rewrites any such
answer under the prefix into a problem with the same status and headers (``Allow``, ``Retry-After``,
``WWW-Authenticate`` survive). Django still logs the exception first; only the body changes.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from ooapi.provider import problems

PREFIX = "/ooapi/v5/"
# Headers that describe the body being replaced; every other header is kept.
BODY_HEADERS = {"content-type", "content-length", "content-language", "content-encoding", "etag", "last-modified"}


class ProblemJsonMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code < 400 or not request.path_info.startswith(PREFIX):
            return response
        if response.get("Content-Type", "").partition(";")[0].strip() == problems.PROBLEM_CONTENT_TYPE:
            return response
        kept = {name: value for name, value in response.items() if name.lower() not in BODY_HEADERS}
        return problems.problem_response(
            response.status_code, problems.generic_detail(response.status_code), headers=kept
        )
