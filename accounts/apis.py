"""The signed-in user, for API clients (session cookie or allauth's X-Session-Token)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import STUDENT, user_roles


class InstitutionRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    short_name = serializers.CharField()
    schac_home = serializers.CharField()


class RoleGrantSerializer(serializers.Serializer):
    role = serializers.CharField()
    label = serializers.CharField()
    institution = serializers.CharField(source="institution.code", allow_null=True)


class MeSerializer(serializers.Serializer):
    email = serializers.EmailField()
    name = serializers.CharField()
    roles = RoleGrantSerializer(many=True)
    home_institution = InstitutionRefSerializer(allow_null=True)


class MeApi(APIView):
    """Who am I: email, name, roles (per institution) and home institution."""

    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="accounts_me", responses=MeSerializer, tags=["accounts"])
    def get(self, request: Request) -> Response:
        grants = user_roles(user=request.user)
        home = next((grant.institution for grant in grants if grant.role == STUDENT), None)
        me = {
            "email": request.user.email,
            "name": request.user.get_full_name(),
            "roles": grants,
            "home_institution": home,
        }
        return Response(MeSerializer(me).data)
