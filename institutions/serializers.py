from rest_framework import serializers

from institutions.models import Institution


class InstitutionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Institution
        fields = [
            "code",
            "short_name",
            "name_nl",
            "name_en",
            "brin",
            "schac_home",
            "kind",
            "city",
            "integration",
            "piloted_routes",
            "website",
        ]
