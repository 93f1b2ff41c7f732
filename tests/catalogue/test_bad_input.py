"""Bad input gets a 400 with a clear message, or an honest empty result; never a 500, never a
reflected script."""

import pytest

from tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db

CLEAR_400 = [
    ("institution=atlantis-university", "institution"),
    ("language=klingon", "language"),
    ("theme=no-such-theme", "theme"),
    ("sort=random()", "sort"),
    ("month=2026-13", "month"),
    ("page=abc", "page"),
    ("page=-1", "page"),
    ("page=0", "page"),
    ("page=1.5", "page"),
    ("page_size=1000", "page_size"),
    ("page_size=0", "page_size"),
    ("q=" + "energie+" * 40, "q"),
    ("city=" + "x" * 150, "city"),
    ("q=%00%01", "q"),
]


@pytest.mark.parametrize(("params", "field"), CLEAR_400)
def test_api_rejects_malformed_input_with_the_field_named(client, small_catalogue, params, field):
    response = client.get(f"/api/offerings/?{params}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize(("params", "field"), CLEAR_400)
def test_page_rejects_malformed_input_with_a_message(client, small_catalogue, params, field):
    response = client.get(f"/catalogue/?{params}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    html = response.content.decode()
    assert "The search could not be run" in html
    assert 'role="alert"' in html


def test_messages_are_translated(client, small_catalogue):
    response = client.get("/api/offerings/?page_size=1000", HTTP_ACCEPT_LANGUAGE="nl")
    assert response.json()["page_size"] == ["Paginagrootte moet een geheel getal tussen 1 en 100 zijn."]


@pytest.mark.parametrize(
    "params",
    ["city=Atlantis", "month=2031-01", "q=zzzqqqxxx", "page=999", "institution=hu-t&institution=tud-t&city=Nowhere"],
)
def test_unknown_but_wellformed_values_give_an_honest_empty_result(client, small_catalogue, params):
    response = client.get(f"/api/offerings/?{params}")
    assert response.status_code == 200
    body = response.json()
    assert body["results"] == []
    page = client.get(f"/catalogue/?{params}")
    assert page.status_code == 200
    assert page.content.decode().count('class="card"') == 0


@pytest.mark.parametrize(
    "q",
    [
        "' OR 1=1 --",
        "energy'; DROP TABLE catalogue_offering; --",
        "%' UNION SELECT password FROM accounts_user --",
        "energy & | ! ( :* <->",
        '"unclosed',
    ],
)
def test_sql_in_the_query_is_just_text(client, small_catalogue, q):
    response = client.get("/catalogue/", {"q": q})
    assert response.status_code == 200
    assert client.get("/api/offerings/", {"q": q}).status_code == 200
    from catalogue.models import Offering

    assert Offering.objects.count() == 6


def test_html_in_the_query_is_escaped_not_reflected(client, small_catalogue):
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    response = client.get("/catalogue/", {"q": payload})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert" in html


def test_facet_values_from_the_catalogue_are_escaped(client, small_catalogue, django_capture_on_commit_callbacks):
    """Facet values come from institutions' data (a city, here): the facet list escapes them like any text."""
    offering = small_catalogue["offerings"]["solar"]
    offering.city = '<script>alert("city")</script>'
    with django_capture_on_commit_callbacks(execute=True):
        offering.save()

    html = client.get("/catalogue/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert '<script>alert("city")' not in html
    assert 'value="&lt;script&gt;alert(&quot;city&quot;)&lt;/script&gt;"' in html
    assert '&lt;script&gt;alert(&quot;city&quot;)&lt;/script&gt; <span class="count">(1)</span>' in html


def test_result_cards_escape_the_catalogues_text(client, small_catalogue, django_capture_on_commit_callbacks):
    """Titles, summaries and institution names come from institutions' data as well: every card escapes them."""
    solar = small_catalogue["offerings"]["solar"]
    course, institution = solar.course, solar.institution
    course.title_en = "<b>Solar</b> & <i>wind</i>"
    course.description_en = '<script>alert("summary")</script>'
    institution.name_en = '<img src=x onerror="alert(1)">'  # the cards show the full name
    with django_capture_on_commit_callbacks(execute=True):
        course.save()
        institution.save()

    html = client.get("/catalogue/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "<b>Solar" not in html and '<script>alert("summary")' not in html and "<img src=x" not in html
    assert "&lt;b&gt;Solar&lt;/b&gt; &amp; &lt;i&gt;wind&lt;/i&gt;</a></h3>" in html
    assert '<p class="summary">&lt;script&gt;alert(&quot;summary&quot;)&lt;/script&gt;</p>' in html
    assert '<span class="institution">&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</span>' in html


def test_a_new_institution_is_a_valid_facet_value_at_once(client, small_catalogue, django_capture_on_commit_callbacks):
    """The page keeps its validating form per set of institutions and themes; a new institution makes a new one."""
    assert client.get("/catalogue/?institution=hu-t").status_code == 200
    assert client.get("/catalogue/?institution=new-t").status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        InstitutionFactory(code="new-t", short_name="New")

    assert client.get("/catalogue/?institution=new-t").status_code == 200
