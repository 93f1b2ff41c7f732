"""Issue #5, item 7 and part of 8: a Content-Security-Policy on every page and no inline script or style that it
would block; API docs from local files only; 429 with Retry-After on a burst of enrolment writes; a too-long
Idempotency-Key is a 400; OOAPI tokens live an hour at most."""

import re
from urllib.parse import urljoin

import pytest
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=|\son[a-z]+=\"", re.IGNORECASE)
URL_ATTRIBUTE = re.compile(r"""\b(?:src|href|action)=["']([^"']+)["']""", re.IGNORECASE)


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def assert_strict_policy(response, *, path: str) -> None:
    assert "Content-Security-Policy" in response, f"{path}: no Content-Security-Policy"
    policy = directives(response)
    assert policy["default-src"] == ["'self'"], path
    assert policy["script-src"] == ["'self'"], path  # no 'unsafe-inline', no 'unsafe-eval', no other host
    assert policy["object-src"] == ["'none'"], path
    assert policy["frame-ancestors"] == ["'none'"], path
    assert "'self'" in policy["form-action"], path


def assert_no_inline_code(response, *, path: str) -> None:
    html = response.content.decode()
    assert not INLINE_SCRIPT.search(html), f"{path}: inline <script>: {INLINE_SCRIPT.search(html)[0]}"
    assert not INLINE_STYLE.search(html), f"{path}: inline style or handler: {INLINE_STYLE.search(html)[0]}"


def _pages(zone, submitted):
    offering = zone["offering"]
    admin = UserFactory(is_staff=True, is_superuser=True)
    return [
        (None, "/"),
        (None, "/catalogue/"),
        (None, "/catalogue/?q=energy&language=en"),
        (None, f"/catalogue/offerings/{offering.pk}/"),
        (None, "/accounts/login/"),
        (None, "/accounts/signup/"),
        (None, "/accounts/password/reset/"),
        (None, "/admin/login/"),
        (None, "/api/docs/"),
        (None, "/api/redoc/"),
        (None, "/no-such-page/"),
        (zone["student"].user, "/enrolment/requests/"),
        (zone["student"].user, f"/enrolment/requests/{submitted.public_id}/"),
        (zone["student"].user, f"/enrolment/offerings/{zone['selection'].pk}/enrol/"),
        (zone["student"].user, "/enrolment/notifications/"),
        (zone["student"].user, "/enrolment/notifications/preferences/"),
        (zone["student"].user, "/accounts/profile/"),
        (zone["staff"]["approver"], "/enrolment/staff/"),
        (zone["staff"]["approver"], f"/enrolment/staff/{zone['home'].code}/outgoing/"),
        (zone["staff"]["admissions"], f"/enrolment/staff/{zone['host'].code}/incoming/"),
        (zone["staff"]["admissions"], f"/enrolment/staff/offerings/{offering.pk}/seats/"),
        (zone["staff"]["approver"], "/accounts/2fa/"),
        (admin, "/admin/"),
        (admin, "/admin/accounts/user/"),
        (admin, "/ooapi/connections/"),
        (admin, "/ooapi/imports/"),
    ]


def test_every_page_carries_the_policy_and_no_inline_script_or_style(zone, submitted):
    seen = []
    for user, path in _pages(zone, submitted):
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        if user is not None:
            client.force_login(user)
        response = client.get(path, follow=True)
        assert response.status_code in (200, 404), f"{path}: {response.status_code}"
        assert_strict_policy(response, path=path)
        if not path.startswith("/admin/") or path == "/admin/login/":  # Django admin's own templates are Django's
            assert_no_inline_code(response, path=path)
        seen.append(path)
    assert len(seen) == len(_pages(zone, submitted))


def test_static_files_and_api_answers_carry_it_too(client):
    for path in ("/api/offerings/", "/api/schema/", "/healthz"):
        assert "Content-Security-Policy" in client.get(path), path
    static = client.get("/static/css/portal.css")
    static.close()  # a static file's answer holds the file open until closed (last: closing ends the "request")
    assert "Content-Security-Policy" in static


def test_the_seat_picture_is_drawn_without_inline_styles(client, zone, submitted):
    client.force_login(zone["staff"]["admissions"])

    html = client.get(f"/enrolment/staff/offerings/{zone['offering'].pk}/seats/").content.decode()

    assert '<svg class="seat-bar-stacked"' in html
    assert 'class="seat-taken" x="0" y="0" width="0"' in html  # nothing taken yet: a request awaits home approval
    assert not INLINE_STYLE.search(html)


def test_api_docs_name_no_other_host(client):
    page = client.get("/api/docs/")
    html = page.content.decode()
    urls = URL_ATTRIBUTE.findall(html)
    script_urls = re.findall(r'<script src="([^"]+)"', html)

    assert page.status_code == 200
    assert urls and all(url.startswith("/") and not url.startswith("//") for url in urls), urls
    assert any("swagger-ui-bundle.js" in url for url in script_urls)
    assert not INLINE_SCRIPT.search(html)
    assert not re.search(r"https?://", html)
    for url in script_urls:  # the files themselves are served here
        served = client.get(url)
        served.close()
        assert served.status_code == 200, url
    (init,) = [url for url in script_urls if "script" in url.split("?", 1)[-1]]
    script = client.get(urljoin("/api/docs/", init))
    assert script["Content-Type"].startswith("application/javascript")
    body = script.content.decode()
    assert not re.search(r"https?://", body)
    assert '"validatorUrl": null' in body  # no badge image from validator.swagger.io


def test_redoc_names_no_other_host_either(client):
    html = client.get("/api/redoc/").content.decode()

    assert not re.search(r"https?://", html)
    assert all(url.startswith("/") for url in URL_ATTRIBUTE.findall(html))
    assert "redoc.standalone.js" in html


def test_a_burst_of_enrolment_writes_is_answered_429_with_retry_after(zone, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"writes": "5/min"}}
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(zone["student"].user)

    answers = [client.post("/api/enrolments/", {}, content_type="application/json") for _ in range(6)]
    read = client.get("/api/enrolments/")

    assert [answer.status_code for answer in answers] == [400] * 5 + [429]
    throttled = answers[-1]
    assert 1 <= int(throttled["Retry-After"]) <= 60
    assert throttled.json()["code"] == "throttled"
    assert re.match(
        r"Too many requests in a short time\. Wait \d+ (seconds?|minute) and try again\.", throttled.json()["detail"]
    )
    assert read.status_code == 200  # reads are not limited


def test_the_pages_share_the_budget_and_answer_429_too(zone, submitted, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"writes": "3/min"}}
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(zone["student"].user)
    action = f"/enrolment/requests/{submitted.public_id}/act/"

    first = [client.post(action, {"verb": "no-such-verb"}) for _ in range(3)]
    page = client.post(action, {"verb": "no-such-verb"})
    api = client.post("/api/enrolments/", {}, content_type="application/json")
    enrol = client.post(f"/enrolment/offerings/{zone['selection'].pk}/enrol/", {})

    assert [answer.status_code for answer in first] == [400] * 3
    for answer in (page, api, enrol):
        assert answer.status_code == 429
        assert int(answer["Retry-After"]) >= 1
    assert "Too many requests" in page.content.decode()
    assert "Content-Security-Policy" in page


def test_other_users_keep_their_own_budget(zone, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"writes": "2/min"}}
    busy, calm = Client(), Client()
    busy.force_login(zone["students"][0].user)
    calm.force_login(zone["students"][1].user)

    for _ in range(3):
        busy.post("/api/enrolments/", {}, content_type="application/json")

    assert busy.post("/api/enrolments/", {}, content_type="application/json").status_code == 429
    assert calm.post("/api/enrolments/", {}, content_type="application/json").status_code == 400


def test_a_too_long_idempotency_key_is_refused_not_cut(zone):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(zone["student"].user)
    body = {"offering": zone["offering"].pk, "motivation": "Fits my minor"}

    too_long = client.post(
        "/api/enrolments/", body, content_type="application/json", headers={"Idempotency-Key": "k" * 101}
    )
    longest = client.post(
        "/api/enrolments/", body, content_type="application/json", headers={"Idempotency-Key": "k" * 100}
    )

    assert too_long.status_code == 400
    assert too_long.json() == {
        "detail": "The Idempotency-Key header is too long: at most 100 characters. Use a shorter key, such as a UUID.",
        "code": "idempotency_key_too_long",
        "max_length": 100,
    }
    assert longest.status_code == 201


def test_ooapi_access_tokens_live_an_hour_at_most(client):
    """django-oauth-toolkit's default is ten hours; a token issued by /o/token/ now lasts an hour."""
    import base64

    from oauth2_provider.models import AccessToken

    from ooapi.provider.services import provider_client_create
    from tests.factories import InstitutionFactory

    provider, secret = provider_client_create(institution=InstitutionFactory())
    credentials = base64.b64encode(f"{provider.application.client_id}:{secret}".encode()).decode()

    issued = client.post("/o/token/", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=f"Basic {credentials}")

    assert issued.status_code == 200, issued.content
    assert 0 < issued.json()["expires_in"] <= 3600
    token = AccessToken.objects.get(token__isnull=False, application=provider.application)
    assert (token.expires - token.created).total_seconds() <= 3600 + 5
