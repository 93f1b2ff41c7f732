from rest_framework import serializers

from credentials.verification import FAILED, INVALID, NOT_CHECKED, OK, REVOKED, VALID


class VerifyJsonSerializer(serializers.Serializer):
    credential = serializers.JSONField(required=False, help_text="The credential itself, as a JSON object.")
    url = serializers.CharField(
        required=False, max_length=500, help_text="A link to a credential issued through this portal."
    )


class VerifyUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The credential's JSON file, at most 256 kB.")


class CheckSerializer(serializers.Serializer):
    check = serializers.CharField(help_text="json_ld, terms, issuer, proof, dates or status.")
    label = serializers.CharField()
    outcome = serializers.ChoiceField(choices=[OK, FAILED, NOT_CHECKED])
    reason = serializers.CharField()


class VerificationSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=[VALID, INVALID, REVOKED])
    headline = serializers.CharField()
    credential_name = serializers.CharField()
    issuer_name = serializers.CharField()
    checks = CheckSerializer(many=True)
