"""axe-core in the browser tests: inject the vendored build into a page and report its violations.

The portal's Content-Security-Policy allows no script from elsewhere, so axe is evaluated through the
DevTools protocol (``page.evaluate``), which the policy does not govern, and the page itself is unchanged.
"""

from __future__ import annotations

from pathlib import Path

AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
SERIOUS = ("serious", "critical")


def axe_violations(page, *, impacts=SERIOUS) -> list[dict]:
    """The violations axe finds on the page as it stands, of the given impacts, WCAG 2.1 A and AA rules."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE)
    result = page.evaluate(
        """async () => await window.axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
        })"""
    )
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in impacts
    ]


def assert_accessible(page, label: str) -> None:
    """0 serious or critical violations on the page; prints what axe checked for the test output."""
    violations = axe_violations(page)
    print(f"axe {label}: {len(violations)} serious or critical violations")
    assert violations == [], f"{label}: {violations}"
