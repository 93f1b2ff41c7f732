"""The reference peer, over real HTTP: its answers follow the official OOAPI v5 spec, its pagination and
``since`` are real, associations are idempotent, and the control API and faults do what they say."""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import json
import time
import uuid
from pathlib import Path

import httpx
import pytest
from django.utils import translation

from ooapi.conformance import response_violations, strict_spec_errors
from tools.ooapi_peer.catalogue import Catalogue

pytest_plugins = ["tests.ooapi_peer.fixtures"]


@pytest.fixture(autouse=True)
def _english():
    # Messages are asserted in the English source; the portal's default language is Dutch.
    with translation.override("en"):
        yield


OVERLAP = "is valid under each of"


def http() -> httpx.Client:
    return httpx.Client(trust_env=False, timeout=10)


def assert_follows_spec(response: httpx.Response, *, base_path: str = "", strict: bool = True) -> None:
    """The answer is valid against ``ooapi.spec.openapi()``. ``strict``: also without reading the spec's
    overlapping oneOf as anyOf (possible for every endpoint whose schema has no such oneOf)."""
    path = response.request.url.path[len(base_path) :] or "/"
    method = response.request.method
    content_type = response.headers.get("content-type", "")
    violations = response_violations(
        method=method, path=path, status_code=response.status_code, content_type=content_type, body=response.content
    )
    assert violations == [], f"{method} {path}: {violations}"
    if content_type == "application/json":
        errors = strict_spec_errors(
            method=method, path=path, status_code=response.status_code, content_type=content_type, body=response.content
        )
        if strict:
            assert errors == []
        else:
            assert all(OVERLAP in error for error in errors), errors


@pytest.fixture
def client(ooapi_peer):
    with httpx.Client(base_url=ooapi_peer.base_url, trust_env=False, timeout=10) as client:
        yield client


@pytest.fixture
def catalogue():
    """The same catalogue the session's peer serves (200 offerings, seed 1)."""
    return Catalogue(offerings=200, seed=1)


def post_association(client, offering_id: str, *, key: str | None = None, remote_state: str = "pending", **extra):
    headers = {"Idempotency-Key": key} if key else {}
    body = {"remoteState": remote_state, "role": "student", "offering": {"offeringId": offering_id}, **extra}
    return client.post("/associations/external/me", json=body, headers=headers)


# Catalogue --------------------------------------------------------------------------------------------


def test_every_catalogue_endpoint_follows_the_spec(client, catalogue):
    urls = [
        "/",
        "/organizations",
        f"/organizations/{catalogue.root_id}",
        "/academic-sessions?pageSize=20",
        f"/academic-sessions/{catalogue.years[1].id}",
        f"/academic-sessions/{catalogue.periods[4].id}",
        "/programs",
        f"/programs/{catalogue.make_id('prg', 1)}",
        "/courses?pageSize=50",
        f"/courses/{catalogue.make_id('crs', 7)}",
        f"/courses/{catalogue.make_id('crs', 7)}/offerings?since=2000-01-01",
        "/persons/me",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_follows_spec(response)
    # These three use the spec's overlapping oneOf (course offering vs program offering).
    for url in (
        f"/offerings/{catalogue.make_id('off', 9)}",
        f"/organizations/{catalogue.root_id}/offerings?since=2000-01-01&pageSize=100",
        f"/academic-sessions/{catalogue.years[0].id}/offerings?since=2000-01-01",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.json()
        assert_follows_spec(response, strict=False)


def test_multilingual_fields_are_lists_of_language_and_value(client, catalogue):
    course = client.get(f"/courses/{catalogue.make_id('crs', 0)}").json()
    assert [entry["language"] for entry in course["name"]] == ["nl-NL", "en-GB"]
    assert all(entry["value"] for entry in course["name"] + course["description"])


def test_errors_are_problem_documents_that_follow_the_spec(client, catalogue):
    missing = client.get(f"/courses/{uuid.uuid4()}")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["status"] == "404"
    assert_follows_spec(missing)
    bad_page = client.get("/courses?pageSize=7")
    assert bad_page.status_code == 400
    assert "pageSize must be one of 10, 20, 50, 100, 250" in bad_page.json()["detail"]
    assert_follows_spec(bad_page)
    assert client.get("/courses?pageNumber=0").status_code == 400
    assert client.get("/courses/x/offerings?since=yesterday").status_code == 404
    bad_since = client.get(f"/courses/{catalogue.make_id('crs', 0)}/offerings?since=yesterday")
    assert bad_since.status_code == 400
    assert_follows_spec(bad_since)
    assert client.delete("/courses").status_code == 405
    assert client.get("/nothing-here").status_code == 404


def test_pagination_walks_the_whole_catalogue_exactly_once(client, catalogue):
    seen, number, pages = [], 1, None
    while True:
        page = client.get("/courses", params={"pageSize": 20, "pageNumber": number}).json()
        assert page["pageNumber"] == number
        assert page["hasPreviousPage"] is (number > 1)
        assert len(page["items"]) <= 20
        pages = page["totalPages"]
        seen += [item["courseId"] for item in page["items"]]
        if not page["hasNextPage"]:
            break
        number += 1
    assert number == pages == 3  # 50 courses, 20 a page
    assert len(seen) == len(set(seen)) == catalogue.course_count == 50
    beyond = client.get("/courses", params={"pageSize": 20, "pageNumber": 9}).json()
    assert beyond["items"] == [] and beyond["hasNextPage"] is False


def test_courses_are_ordered_by_name_by_default_and_sortable(client):
    names = [c["name"][1]["value"] for c in client.get("/courses?pageSize=50").json()["items"]]
    assert names == sorted(names)
    reverse = [c["name"][1]["value"] for c in client.get("/courses?pageSize=50&sort=-name").json()["items"]]
    assert reverse == names[::-1]
    by_id = [c["courseId"] for c in client.get("/courses?pageSize=50&sort=courseId").json()["items"]]
    assert by_id == sorted(by_id)
    assert client.get("/courses?sort=colour").status_code == 400


def test_primary_code_filter_finds_one_course(client):
    page = client.get("/courses", params={"primaryCode": "RU000012"}).json()
    assert [c["primaryCode"]["code"] for c in page["items"]] == ["RU000012"]
    assert client.get("/courses", params={"primaryCode": "nope"}).json()["items"] == []


def test_offering_lists_default_to_since_today(client, catalogue):
    today = dt.date.today()
    course_id = catalogue.make_id("crs", 3)
    everything = client.get(f"/courses/{course_id}/offerings", params={"since": "2000-01-01"}).json()["items"]
    assert len(everything) == 4
    starts = [o["startDate"] for o in everything]
    assert starts == sorted(starts)
    assert any(dt.date.fromisoformat(s) < today for s in starts), "the catalogue spans past periods too"
    default = client.get(f"/courses/{course_id}/offerings").json()["items"]
    assert [o["offeringId"] for o in default] == [
        o["offeringId"] for o in everything if dt.date.fromisoformat(o["startDate"]) >= today
    ]
    until = everything[1]["endDate"]
    bounded = client.get(f"/courses/{course_id}/offerings", params={"since": "2000-01-01", "until": until}).json()
    assert [o["offeringId"] for o in bounded["items"]] == [o["offeringId"] for o in everything[:2]]


def test_organization_offerings_list_every_offering_once(client, catalogue):
    seen = []
    for number in (1, 2):
        page = client.get(
            f"/organizations/{catalogue.root_id}/offerings",
            params={"since": "2000-01-01", "pageSize": 100, "pageNumber": number},
        ).json()
        seen += [o["offeringId"] for o in page["items"]]
    assert page["hasNextPage"] is False
    assert sorted(seen) == sorted(catalogue.make_id("off", i) for i in range(200))
    faculty = catalogue.make_id("org", 2)
    per_faculty = client.get(
        f"/organizations/{faculty}/offerings", params={"since": "2000-01-01", "pageSize": 250}
    ).json()["items"]
    assert per_faculty and all(o["organization"] == faculty for o in per_faculty)


def test_the_same_seed_gives_the_same_catalogue_and_another_seed_another(ooapi_peer, ooapi_peer_factory):
    twin = ooapi_peer_factory(offerings=200, seed=1)
    other = ooapi_peer_factory(offerings=200, seed=2)
    with http() as client:
        ours = client.get(f"{ooapi_peer.base_url}/courses?pageSize=50").json()
        assert client.get(f"{twin.base_url}/courses?pageSize=50").json() == ours
        assert client.get(f"{other.base_url}/courses?pageSize=50").json() != ours


def test_a_large_catalogue_is_generated_lazily(ooapi_peer_factory):
    peer = ooapi_peer_factory(offerings=100_000, base_path="/v5")
    catalogue = Catalogue(offerings=100_000, seed=1)
    with http() as client:
        root = client.get(f"{peer.base_url}/organizations/{catalogue.root_id}/offerings?since=2000-01-01&pageSize=250")
        page = root.json()
        assert page["totalPages"] == 400
        last = client.get(
            f"{peer.base_url}/organizations/{catalogue.root_id}/offerings",
            params={"since": "2000-01-01", "pageSize": 250, "pageNumber": 400},
        ).json()
        assert len(last["items"]) == 250 and last["hasNextPage"] is False
        assert client.get(f"{peer.base_url}/courses?pageSize=250").json()["totalPages"] == 100
        offering = client.get(f"{peer.base_url}/offerings/{catalogue.make_id('off', 99_999)}")
        assert offering.json()["course"] == catalogue.make_id("crs", 24_999)
        assert_follows_spec(offering, base_path="/v5", strict=False)
        assert client.get(f"{peer.origin}/courses").status_code == 404  # only under the base path
    status = Path(f"/proc/{peer.pid}/status").read_text()
    rss_kb = int(next(line for line in status.splitlines() if line.startswith("VmRSS")).split()[1])
    assert rss_kb < 100_000, f"peer uses {rss_kb} kB"


def test_the_peer_answers_hundreds_of_requests_a_second(client, catalogue):
    # Not a benchmark: a floor that catches an accidental per-request cost (no keep-alive, O(n) work).
    urls = [f"/courses/{catalogue.make_id('crs', i % 50)}" for i in range(400)]
    started = time.monotonic()

    def fetch(chunk):
        with httpx.Client(base_url=client.base_url, trust_env=False, timeout=10) as own:
            return [own.get(url).status_code for url in chunk]

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        statuses = [s for chunk in pool.map(fetch, [urls[i::4] for i in range(4)]) for s in chunk]
    elapsed = time.monotonic() - started
    assert statuses == [200] * 400
    assert 400 / elapsed > 200, f"{400 / elapsed:.0f} requests/s"


# Associations -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("decision", ["associated", "pending", "queued", "denied"])
def test_post_association_answers_the_configured_decision(ooapi_peer, client, catalogue, decision):
    ooapi_peer.control.decision(decision)
    response = post_association(client, catalogue.make_id("off", 1), key=str(uuid.uuid4()))
    assert response.status_code == 201
    assert response.json()["state"] == decision
    assert_follows_spec(response)
    association = client.get(f"/associations/{response.json()['associationId']}")
    assert association.json()["state"] == decision
    assert "remoteState" not in association.json()  # write-only in the spec
    assert_follows_spec(association, strict=False)


def test_a_per_offering_rule_overrides_the_decision(ooapi_peer, client, catalogue):
    denied = catalogue.make_id("off", 2)
    ooapi_peer.control.settings(decision="associated", offering_decisions={denied: "denied", "HOST-42": "queued"})
    assert post_association(client, denied).json()["state"] == "denied"
    assert post_association(client, catalogue.make_id("off", 3)).json()["state"] == "associated"
    by_code = client.post(
        "/associations/external/me",
        json={"remoteState": "pending", "offering": {"primaryCode": {"codeType": "offeringCode", "code": "HOST-42"}}},
    )
    assert by_code.json()["state"] == "queued"


def test_a_retried_post_with_the_same_idempotency_key_returns_the_same_association(ooapi_peer, client, catalogue):
    key = str(uuid.uuid4())
    first = post_association(client, catalogue.make_id("off", 4), key=key)
    again = post_association(client, catalogue.make_id("off", 4), key=key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert ooapi_peer.control.association_count() == 1
    stored = ooapi_peer.control.association(first.json()["associationId"])
    assert stored["request"]["offering"] == {"offeringId": catalogue.make_id("off", 4)}
    assert stored["idempotencyKey"] == key
    assert ooapi_peer.control.associations()["items"][0]["replays"] == 1
    other = post_association(client, catalogue.make_id("off", 4), key=str(uuid.uuid4()))
    assert other.json()["associationId"] != first.json()["associationId"]
    assert ooapi_peer.control.association_count() == 2


def test_concurrent_retries_with_one_key_create_one_association(ooapi_peer, catalogue):
    key = str(uuid.uuid4())

    def send(_):
        with httpx.Client(base_url=ooapi_peer.base_url, trust_env=False, timeout=10) as own:
            return post_association(own, catalogue.make_id("off", 5), key=key).json()["associationId"]

    with concurrent.futures.ThreadPoolExecutor(12) as pool:
        ids = set(pool.map(send, range(24)))
    assert len(ids) == 1
    assert ooapi_peer.control.association_count() == 1


def test_reusing_a_key_for_another_body_is_refused(ooapi_peer, client, catalogue):
    key = str(uuid.uuid4())
    post_association(client, catalogue.make_id("off", 6), key=key)
    clash = post_association(client, catalogue.make_id("off", 7), key=key)
    assert clash.status_code == 400
    assert "Idempotency-Key" in clash.json()["detail"]
    assert ooapi_peer.control.association_count() == 1


def test_post_without_a_usable_body_is_a_bad_request(client):
    assert client.post("/associations/external/me", json={"remoteState": "maybe", "offering": "x"}).status_code == 400
    assert client.post("/associations/external/me", json={"remoteState": "pending"}).status_code == 400
    garbage = client.post("/associations/external/me", content=b"{", headers={"Content-Type": "application/json"})
    assert garbage.status_code == 400
    assert_follows_spec(garbage)


def test_pending_associations_are_resolved_through_the_control_api(ooapi_peer, client, catalogue):
    ooapi_peer.control.decision("pending")
    first = post_association(client, catalogue.make_id("off", 8)).json()["associationId"]
    post_association(client, catalogue.make_id("off", 9))
    ooapi_peer.control.decide(first, "denied")
    assert client.get(f"/associations/{first}").json()["state"] == "denied"
    assert ooapi_peer.control.decide_pending("associated") == 1
    assert ooapi_peer.control.associations()["by_state"] == {"denied": 1, "associated": 1}


def test_patch_merges_remote_state_and_result(ooapi_peer, client, catalogue):
    association_id = post_association(client, catalogue.make_id("off", 10)).json()["associationId"]
    result = {
        "state": "completed",
        "pass": "passed",
        "score": "8",
        "resultDate": "2026-01-31",
        "studyLoad": {"studyLoadUnit": "ects", "value": 5},
    }
    patched = client.patch(
        f"/associations/{association_id}",
        content=json.dumps({"remoteState": "associated", "result": result}),
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert patched.status_code == 200
    assert_follows_spec(patched)
    fetched = client.get(f"/associations/{association_id}")
    assert fetched.json()["result"] == result
    assert_follows_spec(fetched, strict=False)
    client.patch(
        f"/associations/{association_id}",
        content=json.dumps({"result": {"score": None, "comment": "resit"}}),
        headers={"Content-Type": "application/merge-patch+json"},
    )
    merged = client.get(f"/associations/{association_id}").json()["result"]
    assert "score" not in merged and merged["comment"] == "resit" and merged["pass"] == "passed"
    cancel = client.patch(
        f"/associations/{association_id}",
        content=json.dumps({"remoteState": "canceled"}),
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert cancel.json()["state"] == "canceled"
    stored = ooapi_peer.control.association(association_id)
    assert stored["remoteState"] == "canceled"
    assert [entry["by"] for entry in stored["history"]] == ["post", "patch", "patch", "patch"]


def test_patch_needs_merge_patch_json_and_a_known_association(client, catalogue):
    association_id = post_association(client, catalogue.make_id("off", 11)).json()["associationId"]
    assert client.patch(f"/associations/{association_id}", json={"remoteState": "canceled"}).status_code == 400
    unknown = client.patch(
        f"/associations/{uuid.uuid4()}",
        content=b'{"remoteState": "canceled"}',
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert unknown.status_code == 404


def test_associations_survive_a_restart_and_a_kill(ooapi_peer, client, catalogue):
    key = str(uuid.uuid4())
    first = post_association(client, catalogue.make_id("off", 12), key=key).json()
    ooapi_peer.restart()
    assert ooapi_peer.control.association_count() == 1
    with http() as fresh:
        again = fresh.post(
            f"{ooapi_peer.base_url}/associations/external/me",
            json={
                "remoteState": "pending",
                "role": "student",
                "offering": {"offeringId": catalogue.make_id("off", 12)},
            },
            headers={"Idempotency-Key": key},
        )
        assert again.json()["associationId"] == first["associationId"]
        ooapi_peer.kill()
        ooapi_peer.start()
        assert fresh.get(f"{ooapi_peer.base_url}/associations/{first['associationId']}").status_code == 200
    assert ooapi_peer.control.association_count() == 1


def test_downtime_refuses_connections_on_the_same_port(ooapi_peer):
    port = ooapi_peer.port
    with ooapi_peer.down(), pytest.raises(httpx.ConnectError), http() as client:
        client.get(f"{ooapi_peer.base_url}/")
    assert ooapi_peer.port == port
    with http() as client:
        assert client.get(f"{ooapi_peer.base_url}/").status_code == 200


# Authentication ---------------------------------------------------------------------------------------


def test_authentication_with_static_and_issued_tokens(ooapi_peer, client):
    ooapi_peer.control.settings(auth={"required": True, "tokens": ["static"], "clients": {"portal": "s3cret"}})
    refused = client.get("/courses")
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"].startswith("Bearer")
    assert_follows_spec(refused)
    assert client.get("/courses", headers={"Authorization": "Bearer static"}).status_code == 200
    issued = client.post("/oauth2/token", data={"grant_type": "client_credentials"}, auth=("portal", "s3cret")).json()
    assert issued["token_type"] == "Bearer" and issued["expires_in"] == 300
    assert client.get("/courses", headers={"Authorization": f"Bearer {issued['access_token']}"}).status_code == 200
    assert (
        client.post("/oauth2/token", data={"grant_type": "client_credentials"}, auth=("portal", "x")).status_code == 401
    )
    assert ooapi_peer.control.revoke_tokens() == 1
    assert client.get("/courses", headers={"Authorization": f"Bearer {issued['access_token']}"}).status_code == 401


def test_persons_me_depends_on_the_token(client):
    anna = client.get("/persons/me", headers={"Authorization": "Bearer anna"}).json()
    bert = client.get("/persons/me", headers={"Authorization": "Bearer bert"}).json()
    assert anna["personId"] != bert["personId"]
    assert client.get("/persons/me", headers={"Authorization": "Bearer anna"}).json() == anna


# Faults -----------------------------------------------------------------------------------------------


def test_error_next_answers_500_a_given_number_of_times(ooapi_peer, client):
    ooapi_peer.control.faults(error_next=2)
    first = client.get("/courses")
    assert first.status_code == 500
    assert_follows_spec(first)  # a problem document, as the spec's 500 answer
    assert [client.get("/").status_code for _ in range(2)] == [500, 200]
    ooapi_peer.control.faults(error_next=1, error_status=503)
    assert client.get("/").status_code == 503


def test_faults_are_scoped_by_path_and_method(ooapi_peer, client, catalogue):
    ooapi_peer.control.faults(error_rate=1.0, path_prefix="/associations", method="POST")
    assert client.get("/courses").status_code == 200
    assert post_association(client, catalogue.make_id("off", 1)).status_code == 500
    assert ooapi_peer.control.association_count() == 0
    assert ooapi_peer.control.health()["ok"] is True  # the control API is never faulted


def test_phase_after_creates_the_association_but_fails_the_answer(ooapi_peer, client, catalogue):
    key = str(uuid.uuid4())
    ooapi_peer.control.faults(drop_next=1, phase="after", method="POST")
    with pytest.raises(httpx.RemoteProtocolError):
        post_association(client, catalogue.make_id("off", 1), key=key)
    assert ooapi_peer.control.association_count() == 1
    retried = post_association(client, catalogue.make_id("off", 1), key=key)
    assert retried.status_code == 201
    assert ooapi_peer.control.association_count() == 1


def test_malformed_json_drop_and_hang(ooapi_peer, client):
    ooapi_peer.control.faults(malformed_next=1)
    garbage = client.get("/courses")
    assert garbage.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        garbage.json()
    ooapi_peer.control.faults(drop_next=1)
    with pytest.raises(httpx.RemoteProtocolError):
        client.get("/courses")
    ooapi_peer.control.faults(hang_next=1, hang_seconds=10)
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        client.get("/courses", timeout=0.3)
    assert time.monotonic() - started < 2
    ooapi_peer.control.clear_faults()  # releases the hanging request
    assert client.get("/courses").status_code == 200


def test_latency_redirect_and_oversize(ooapi_peer, client):
    ooapi_peer.control.faults(latency_ms=150)
    started = time.monotonic()
    client.get("/")
    assert time.monotonic() - started >= 0.15
    ooapi_peer.control.set_faults(redirect_to="http://127.0.0.2:9/elsewhere")
    moved = client.get("/courses")
    assert moved.status_code == 302 and moved.headers["location"] == "http://127.0.0.2:9/elsewhere"
    ooapi_peer.control.set_faults(oversize_bytes=300_000)
    big = client.get("/courses")
    assert len(big.content) > 300_000
    assert big.json()["items"]  # still a valid document, just huge
    ooapi_peer.control.set_faults(oversize_bytes=300_000, oversize_chunked=True)
    chunked = client.get("/courses")
    assert "content-length" not in chunked.headers and len(chunked.content) > 300_000


def test_broken_mode_sends_documents_that_violate_the_spec(ooapi_peer, client, catalogue):
    ooapi_peer.control.faults(broken=True, broken_every=2)
    page = client.get("/courses").json()
    assert "name" not in page["items"][0] and "name" in page["items"][1]
    violations = response_violations(
        method="GET",
        path="/courses",
        status_code=200,
        content_type="application/json",
        body=client.get("/courses").content,
    )
    messages = {v.message for v in violations}
    assert "The required field “name” is missing." in messages
    assert any(v.location == "items[0].teachingLanguage" for v in violations)


def test_the_request_log_shows_what_clients_sent(ooapi_peer, client):
    client.get("/courses?consumer=eduxchange", headers={"Accept": "application/json", "Authorization": "Bearer t"})
    logged = ooapi_peer.control.requests("/courses")
    assert logged[-1]["query"] == {"consumer": "eduxchange"}
    assert logged[-1]["accept"] == "application/json"
    assert logged[-1]["authorization"] == "Bearer t"
    assert ooapi_peer.control.state()["requests"] == 1


def test_bad_control_requests_are_refused(ooapi_peer):
    with pytest.raises(AssertionError, match="decision must be one of"):
        ooapi_peer.control.decision("maybe")
    with pytest.raises(AssertionError, match="unknown setting"):
        ooapi_peer.control.faults(explode=True)
    with pytest.raises(AssertionError, match="must be a number"):
        ooapi_peer.control.faults(latency_ms="slow")
