"""The Content-Security-Policy as a browser enforces it: the pages and the API docs work, and nothing is blocked."""

import pytest

pytestmark = [pytest.mark.browser]


def _watch(page, origin: str) -> list[str]:
    """Collects what the browser reports as blocked by the policy, and every request to another host."""
    problems: list[str] = []
    page.on(
        "console",
        lambda message: (
            problems.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    page.on(
        "request",
        lambda request: (
            problems.append(f"other host: {request.url}")
            if not request.url.startswith((origin, "data:", f"blob:{origin}"))
            else None
        ),
    )
    return problems


def test_swagger_ui_renders_from_local_files_without_violations(page, live_server, transactional_db):
    problems = _watch(page, live_server.url)

    page.goto("/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock-tag", timeout=20_000)

    assert page.locator(".opblock").count() > 10  # the operations, read from /api/schema/
    assert problems == []


def test_redoc_renders_from_local_files_without_violations(page, live_server, transactional_db):
    problems = _watch(page, live_server.url)

    page.goto("/api/redoc/")
    page.wait_for_selector(".menu-content li", timeout=20_000)
    page.wait_for_timeout(500)

    # The one thing refused: the Redocly logo ReDoc's bundle asks for from its CDN (it hides it when refused).
    assert [problem for problem in problems if "cdn.redoc.ly/redoc/logo-mini.svg" not in problem] == []
    assert page.locator(".menu-content li").count() > 5


def test_the_catalogue_filters_without_violations(page, live_server, demo_zone):
    problems = _watch(page, live_server.url)

    page.goto("/catalogue/")
    page.locator("#q").fill("energie")
    page.wait_for_timeout(1200)  # htmx's 400 ms debounce, then the swap

    assert "energie" in page.url
    assert problems == []
