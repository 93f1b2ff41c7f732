"""Both languages complete: every message of the Dutch and English catalogues is translated, no guess is
left fuzzy, placeholders survive translation, and the committed .mo files match their .po sources."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parent.parent / "locale"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]")


def _entries(po: Path):
    """(flags, msgid, msgid_plural, [msgstr...]) per entry, parsed without third-party libraries."""
    entries, current, field = [], None, None

    def unquote(line: str) -> str:
        return bytes(line.strip()[1:-1], "utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")

    for raw in po.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line:
            if current:
                entries.append(current)
            current, field = None, None
            continue
        if current is None:
            current = {"flags": "", "msgid": "", "msgid_plural": "", "msgstr": {}}
        if line.startswith("#,"):
            current["flags"] += line
        elif line.startswith("#"):
            continue
        elif line.startswith("msgid_plural "):
            field, current["msgid_plural"] = "msgid_plural", unquote(line[len("msgid_plural ") :])
        elif line.startswith("msgid "):
            field, current["msgid"] = "msgid", unquote(line[len("msgid ") :])
        elif line.startswith("msgstr"):
            key = line.split(" ", 1)[0]
            field = key
            current["msgstr"][key] = unquote(line[len(key) + 1 :])
        elif line.startswith('"') and field:
            if field.startswith("msgstr"):
                current["msgstr"][field] += unquote(line)
            else:
                current[field] += unquote(line)
    return [e for e in entries if e["msgid"]]  # the header has an empty msgid


@pytest.mark.parametrize("language", ["nl", "en"])
def test_catalogue_is_complete(language):
    entries = _entries(LOCALE / language / "LC_MESSAGES" / "django.po")
    assert len(entries) > 500
    untranslated = [e["msgid"] for e in entries if not all(e["msgstr"].values())]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert untranslated == [], f"{len(untranslated)} untranslated, e.g. {untranslated[:5]}"
    assert fuzzy == [], f"{len(fuzzy)} fuzzy, e.g. {fuzzy[:5]}"


def test_english_says_what_the_source_says():
    """The source strings are English: each English translation is its msgid (msgen fills them). Both
    catalogues hold the same messages, so one rewritten in the wrong encoding (gettext's tools drop what
    they cannot read, such as curly quotes, from msgid and msgstr alike) fails here."""
    english = _entries(LOCALE / "en" / "LC_MESSAGES" / "django.po")
    dutch = _entries(LOCALE / "nl" / "LC_MESSAGES" / "django.po")
    assert sorted(e["msgid"] for e in english) == sorted(e["msgid"] for e in dutch)
    for entry in english:
        if entry["msgid_plural"]:
            assert entry["msgstr"] == {"msgstr[0]": entry["msgid"], "msgstr[1]": entry["msgid_plural"]}, entry
        else:
            assert entry["msgstr"] == {"msgstr": entry["msgid"]}, entry


def test_placeholders_survive_translation():
    for entry in _entries(LOCALE / "nl" / "LC_MESSAGES" / "django.po"):
        wanted = sorted(PLACEHOLDER.findall(entry["msgid_plural"] or entry["msgid"]))
        for key, text in entry["msgstr"].items():
            found = sorted(PLACEHOLDER.findall(text))
            if entry["msgid_plural"] and key == "msgstr[0]":
                found, wanted_here = set(found), set(wanted)  # a singular may spell out "one"
                assert found <= wanted_here, (entry["msgid"], text)
            else:
                assert found == wanted, (entry["msgid"], text)


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext's msgfmt is not installed")
@pytest.mark.parametrize("language", ["nl", "en"])
def test_committed_mo_matches_its_po(language, tmp_path):
    folder = LOCALE / language / "LC_MESSAGES"
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(compiled), str(folder / "django.po")], check=True)
    assert compiled.read_bytes() == (folder / "django.mo").read_bytes(), "run `make messages` and commit the .mo files"
