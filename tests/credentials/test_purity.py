"""credentials.openbadges is pure (docs/architecture.md): no models, no settings, no other app, no network.
import-linter forbids the portal's apps and the HTTP clients; this also refuses Django beyond translation,
which import-linter cannot tell apart from the rest of Django."""

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "credentials" / "openbadges"
ALLOWED = {"cryptography", "pyld", "cachetools", "django.utils.translation", "core.errors"}


def _imports(path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module


def test_the_package_imports_only_the_standard_library_and_its_named_dependencies():
    outside = [
        f"{path.name}: {name}"
        for path in sorted(PACKAGE.glob("*.py"))
        for name in _imports(path)
        if name.split(".")[0] not in sys.stdlib_module_names
        and not any(name == allowed or name.startswith(f"{allowed}.") for allowed in ALLOWED)
    ]
    assert outside == []


def test_the_package_imports_no_network_module_of_the_standard_library():
    network = {"socket", "ssl", "http", "urllib.request", "ftplib", "smtplib", "asyncio"}
    found = [
        f"{path.name}: {name}"
        for path in sorted(PACKAGE.glob("*.py"))
        for name in _imports(path)
        if name in network or name.split(".")[0] in network
    ]
    assert found == []
