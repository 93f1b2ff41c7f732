import pytest
import yaml

pytestmark = pytest.mark.django_db


def test_offerings_api_matches_the_page_and_gives_count_and_facets(client, small_catalogue):
    body = client.get("/api/offerings/?language=en&page_size=2").json()
    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert "page=2" in body["next"] and body["previous"] is None
    assert {v["value"]: v["count"] for v in body["facets"]["language"]} == {"en": 3, "nl": 2}
    second = client.get(body["next"]).json()
    assert len(second["results"]) == 1 and second["next"] is None


def test_institutions_and_courses(client, small_catalogue):
    institutions = client.get("/api/institutions/").json()
    assert institutions["count"] == 2
    assert client.get("/api/institutions/tud-t/").json()["short_name"] == "TUD"
    courses = client.get("/api/courses/?institution=tud-t&language=en").json()
    assert sorted(c["code"] for c in courses["results"]) == ["DAT300", "ENE201"]


def test_api_reads_are_conditional(client, small_catalogue):
    first = client.get("/api/offerings/?q=energy")
    assert first["ETag"] and first["Last-Modified"]
    assert client.get("/api/offerings/?q=energy", headers={"If-None-Match": first["ETag"]}).status_code == 304


def test_openapi_schema_and_docs(client, small_catalogue):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    assert {"/api/institutions/", "/api/courses/", "/api/offerings/"} <= set(schema["paths"])
    params = {p["name"] for p in schema["paths"]["/api/offerings/"]["get"]["parameters"]}
    assert {
        "q",
        "institution",
        "ec",
        "language",
        "level",
        "month",
        "city",
        "mode",
        "theme",
        "route",
        "microcredential",
        "open",
        "page",
        "page_size",
    } <= params
    assert client.get("/api/docs/").status_code == 200


def test_writes_are_not_allowed_on_the_read_api(client, small_catalogue):
    assert client.post("/api/institutions/", {"code": "x"}).status_code in (403, 405)
