"""axe-core finds no serious or critical violations on the main pages anyone reaches first: the home page,
the catalogue and an offering, anonymous and as a student."""

import pytest

from tests.browser.axe import assert_accessible

pytestmark = pytest.mark.browser


def test_public_pages_are_accessible(page, demo_zone):
    from catalogue.models import Offering

    offering = Offering.objects.filter(is_archived=False).order_by("pk").first()
    for label, path in (
        ("home", "/"),
        ("catalogue", "/catalogue/"),
        ("catalogue search", "/catalogue/?q=energie"),
        ("offering", f"/catalogue/offerings/{offering.pk}/"),
    ):
        page.goto(path)
        assert_accessible(page, label)


def test_control_axe_does_find_a_violation(page, demo_zone):
    """The check can fail: a button with no accessible name, added to the page, is a critical violation."""
    from tests.browser.axe import axe_violations

    page.goto("/catalogue/")
    page.evaluate("() => document.querySelector('main').appendChild(document.createElement('button'))")
    assert "button-name" in {v["id"] for v in axe_violations(page)}
