"""Screenshots of the pages students and staff meet first, on a running demo (``make run``).

    python -m tools.screenshots http://127.0.0.1:8000 after

saves, in English and in Debian's chromium, ``docs/screenshots/<prefix>-catalogue.png`` (1280 px wide),
``-catalogue_phone.png`` (390 x 844), ``-offering.png`` (the catalogue's first result, anonymous), ``-enrol_form.png``
(that offering's enrol form, as the demo student) and ``-staff_decision.png`` (a request awaiting home approval, as
the demo's home approver). When the approver's queue has no such request, the demo student submits one first (the
demo's data changes: run it on a demo you may change).

Plain Python and Playwright over HTTP: this program imports neither Django nor the portal (import-linter checks).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
from pathlib import Path
from urllib.parse import urljoin

from playwright.sync_api import Browser, Page, sync_playwright

# The demo's logins (README, "Demo logins").
PASSWORD = "flexportal-demo"  # noqa: S105 (the demo's published password)
STUDENT = "student@demo.flexportal.nl"
APPROVER = "approver.uu@demo.flexportal.nl"

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
OFFERING_LINK = re.compile(r"/catalogue/offerings/(\d+)/$")
REQUEST_LINK = 'main a[href*="/enrolment/requests/"]'


class ScreenshotError(RuntimeError):
    """The demo did not show what a screenshot needs."""


def chromium_path() -> str:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


def new_page(browser: Browser, base_url: str, *, viewport=DESKTOP, is_mobile: bool = False) -> Page:
    context = browser.new_context(
        base_url=base_url, viewport=viewport, locale="en-GB", is_mobile=is_mobile, has_touch=is_mobile
    )
    context.set_default_timeout(30_000)
    return context.new_page()


def log_in(page: Page, email: str) -> None:
    page.goto("/accounts/login/")
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.get_by_role("button", name="Log out").wait_for()


def first_offering_path(page: Page) -> str:
    """The catalogue's first result, as the catalogue lists it with no filters."""
    page.goto("/catalogue/")
    for path in offering_paths(page):
        return path
    raise ScreenshotError("the catalogue shows no offering")


def offering_paths(page: Page) -> list[str]:
    """The offerings the page links to, in order, once each."""
    paths = page.locator('main a[href*="/catalogue/offerings/"]').evaluate_all(
        "(links) => links.map(a => new URL(a.href).pathname)"
    )
    return list(dict.fromkeys(path for path in paths if OFFERING_LINK.search(path)))


def request_awaiting_approval(page: Page) -> str | None:
    """The first request awaiting home approval in the approver's outgoing queue, or None."""
    page.goto("/enrolment/staff/")
    queue = page.locator('main a[href$="/outgoing/"]')
    if queue.count() == 0:
        raise ScreenshotError(f"{APPROVER} has no outgoing queue")
    page.goto(urljoin(queue.first.get_attribute("href"), "?status=submitted"))
    links = page.locator(REQUEST_LINK)
    return links.first.get_attribute("href") if links.count() else None


def submit_a_request(student: Page) -> None:
    """The demo student submits a request for the first offering open for enrolment that accepts one."""
    student.goto("/catalogue/?open=yes")
    for path in offering_paths(student):
        offering_id = OFFERING_LINK.search(path).group(1)
        student.goto(f"/enrolment/offerings/{offering_id}/enrol/")
        form = student.locator("#enrol-form")
        if form.count() == 0:
            continue
        motivation = form.locator("textarea[name=motivation]")
        if motivation.count():
            motivation.fill("It fits my minor.")
        # The form's own submit button (the alternatives' search buttons are submit buttons too).
        form.get_by_role("button", name=re.compile(r"^Submit")).click()
        student.wait_for_load_state()
        if "/enrolment/requests/" in student.url:
            return
    raise ScreenshotError("no offering open for enrolment (first page) accepts a request from the demo student")


def shoot(page: Page, path: Path, *, full_page: bool = True) -> None:
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(path), full_page=full_page)
    print(f"saved {path}")


def take(base_url: str, prefix: str, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    saved = []

    def target(name: str) -> Path:
        path = out_dir / f"{prefix}-{name}.png"
        saved.append(path)
        return path

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        try:
            visitor = new_page(browser, base_url)
            offering = first_offering_path(visitor)
            shoot(visitor, target("catalogue"), full_page=False)
            visitor.goto(offering)
            shoot(visitor, target("offering"))

            phone = new_page(browser, base_url, viewport=PHONE, is_mobile=True)
            phone.goto("/catalogue/")
            shoot(phone, target("catalogue_phone"), full_page=False)

            student = new_page(browser, base_url)
            log_in(student, STUDENT)
            offering_id = OFFERING_LINK.search(offering).group(1)
            student.goto(f"/enrolment/offerings/{offering_id}/enrol/")
            shoot(student, target("enrol_form"))

            approver = new_page(browser, base_url)
            log_in(approver, APPROVER)
            request_path = request_awaiting_approval(approver)
            if request_path is None:
                submit_a_request(student)
                request_path = request_awaiting_approval(approver)
            if request_path is None:
                raise ScreenshotError("no request awaits home approval, even after the student submitted one")
            approver.goto(request_path)
            shoot(approver, target("staff_decision"))
        finally:
            browser.close()
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base_url", help="the running demo, e.g. http://127.0.0.1:8000")
    parser.add_argument("prefix", help="the file names' prefix, e.g. after")
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"), help="folder (default: docs/screenshots)")
    args = parser.parse_args(argv)
    try:
        take(args.base_url.rstrip("/"), args.prefix, args.out)
    except ScreenshotError as error:
        print(f"screenshots: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
