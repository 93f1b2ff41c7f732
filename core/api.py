"""One exception handler for the whole API: ``ApplicationError`` becomes a clear, translated message.

Every error answer is a JSON object (``portal/schema.py`` documents the shape for every operation):
``detail`` and ``code`` for errors about the request as a whole, and per field a list of messages for a
request whose fields are wrong (400). A 429 also carries ``Retry-After``.
"""

import math

from rest_framework import status
from rest_framework.exceptions import APIException, Throttled
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import TOO_MANY_REQUESTS_MESSAGE, ApplicationError
from core.i18n import wait_phrase

_CODES_BY_STATUS = {status.HTTP_403_FORBIDDEN: "permission_denied", status.HTTP_404_NOT_FOUND: "not_found"}


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        body = {"detail": str(exc.message), "code": exc.code, **exc.extra}
        return Response(body, status=exc.status_code)
    if isinstance(exc, Throttled):
        seconds = max(1, math.ceil(exc.wait or 1))
        body = {"detail": str(TOO_MANY_REQUESTS_MESSAGE % {"wait": wait_phrase(seconds)}), "code": "throttled"}
        return Response(body, status=status.HTTP_429_TOO_MANY_REQUESTS, headers={"Retry-After": str(seconds)})
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(response.data, list):
        # A ValidationError raised with a list: keep the messages, in an object like every other error.
        response.data = {"non_field_errors": response.data}
    if isinstance(response.data, dict) and "detail" in response.data and "code" not in response.data:
        codes = exc.get_codes() if isinstance(exc, APIException) else None
        if isinstance(codes, str):
            response.data["code"] = codes
        elif response.status_code in _CODES_BY_STATUS:  # Django's Http404 and PermissionDenied
            response.data["code"] = _CODES_BY_STATUS[response.status_code]
    return response
