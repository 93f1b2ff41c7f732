"""The verification API: the same checks as the public page, as JSON, for machines. No login."""

from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from credentials import verification
from credentials.errors import CredentialError
from credentials.serializers import VerificationSerializer, VerifyJsonSerializer, VerifyUploadSerializer

# A pasted credential is JSON inside JSON, or a file with a little multipart around it.
MAX_BODY_BYTES = verification.MAX_UPLOAD_BYTES + 16 * 1024


class VerifyView(APIView):
    """Verify a credential given as ``{"credential": {...}}``, ``{"url": "..."}`` (a link to a credential of
    this portal; other addresses are never fetched) or a multipart ``file``. Answers every check; a credential
    that does not hold is still a 200 with ``verdict`` saying so. Input that cannot be read is a 400."""

    authentication_classes: list = []  # public: no session, so no CSRF token is asked of a machine
    permission_classes = [permissions.AllowAny]
    parser_classes = [JSONParser, MultiPartParser]

    @extend_schema(
        operation_id="credentials_verify",
        request={"application/json": VerifyJsonSerializer, "multipart/form-data": VerifyUploadSerializer},
        responses={200: VerificationSerializer},
    )
    def post(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_BODY_BYTES:
            raise CredentialError(
                verification.TOO_LARGE_MESSAGE % {"limit": verification.MAX_UPLOAD_BYTES // 1024}, code="too_large"
            )
        document = self._credential(request.data)
        return Response(verification.credential_verify(document).as_dict())

    def _credential(self, data) -> dict:
        upload = data.get("file")
        if upload is not None and hasattr(upload, "read"):
            return verification.credential_parse(upload.read(verification.MAX_UPLOAD_BYTES + 1))
        body = VerifyJsonSerializer(data=data)
        body.is_valid(raise_exception=True)
        given = body.validated_data
        if ("credential" in given) == ("url" in given):
            raise CredentialError(verification.NOTHING_GIVEN_MESSAGE, code="nothing_given")
        if "url" in given:
            return verification.credential_from_link(given["url"])
        if not isinstance(given["credential"], dict):
            raise CredentialError(verification.NOT_AN_OBJECT_MESSAGE, code="not_an_object")
        return given["credential"]
