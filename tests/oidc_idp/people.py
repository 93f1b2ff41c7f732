"""The IdP's directory: ``people.json`` in the state directory, {username: {"password": ..., "claims": {...}}}."""

import json
import os
from pathlib import Path
from typing import Any

PEOPLE_FILE = "people.json"


def people_path(state_dir: Path) -> Path:
    return state_dir / PEOPLE_FILE


def read_people(state_dir: Path) -> dict[str, Any]:
    try:
        return json.loads(people_path(state_dir).read_text())
    except FileNotFoundError:
        return {}


def write_people(state_dir: Path, people: dict[str, Any]) -> None:
    # Written to a temporary file and renamed, so the running IdP never reads half a file.
    path = people_path(state_dir)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(people))
    os.replace(temporary, path)
