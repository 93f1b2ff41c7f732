"""One exception handler for the whole API: ``ApplicationError`` becomes a clear, translated message."""

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from portal.errors import ApplicationError


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        body = {"detail": str(exc.message), "code": exc.code, **exc.extra}
        return Response(body, status=exc.status_code)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if response.status_code == status.HTTP_404_NOT_FOUND and isinstance(response.data, dict):
        response.data.setdefault("code", "not_found")
    return response
