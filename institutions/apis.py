import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from institutions.models import Institution
from institutions.serializers import InstitutionSerializer
from portal.caching import CatalogueConditionalMixin


class InstitutionFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Institution.Kind.choices)
    integration = django_filters.ChoiceFilter(choices=Institution.Integration.choices)
    city = django_filters.CharFilter()

    class Meta:
        model = Institution
        fields = ["kind", "integration", "city"]


@extend_schema_view(
    list=extend_schema(summary="The zone's institutions", tags=["catalogue"]),
    retrieve=extend_schema(summary="One institution, by its code", tags=["catalogue"]),
)
class InstitutionViewSet(CatalogueConditionalMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Institution.objects.order_by("short_name")
    serializer_class = InstitutionSerializer
    filterset_class = InstitutionFilter
    lookup_field = "code"
