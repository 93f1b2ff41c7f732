"""Stylesheets, scripts and fonts come from the portal itself: no template or stylesheet names another host
(the Content-Security-Policy would block it anyway), and the NL Design System's CSS is vendored with its licence."""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
VENDOR = ROOT / "static" / "vendor" / "utrecht"
# An asset another host would serve: <link href>, <script src>, <img src>, CSS @import or url(), to http(s) or //.
EXTERNAL_ASSET = re.compile(
    r"""<(?:link|script|img|source|iframe)\b[^>]*\b(?:href|src)\s*=\s*["']?(?:https?:)?//"""
    r"""|@import\s+(?:url\()?["']?(?:https?:)?//|url\(\s*["']?(?:https?:)?//""",
    re.I,
)


def _templates():
    folders = [ROOT / "templates", *ROOT.glob("*/templates")]
    return [path for folder in folders for path in folder.rglob("*.html") if ".venv" not in path.parts]


def test_no_template_loads_an_asset_from_another_host():
    templates = _templates()
    assert len(templates) > 30
    offenders = {str(p.relative_to(ROOT)) for p in templates if EXTERNAL_ASSET.search(p.read_text(encoding="utf-8"))}
    assert offenders == set()


def test_no_stylesheet_imports_from_another_host():
    sheets = list((ROOT / "static").rglob("*.css"))
    assert VENDOR / "component-library.css" in sheets
    offenders = {str(p.relative_to(ROOT)) for p in sheets if EXTERNAL_ASSET.search(p.read_text(encoding="utf-8"))}
    assert offenders == set()


def test_the_control_finds_an_external_stylesheet():
    assert EXTERNAL_ASSET.search(
        '<link rel="stylesheet" href="https://unpkg.com/@utrecht/design-tokens/dist/index.css">'
    )
    assert EXTERNAL_ASSET.search("<script src='//cdn.example/x.js'></script>")
    assert not EXTERNAL_ASSET.search('<link rel="stylesheet" href="/static/vendor/utrecht/component-library.css">')
    assert not EXTERNAL_ASSET.search('<a href="https://www.nldesignsystem.nl/">NL Design System</a>')


def test_the_nl_design_system_is_vendored_with_its_licence_and_used_by_the_base_template():
    assert (VENDOR / "component-library.css").stat().st_size > 100_000
    assert (VENDOR / "voorbeeld-theme.css").stat().st_size > 100_000
    assert "EUROPEAN UNION PUBLIC LICENCE v. 1.2" in (VENDOR / "LICENSE.md").read_text(encoding="utf-8")
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    assert "@utrecht/component-library-css@9.0.4" in readme and "voorbeeld-design-tokens@7.4.1" in readme
    base = (ROOT / "templates" / "base.html").read_text(encoding="utf-8")
    assert "{% static 'vendor/utrecht/component-library.css' %}" in base
    assert 'class="voorbeeld-theme"' in base
