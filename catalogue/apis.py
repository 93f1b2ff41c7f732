"""Read API of the catalogue. Offerings are answered by the same search as the catalogue page."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.utils.urls import remove_query_param, replace_query_param

from catalogue.caching import CatalogueConditionalMixin
from catalogue.errors import InvalidCatalogueQuery
from catalogue.filters import CatalogueFilterSet, parse_paging
from catalogue.models import Course, ECBand, Language, Level, Offering
from catalogue.selectors import courses_queryset, label_facets, offerings_by_ids, run_catalogue_query
from catalogue.serializers import CourseSerializer, FacetCountsSerializer, OfferingSerializer
from institutions.models import Institution
from institutions.serializers import InstitutionSerializer

PAGING_PARAMETERS = [
    OpenApiParameter("page", OpenApiTypes.INT, description="Page number, from 1."),
    OpenApiParameter("page_size", OpenApiTypes.INT, description="Results per page, 1 to 100."),
]


class CourseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", max_length=200, label=_("Search"))
    institution = django_filters.CharFilter(field_name="institution__code")
    language = django_filters.MultipleChoiceFilter(choices=Language.choices)
    level = django_filters.MultipleChoiceFilter(choices=Level.choices)
    theme = django_filters.CharFilter(field_name="themes__code")
    ec_min = django_filters.NumberFilter(field_name="ec", lookup_expr="gte")
    ec_max = django_filters.NumberFilter(field_name="ec", lookup_expr="lte")

    class Meta:
        model = Course
        fields = ["q", "institution", "language", "level", "theme", "ec_min", "ec_max"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(title_nl__icontains=value) | Q(title_en__icontains=value) | Q(code__iexact=value))


@extend_schema_view(
    list=extend_schema(summary="Courses of all institutions", tags=["catalogue"], parameters=PAGING_PARAMETERS),
    retrieve=extend_schema(summary="One course", tags=["catalogue"]),
)
class CourseViewSet(CatalogueConditionalMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = CourseSerializer
    filterset_class = CourseFilter

    def get_queryset(self):
        return courses_queryset().order_by("institution__short_name", "code").distinct()


def _raise_as_validation_error(error: InvalidCatalogueQuery):
    raise ValidationError(error.errors)


@extend_schema_serializer(many=False)  # the answer to a list call is one page, not a list of pages
class OfferingSearchPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = OfferingSerializer(many=True)
    facets = serializers.DictField(child=FacetCountsSerializer(many=True))


@extend_schema_view(
    list=extend_schema(
        summary="Search offerings, with facet counts",
        description="The same search and the same filters as the catalogue page. Facets are disjunctive: a "
        "facet's counts ignore that facet's own selection.",
        tags=["catalogue"],
        parameters=PAGING_PARAMETERS,
        responses=OfferingSearchPageSerializer,
    ),
    retrieve=extend_schema(summary="One offering", tags=["catalogue"]),
)
class OfferingViewSet(CatalogueConditionalMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = OfferingSerializer
    pagination_class = None  # list() pages the search itself (parse_paging); see OfferingSearchPageSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = CatalogueFilterSet

    def get_queryset(self):
        visible = Q(visible_partners=True) | Q(visible_guests=True) | Q(visible_professionals=True)
        return Offering.objects.select_related("institution", "period", "course", "module").filter(
            visible, is_archived=False
        )

    def list(self, request, *args, **kwargs):
        try:
            page, page_size = parse_paging(request.query_params)
            query, result, filterset = run_catalogue_query(request.query_params, page=page, page_size=page_size)
        except InvalidCatalogueQuery as error:
            _raise_as_validation_error(error)
        offerings = offerings_by_ids([row["offering_id"] for row in result.rows])
        url = request.build_absolute_uri()
        next_url = replace_query_param(url, "page", page + 1) if page < result.num_pages else None
        previous_url = None
        if page > 1:
            previous_url = replace_query_param(url, "page", page - 1) if page > 2 else remove_query_param(url, "page")
        facets = {
            facet.name: [vars(v) for v in facet.values] for facet in label_facets(result, filterset, filterset.choices)
        }
        return Response(
            {
                "count": result.total,
                "next": next_url,
                "previous": previous_url,
                "results": self.get_serializer(offerings, many=True).data,
                "facets": facets,
            }
        )


__all__ = ["CourseViewSet", "OfferingViewSet", "ECBand", "reverse"]


# The zone's institutions: part of the catalogue's read API, with the catalogue's ETag (an institution's
# name is on every card).
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
