"""eduXchange alliances as data: membership, each alliance's theme vocabulary, and publishing courses and
programmes to the alliances that share them, through the services, the import's bulk write and the admin."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from catalogue.models import CoursePublication
from catalogue.services import SharedIn, course_publications_replace, course_publish, course_unpublish
from core.errors import ApplicationError
from institutions.models import Alliance, AllianceMembership, AllianceTheme, ProgrammePublication
from institutions.services import (
    Sharing,
    alliance_join,
    alliance_leave,
    alliance_theme_add,
    alliances_ensure,
    programme_publish,
    programme_unpublish,
)
from tests.factories import CourseFactory, InstitutionFactory, ProgrammeFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    """The assertions read the English messages; the portal's default language is Dutch."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def alliances():
    return alliances_ensure()


@pytest.fixture
def leiden(alliances):
    institution = InstitutionFactory(code="ul", short_name="UL")
    alliance_join(alliance=alliances["lde"], institution=institution)
    return institution


def theme(alliances, alliance: str, code: str) -> AllianceTheme:
    return AllianceTheme.objects.get(alliance=alliances[alliance], code=code)


def test_the_profiles_alliances_and_fixed_vocabularies(alliances):
    assert sorted(alliances) == ["euroteq", "ewuu", "kom", "lde"]
    assert list(alliances["lde"].themes.values_list("code", flat=True)) == [str(n) for n in range(10, 20)]
    assert "Computer Science and ICT, Data, AI" in alliances["euroteq"].themes.values_list("code", flat=True)
    assert alliances["ewuu"].themes.count() == alliances["kom"].themes.count() == 0  # open in the profile
    alliances_ensure()
    assert (Alliance.objects.count(), AllianceTheme.objects.count()) == (4, 24)


def test_a_fixed_vocabulary_refuses_other_values_and_an_open_one_grows(alliances):
    with pytest.raises(ApplicationError, match="fixes lde's themes; 20 is not one of them"):
        alliance_theme_add(alliance=alliances["lde"], code="20")
    circular = alliance_theme_add(alliance=alliances["ewuu"], code="Circular Society", name_nl="Circulaire samenleving")
    assert alliance_theme_add(alliance=alliances["ewuu"], code="Circular Society").pk == circular.pk


def test_a_course_is_published_with_the_alliances_theme_and_settings(alliances, leiden):
    course = CourseFactory(institution=leiden)
    sharing = Sharing(theme=theme(alliances, "lde", "12"), selection=True, kind="broadening", visible_for_guests=True)
    publication = course_publish(course=course, alliance=alliances["lde"], sharing=sharing)
    assert (publication.theme.code, publication.selection, publication.kind, publication.visible_for_guests) == (
        "12",
        True,
        "broadening",
        True,
    )
    again = course_publish(
        course=course, alliance=alliances["lde"], sharing=Sharing(theme=theme(alliances, "lde", "13"))
    )
    assert again.pk == publication.pk and again.theme.code == "13" and again.selection is False
    assert course_unpublish(course=course, alliance=alliances["lde"]) is True
    assert course_unpublish(course=course, alliance=alliances["lde"]) is False


def test_only_members_publish_and_only_with_their_alliances_themes(alliances, leiden):
    course = CourseFactory(institution=leiden)
    with pytest.raises(ApplicationError, match="not a member of this alliance"):
        course_publish(course=course, alliance=alliances["ewuu"], sharing=Sharing())
    with pytest.raises(ApplicationError, match="another alliance's vocabulary"):
        course_publish(
            course=course,
            alliance=alliances["lde"],
            sharing=Sharing(theme=theme(alliances, "euroteq", "Transport")),
        )
    assert not CoursePublication.objects.exists()


def test_a_programme_needs_its_study_load_to_be_published(alliances, leiden):
    programme = ProgrammeFactory(institution=leiden)
    with pytest.raises(ApplicationError, match="study load"):
        programme_publish(programme=programme, alliance=alliances["lde"], sharing=Sharing())
    programme.ec = Decimal("180")
    programme.save()
    programme_publish(
        programme=programme, alliance=alliances["lde"], sharing=Sharing(theme=theme(alliances, "lde", "10"))
    )
    assert programme.publications.get().theme.code == "10"
    assert programme_unpublish(programme=programme, alliance=alliances["lde"]) is True


def test_leaving_an_alliance_withdraws_what_was_published_there(alliances, leiden):
    alliance_join(alliance=alliances["euroteq"], institution=leiden)
    course = CourseFactory(institution=leiden)
    programme = ProgrammeFactory(institution=leiden, ec=Decimal("60"))
    for alliance in ("lde", "euroteq"):
        course_publish(course=course, alliance=alliances[alliance], sharing=Sharing())
    programme_publish(programme=programme, alliance=alliances["lde"], sharing=Sharing())
    assert alliance_leave(alliance=alliances["lde"], institution=leiden) is True
    assert list(course.publications.values_list("alliance__code", flat=True)) == ["euroteq"]
    assert not ProgrammePublication.objects.exists()
    assert alliance_leave(alliance=alliances["lde"], institution=leiden) is False


def test_the_imports_bulk_write_is_tolerant_and_writes_only_differences(alliances, leiden):
    first, second = CourseFactory(institution=leiden), CourseFactory(institution=leiden)
    wanted = {
        first.pk: [SharedIn("lde", theme="14", kind="deepening"), SharedIn("ewuu"), SharedIn("nowhere")],
        second.pk: [SharedIn("lde", theme="99")],
    }
    changed, notes = course_publications_replace(institution=leiden, wanted=wanted)
    assert changed == {first.pk, second.pk}
    assert {(n.course_id, n.alliance, n.reason, n.value) for n in notes} == {
        (first.pk, "ewuu", "not_a_member", ""),
        (first.pk, "nowhere", "unknown_alliance", ""),
        (second.pk, "lde", "unknown_theme", "99"),
    }
    assert first.publications.get().theme.code == "14"
    assert second.publications.get().theme is None
    with CaptureQueriesContext(connection) as queries:
        changed, _notes = course_publications_replace(institution=leiden, wanted=wanted)
    assert changed == set()
    assert all(query["sql"].startswith("SELECT") for query in queries.captured_queries)
    changed, _notes = course_publications_replace(
        institution=leiden, wanted={first.pk: [SharedIn("lde", theme="15")], second.pk: []}
    )
    assert changed == {first.pk, second.pk}
    assert first.publications.get().theme.code == "15" and first.publications.get().kind == ""
    assert not second.publications.exists()


@pytest.fixture
def admin_browser():
    browser = Client()
    browser.force_login(UserFactory(is_staff=True, is_superuser=True))
    return browser


def course_form(course, publication: dict) -> dict:
    data = {
        "institution": course.institution_id,
        "code": course.code,
        "title_nl": course.title_nl,
        "title_en": course.title_en,
        "ec": str(course.ec),
        "level": course.level,
        "eqf_level": course.eqf_level,
        "language": course.language,
        "suitable_routes": "[]",
        "publications-TOTAL_FORMS": "1",
        "publications-INITIAL_FORMS": "0",
        "publications-MIN_NUM_FORMS": "0",
        "publications-MAX_NUM_FORMS": "1000",
        "publications-0-enrolment_for_own_students": "url",
        "publications-0-enrolment_for_guests": "url",
        "publications-0-visible_for_own_students": "on",
    }
    data.update({f"publications-0-{key}": value for key, value in publication.items()})
    return data


def test_the_admin_publishes_a_course_by_the_same_rules(admin_browser, alliances, leiden):
    course = CourseFactory(institution=leiden)
    url = reverse("admin:catalogue_course_change", args=[course.pk])
    refused = admin_browser.post(url, course_form(course, {"alliance": alliances["ewuu"].pk}))
    assert refused.status_code == 200
    assert "not a member of this alliance" in refused.content.decode()
    wrong_theme = {"alliance": alliances["lde"].pk, "theme": theme(alliances, "euroteq", "Transport").pk}
    assert "another alliance" in admin_browser.post(url, course_form(course, wrong_theme)).content.decode()
    assert not CoursePublication.objects.exists()
    good = {"alliance": alliances["lde"].pk, "theme": theme(alliances, "lde", "11").pk}
    assert admin_browser.post(url, course_form(course, good)).status_code == 302
    assert course.publications.get().theme.code == "11"


def test_ending_a_membership_in_the_admin_withdraws_the_courses(admin_browser, alliances, leiden):
    course = CourseFactory(institution=leiden)
    course_publish(course=course, alliance=alliances["lde"], sharing=Sharing())
    membership = AllianceMembership.objects.get()
    fields = ("code", "name_nl", "name_en", "short_name", "brin", "schac_home", "kind", "city", "integration")
    data = {name: getattr(leiden, name) for name in fields}
    data |= {
        "piloted_routes": "[]",
        "alliance_memberships-TOTAL_FORMS": "1",
        "alliance_memberships-INITIAL_FORMS": "1",
        "alliance_memberships-MIN_NUM_FORMS": "0",
        "alliance_memberships-MAX_NUM_FORMS": "1000",
        "alliance_memberships-0-id": membership.pk,
        "alliance_memberships-0-institution": leiden.pk,
        "alliance_memberships-0-alliance": alliances["lde"].pk,
        "alliance_memberships-0-DELETE": "on",
    }
    response = admin_browser.post(reverse("admin:institutions_institution_change", args=[leiden.pk]), data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert not AllianceMembership.objects.exists()
    assert not course.publications.exists()
