"""The house has floors (docs/architecture.md): apps depend downward only, ``core`` imports no app, and
enrolment's layers run one way. ``make lint`` checks the contracts with import-linter; this test runs the
same check, and finds what import-linter cannot see: an import hidden inside a function to dodge a circle."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
PROJECT = (
    "core",
    "institutions",
    "accounts",
    "notifications",
    "catalogue",
    "enrolment",
    "credentials",
    "routes",
    "ooapi",
    "demo",
    "bench",
    "portal",
    "tools",
)


def _local_imports(path: Path) -> list[str]:
    """Imports of the project's own modules inside a function, except in ``AppConfig.ready`` (where the app
    registry allows them only then)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or node.name == "ready":
            continue
        for inner in ast.walk(node):
            names = []
            if isinstance(inner, ast.ImportFrom) and inner.module and inner.level == 0:
                names = [inner.module]
            elif isinstance(inner, ast.Import):
                names = [alias.name for alias in inner.names]
            found += [
                f"{path.relative_to(ROOT)}:{inner.lineno} {name}" for name in names if name.split(".")[0] in PROJECT
            ]
    return found


def test_no_function_hides_an_import_of_the_project():
    hidden = []
    for package in PROJECT:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                hidden += _local_imports(path)
    assert hidden == []


def test_the_import_contracts_hold():
    linter = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(linter)], cwd=ROOT, capture_output=True, text=True, timeout=120)  # noqa: S603
    assert result.returncode == 0, result.stdout[-3000:]
    assert "0 broken" in result.stdout
