"""The catalogue's filters, defined once with django-filter and used by the page and the API alike.

The filter set validates what the visitor sent (unknown choices, overlong text, malformed months) and
turns it into a ``CatalogueQuery``; ``catalogue.search`` answers it.
"""

from __future__ import annotations

import copy
import re

import django_filters
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from catalogue.choices import CatalogueChoices, catalogue_choices
from catalogue.errors import InvalidCatalogueQuery
from catalogue.models import ECBand, Language, Level, Mode, Offering
from catalogue.search import SORTS, CatalogueQuery
from institutions.routes import ROUTE_BITS, Route

YES_NO = [("yes", _("Yes")), ("no", _("No"))]
SORT_CHOICES = [
    ("relevance", _("Relevance")),
    ("open", _("Open for enrolment first")),
    ("start", _("Start date")),
    ("title", _("Title")),
    ("ec_asc", _("EC, low to high")),
    ("ec_desc", _("EC, high to low")),
    ("seats", _("Most seats left")),
]
assert {s for s, _label in SORT_CHOICES} == set(SORTS)

MONTH_RE = re.compile(r"^20[0-9]{2}-(0[1-9]|1[0-2])$")
# Visible text only: letters, digits, spaces and common punctuation; control characters are refused.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class MultipleTextField(forms.Field):
    """Several free-text values of one parameter (``?city=Utrecht&city=Delft``)."""

    widget = forms.MultipleHiddenInput

    def __init__(self, *, max_length: int = 100, pattern: re.Pattern | None = None, pattern_message=None, **kwargs):
        super().__init__(**kwargs)
        self.max_length, self.pattern, self.pattern_message = max_length, pattern, pattern_message

    def to_python(self, value) -> list[str]:
        if not value:
            return []
        if not isinstance(value, list | tuple):
            value = [value]
        return [str(v).strip() for v in value if str(v).strip()]

    def validate(self, value: list[str]) -> None:
        super().validate(value)
        for item in value:
            if len(item) > self.max_length or CONTROL_RE.search(item):
                raise ValidationError(_("A value is too long or contains invalid characters."), code="invalid")
            if self.pattern and not self.pattern.match(item):
                raise ValidationError(self.pattern_message or _("Invalid value."), code="invalid")


@extend_schema_field({"type": "array", "items": {"type": "string"}})
class MultipleTextFilter(django_filters.Filter):
    field_class = MultipleTextField


@extend_schema_field({"type": "array", "items": {"type": "string"}})
class CodeChoiceFilter(django_filters.MultipleChoiceFilter):
    """Choices that come from the database (institution and theme codes), set per request."""


def _flag(values) -> tuple[bool, ...]:
    return tuple(sorted({v == "yes" for v in values}))


class _SharedFields(dict):
    """The fields of a catalogue form class, shared by all its instances.

    ``BaseForm.__init__`` deep-copies ``base_fields`` so that one form may change its own fields (choices,
    widgets, ``required``). The catalogue's forms only validate a question and show what was asked; nothing
    changes a field after the class is built (``tests/catalogue/test_filters.py`` checks), and the copy is paid on
    every question, so a "deep copy" here is a new dict of the same fields."""

    def __deepcopy__(self, memo) -> dict:
        return dict(self)


_FORM_CLASSES_KEPT = 8
_form_classes: dict[int, tuple[CatalogueChoices, type[forms.Form]]] = {}


class CatalogueFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), max_length=settings.CATALOGUE_MAX_QUERY_LENGTH)
    institution = CodeChoiceFilter(label=_("Institution"), choices=[])
    open = django_filters.MultipleChoiceFilter(label=_("Open for enrolment now"), choices=YES_NO)
    ec = django_filters.MultipleChoiceFilter(label=_("Study load"), choices=ECBand.choices)
    language = django_filters.MultipleChoiceFilter(label=_("Teaching language"), choices=Language.choices)
    level = django_filters.MultipleChoiceFilter(label=_("Level"), choices=Level.choices)
    month = MultipleTextFilter(
        label=_("Starts in"), max_length=7, pattern=MONTH_RE, pattern_message=_("Use a month as YYYY-MM, e.g. 2027-02.")
    )
    city = MultipleTextFilter(label=_("City"), max_length=100)
    mode = django_filters.MultipleChoiceFilter(label=_("Mode of delivery"), choices=Mode.choices)
    theme = CodeChoiceFilter(label=_("Theme"), choices=[])
    route = django_filters.MultipleChoiceFilter(label=_("Suitable route"), choices=Route.choices)
    microcredential = django_filters.MultipleChoiceFilter(label=_("Microcredential"), choices=YES_NO)
    sort = django_filters.ChoiceFilter(label=_("Sort by"), choices=SORT_CHOICES, empty_label=None)

    class Meta:
        model = Offering
        fields: list[str] = []

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, choices: CatalogueChoices | None = None):
        # django-filter's own ``__init__`` deep-copies every filter, on every question, so that an instance
        # may change them. This one changes only two filters' choices, and needs its filters only to build a
        # form class, which it does once per ``choices`` (``get_form_class``); so ``filters`` copies them
        # when first read, and a question whose form class exists never does. The attributes set here are
        # the ones django-filter's ``__init__`` sets.
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset if queryset is not None else Offering.objects.none()
        self.request = request
        self.form_prefix = prefix
        if choices is None:
            choices = catalogue_choices()
        self.choices = choices

    @cached_property
    def filters(self) -> dict[str, django_filters.Filter]:
        filters = copy.deepcopy(self.base_filters)
        for filter_ in filters.values():
            filter_.model = self.queryset.model
            filter_.parent = self
        for name, items in (("institution", self.choices.institutions), ("theme", self.choices.themes)):
            filters[name].extra["choices"] = [(code, label) for _key, code, label in items]
            filters[name].__dict__.pop("_field", None)  # a field built before (schema generation) is stale
        return filters

    def get_form_class(self):
        """django-filter builds a new form class, with a new field per filter, for every filter set; this
        one is built once per ``CatalogueChoices`` (the page keeps one per language until the catalogue
        changes), so validating a question builds no fields. Its fields' labels are lazy and no form
        changes its fields (``_SharedFields``), so the class and its fields can be shared."""
        remembered = _form_classes.get(id(self.choices))
        if remembered is not None and remembered[0] is self.choices:
            return remembered[1]
        form_class = super().get_form_class()
        form_class.base_fields = _SharedFields(form_class.base_fields)
        if len(_form_classes) >= _FORM_CLASSES_KEPT:
            _form_classes.clear()
        _form_classes[id(self.choices)] = (self.choices, form_class)  # the choices kept alive: ids stay unique
        return form_class

    def filter_queryset(self, queryset):
        # Answers come from catalogue.search (one SQL pass with facet counts), not from the ORM.
        return queryset

    def to_query(self, *, page: int, page_size: int) -> CatalogueQuery:
        if not self.is_valid():
            raise InvalidCatalogueQuery({name: [str(e) for e in errs] for name, errs in self.form.errors.items()})
        data = self.form.cleaned_data
        institution_ids = {code: pk for pk, code, _label in self.choices.institutions}
        theme_bits = {code: bit for bit, code, _label in self.choices.themes}
        return CatalogueQuery(
            text=" ".join((data.get("q") or "").split()),
            institution=tuple(sorted(institution_ids[c] for c in data.get("institution") or [])),
            ec=tuple(sorted(data.get("ec") or [])),
            language=tuple(sorted(data.get("language") or [])),
            level=tuple(sorted(data.get("level") or [])),
            month=tuple(sorted(set(data.get("month") or []))),
            city=tuple(sorted(set(data.get("city") or []))),
            mode=tuple(sorted(data.get("mode") or [])),
            microcredential=_flag(data.get("microcredential") or []),
            open=_flag(data.get("open") or []),
            theme=sum(1 << theme_bits[c] for c in set(data.get("theme") or [])),
            route=sum(ROUTE_BITS[r] for r in set(data.get("route") or [])),
            sort=data.get("sort") or "",
            page=page,
            page_size=page_size,
        )


def parse_paging(params) -> tuple[int, int]:
    """``page`` and ``page_size`` from the query string; anything malformed is a clear 400."""
    errors: dict[str, list[str]] = {}
    page, page_size = 1, settings.CATALOGUE_PAGE_SIZE
    raw_page, raw_size = params.get("page"), params.get("page_size")
    if raw_page not in (None, ""):
        if not re.fullmatch(r"[0-9]{1,6}", raw_page) or int(raw_page) < 1:
            errors["page"] = [str(_("Page must be a whole number of at least 1."))]
        else:
            page = int(raw_page)
    if raw_size not in (None, ""):
        maximum = settings.CATALOGUE_MAX_PAGE_SIZE
        if not re.fullmatch(r"[0-9]{1,6}", raw_size) or not 1 <= int(raw_size) <= maximum:
            errors["page_size"] = [str(_("Page size must be a whole number between 1 and %(max)d.") % {"max": maximum})]
        else:
            page_size = int(raw_size)
    if errors:
        raise InvalidCatalogueQuery(errors)
    return page, page_size
