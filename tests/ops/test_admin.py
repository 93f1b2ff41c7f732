"""The Django admin covers every catalogue model: changelists, add pages and search work for a superuser,
and the big lists cost a fixed number of queries however many rows they show."""

import datetime as dt
import json
import re

import pytest
from django.contrib import admin
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalogue.models import Course, Module, Offering, OfferingSearch, Theme
from catalogue.services import search_index_refresh
from institutions.models import AcademicPeriod, AcademicYear, Institution, OrganisationalUnit, Programme
from tests.factories import (
    AcademicPeriodFactory,
    CourseFactory,
    InstitutionFactory,
    ModuleFactory,
    OfferingFactory,
    ProgrammeFactory,
    ThemeFactory,
)

CATALOGUE_MODELS = [
    Institution,
    OrganisationalUnit,
    AcademicYear,
    AcademicPeriod,
    Programme,
    Theme,
    Course,
    Module,
    Offering,
    OfferingSearch,
]
READ_ONLY = {OfferingSearch}


def _changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def _add_rows(count: int) -> None:
    """``count`` of everything: each offering brings its own institution, year, period and course."""
    for _ in range(count):
        offering = OfferingFactory()
        institution = offering.institution
        module = ModuleFactory(institution=institution)
        module.courses.add(offering.course)
        OfferingFactory(course=None, module=module, period=offering.period)
        theme = ThemeFactory()
        offering.course.themes.add(theme)
        faculty = OrganisationalUnit.objects.create(
            institution=institution, code="FAC", name_nl="Faculteit Techniek", name_en="Faculty of Engineering"
        )
        department = OrganisationalUnit.objects.create(
            institution=institution,
            parent=faculty,
            code="DEP",
            name_nl="Afdeling Energie",
            name_en="Energy Department",
            kind=OrganisationalUnit.Kind.DEPARTMENT,
        )
        ProgrammeFactory(institution=institution, unit=department)
    search_index_refresh()


def test_every_catalogue_model_is_registered():
    assert [m for m in CATALOGUE_MODELS if not admin.site.is_registered(m)] == []


@pytest.mark.django_db
@pytest.mark.parametrize("model", CATALOGUE_MODELS, ids=lambda m: m.__name__)
def test_changelist_and_add_page_open(admin_client, model):
    _add_rows(2)

    assert admin_client.get(_changelist(model)).status_code == 200
    add = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
    assert admin_client.get(add).status_code == (403 if model in READ_ONLY else 200)
    obj = model.objects.first()
    change = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk])
    assert admin_client.get(change).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("model", CATALOGUE_MODELS, ids=lambda m: m.__name__)
def test_changelist_queries_do_not_grow_with_rows(admin_client, model, django_assert_max_num_queries):
    _add_rows(2)
    with CaptureQueriesContext(connection) as few_rows:
        assert admin_client.get(_changelist(model)).status_code == 200

    _add_rows(10)
    with django_assert_max_num_queries(len(few_rows)):
        response = admin_client.get(_changelist(model))
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) >= 10


@pytest.mark.django_db
def test_offering_changelist_is_a_fixed_handful_of_queries(admin_client, django_assert_max_num_queries):
    _add_rows(15)  # 30 offerings, each naming its course or module, institution and period

    with django_assert_max_num_queries(8):
        response = admin_client.get(_changelist(Offering))

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 30


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model", "term", "found"),
    [
        (Institution, "uni-wanted", lambda: Institution.objects.get(code="uni-wanted")),
        (OrganisationalUnit, "Warmtelab", lambda: OrganisationalUnit.objects.get(code="WARM")),
        (AcademicYear, "2031-2032", lambda: AcademicYear.objects.get(name="2031-2032")),
        (AcademicPeriod, "Zomerblok", lambda: AcademicPeriod.objects.get(name_nl="Zomerblok")),
        (Programme, "Waterbouwkunde", lambda: Programme.objects.get(name_en="Hydraulic Engineering")),
        (Theme, "quantum", lambda: Theme.objects.get(code="quantum")),
        (Course, "quantum computing", lambda: Course.objects.get(code="QC101")),
        (Module, "QCMOD", lambda: Module.objects.get(code="QCMOD")),
        (Offering, "QC101", lambda: Offering.objects.get(course__code="QC101")),
        (Offering, "quantum", lambda: Offering.objects.get(course__code="QC101")),
        (OfferingSearch, "QC101", lambda: OfferingSearch.objects.get(code="QC101")),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else v if isinstance(v, str) else "",
)
def test_search_finds_the_one_row(admin_client, model, term, found):
    _add_rows(2)
    institution = InstitutionFactory(code="uni-wanted")
    OrganisationalUnit.objects.create(institution=institution, code="WARM", name_nl="Warmtelab", name_en="Heat lab")
    offering = OfferingFactory(
        course=CourseFactory(institution=institution, code="QC101", title_en="Quantum Computing"),
        period=AcademicPeriodFactory(
            academic_year__institution=institution, academic_year__name="2031-2032", name_nl="Zomerblok"
        ),
    )
    ModuleFactory(institution=institution, code="QCMOD")
    ThemeFactory(code="quantum", name_en="Quantum technology")
    ProgrammeFactory(institution=institution, name_nl="Waterbouwkunde", name_en="Hydraulic Engineering")
    search_index_refresh(offering_ids=[offering.pk])

    response = admin_client.get(_changelist(model), {"q": term})

    assert response.status_code == 200
    assert [obj.pk for obj in response.context["cl"].result_list] == [found().pk]


@pytest.mark.django_db
def test_offering_form_never_renders_a_select_of_every_course(admin_client):
    _add_rows(5)
    offering = Offering.objects.filter(course__isnull=False).first()

    response = admin_client.get(reverse("admin:catalogue_offering_change", args=[offering.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    for field in ("course", "module", "institution", "period"):
        select = re.search(rf'<select name="{field}"[^>]*>(.*?)</select>', html, re.DOTALL)
        assert "admin-autocomplete" in select.group(0)
        # At most the chosen row (and the empty choice) is rendered; the others load on demand.
        assert len(re.findall(r"<option", select.group(1))) <= 2
    assert Course.objects.exclude(pk=offering.course_id).first().code not in html


@pytest.mark.django_db
def test_offering_autocomplete_finds_courses(admin_client):
    _add_rows(1)
    CourseFactory(code="QC101", title_en="Quantum Computing")

    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "catalogue", "model_name": "offering", "field_name": "course", "term": "QC101"},
    )

    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["QC101 Inleiding duurzame energie"]


def _offering_form_data(offering: Offering, **changes) -> dict:
    """What the admin's change form posts for ``offering`` as it stands, with ``changes`` applied."""
    data = {}
    for name, value in {**model_to_dict(offering), **changes}.items():
        if value is None:
            continue
        if isinstance(value, dt.datetime):  # the admin splits date and time
            local = timezone.localtime(value)
            data[f"{name}_0"], data[f"{name}_1"] = local.date().isoformat(), local.time().isoformat()
        elif isinstance(value, list | dict):
            data[name] = json.dumps(value)
        else:
            data[name] = value
    return data


@pytest.mark.django_db
def test_offering_form_saves_a_consistent_offering(admin_client):
    offering = OfferingFactory()

    response = admin_client.post(
        reverse("admin:catalogue_offering_change", args=[offering.pk]), _offering_form_data(offering, capacity=40)
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    offering.refresh_from_db()
    assert offering.capacity == 40


@pytest.mark.django_db
def test_offering_form_refuses_a_period_of_another_institution(admin_client):
    offering = OfferingFactory()
    foreign_period = OfferingFactory().period

    response = admin_client.post(
        reverse("admin:catalogue_offering_change", args=[offering.pk]),
        _offering_form_data(offering, period=foreign_period.pk),
        headers={"accept-language": "en"},
    )

    assert response.status_code == 200  # the form again, with the error
    assert response.context["adminform"].form.errors == {
        "period": ["The period must belong to the institution's own calendar."]
    }
    offering.refresh_from_db()
    assert offering.period_id != foreign_period.pk


@pytest.mark.django_db
def test_offering_form_refuses_a_capacity_below_the_seats_taken(admin_client):
    offering = OfferingFactory(capacity=30)
    Offering.objects.filter(pk=offering.pk).update(seats_taken=12)
    offering.refresh_from_db()

    response = admin_client.post(
        reverse("admin:catalogue_offering_change", args=[offering.pk]),
        _offering_form_data(offering, capacity=10),
        headers={"accept-language": "en"},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "capacity": ["The capacity cannot be lower than the 12 seats already taken."]
    }
    offering.refresh_from_db()
    assert offering.capacity == 30


@pytest.mark.django_db
def test_academic_year_inline_gives_new_periods_the_year_institution(admin_client):
    institution = InstitutionFactory()

    response = admin_client.post(
        reverse("admin:institutions_academicyear_add"),
        {
            "institution": institution.pk,
            "name": "2027-2028",
            "start_date": "2027-08-30",
            "end_date": "2028-08-27",
            "periods-TOTAL_FORMS": 1,
            "periods-INITIAL_FORMS": 0,
            "periods-MIN_NUM_FORMS": 0,
            "periods-MAX_NUM_FORMS": 1000,
            "periods-0-kind": AcademicPeriod.Kind.SEMESTER,
            "periods-0-sequence": 1,
            "periods-0-name_nl": "Semester 1",
            "periods-0-name_en": "Semester 1",
            "periods-0-start_date": "2027-08-30",
            "periods-0-end_date": "2028-01-28",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    period = AcademicPeriod.objects.get(academic_year__name="2027-2028")
    assert period.institution == institution
