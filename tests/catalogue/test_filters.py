"""The catalogue's filter set shares its form fields between questions; nothing may change them."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from catalogue.choices import CatalogueChoices
from catalogue.filters import CatalogueFilterSet
from catalogue.search import CatalogueQuery

UTRECHT = CatalogueChoices(
    institutions=[(1, "hu", "HU"), (2, "uu", "UU")], themes=[(0, "energy", "Energie"), (3, "data", "Data")]
)
DELFT = CatalogueChoices(institutions=[(7, "tud", "TU Delft")], themes=[(1, "water", "Water")])

QUESTIONS = [
    "",
    "q=energie&institution=hu&theme=data&sort=title",
    "institution=uu&institution=hu&ec=5-10&month=2027-02&city=Utrecht&open=yes&microcredential=no",
    "institution=nowhere",  # unknown choice
    "month=February",  # malformed month
    "sort=price",  # unknown sort
    "q=" + "x" * 5000,  # overlong text
    "city=%01bad",  # control character
    "theme=water",  # another catalogue's theme
]


def _state(field) -> tuple:
    """What validating or showing a question could change in a field."""
    return (
        type(field),
        field.required,
        str(field.label),
        [(str(value), str(label)) for value, label in getattr(field, "choices", [])],
        dict(field.widget.attrs),
        type(field.widget),
        len(field.validators),
        getattr(field, "max_length", None),
    )


def _ask(querystring: str, choices: CatalogueChoices) -> CatalogueFilterSet:
    filterset = CatalogueFilterSet(QueryDict(querystring), choices=choices)
    if filterset.is_valid():
        filterset.to_query(page=1, page_size=20)
    for bound_field in filterset.form:
        str(bound_field)  # rendering a widget is the other thing a page could do with a field
    return filterset


def test_questions_share_the_fields_and_leave_them_as_built():
    first = _ask(QUESTIONS[1], UTRECHT)
    before = {name: _state(field) for name, field in first.form.fields.items()}
    askers = [_ask(querystring, UTRECHT) for querystring in QUESTIONS]

    # Shared, not copied: what one question could change, every later one would see.
    for filterset in askers:
        assert all(filterset.form.fields[name] is field for name, field in first.form.fields.items())
    assert {name: _state(field) for name, field in first.form.fields.items()} == before
    assert [f.is_valid() for f in askers] == [True, True, True, False, False, False, False, False, False]


def test_choices_from_the_catalogue_belong_to_their_own_form_class():
    utrecht, delft = _ask("institution=hu&theme=data", UTRECHT), _ask("institution=hu&theme=data", DELFT)
    assert utrecht.is_valid() and not delft.is_valid()
    assert set(delft.form.errors) == {"institution", "theme"}
    assert _ask("institution=tud&theme=water", DELFT).is_valid()
    # The class-level filters keep no catalogue's choices; each filter set got its own copy.
    assert CatalogueFilterSet.base_filters["institution"].extra["choices"] == []
    assert CatalogueFilterSet.base_filters["theme"].extra["choices"] == []


@pytest.mark.parametrize("choices", [UTRECHT, DELFT])
def test_an_unbound_filter_set_shows_an_empty_question(choices):
    filterset = CatalogueFilterSet(None, choices=choices)
    assert not filterset.is_bound and not filterset.is_valid()
    assert filterset.form["q"].value() is None
    assert [value for value, _label in filterset.form.fields["sort"].choices][0] == "relevance"


def test_a_valid_question_becomes_its_query():
    query = _ask(QUESTIONS[2], UTRECHT).to_query(page=2, page_size=10)
    assert query == CatalogueQuery(
        text="",
        institution=(1, 2),
        ec=("5-10",),
        language=(),
        level=(),
        month=("2027-02",),
        city=("Utrecht",),
        mode=(),
        microcredential=(False,),
        open=(True,),
        theme=0,
        route=0,
        sort="",
        page=2,
        page_size=10,
    )
