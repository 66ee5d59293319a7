"""Indonesian is the default language: every user-facing string needs a reviewed Indonesian translation.

The messages are extracted from a copy of the sources in a temporary directory with Django's own
makemessages (the same machinery as `make messages`), merged with the repository's catalogue, so the
repository's locale/ is never touched. Needs GNU gettext (Debian's `gettext` package; .ci/run installs it).
"""

from __future__ import annotations

import ast
import gettext
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
CATALOGUE = ROOT / "locale" / "id" / "LC_MESSAGES" / "django.po"
COMPILED = CATALOGUE.with_suffix(".mo")
# Not sources: what .gitignore leaves out, and the catalogues themselves (the copy gets only the Indonesian .po).
SKIPPED = shutil.ignore_patterns(
    ".git",
    ".venv",
    "var",
    "locale",
    "node_modules",
    "staticfiles",
    "test-artifacts",
    "__pycache__",
    ".*_cache",
    "*.egg-info",
    "*.pyc",
)
HOW_TO_FIX = (
    "Run `make messages`, translate these in locale/id/LC_MESSAGES/django.po (check each fuzzy guess, then "
    "remove its fuzzy flag) and run `make messages` again to compile it."
)


def gettext_tools(*names: str) -> None:
    missing = [name for name in names if shutil.which(name) is None]
    if missing:
        pytest.skip(
            f"GNU gettext is not installed ({', '.join(missing)} missing): apt-get install gettext (.ci/run does)"
        )


def entries(po_text: str) -> list[dict[str, str]]:
    """The entries of a PO file: msgid, msgid_plural, msgstr… (continuation lines joined) and flags."""
    found: list[dict[str, str]] = []
    entry: dict[str, str] = {}
    field = ""
    for line in [*po_text.splitlines(), ""]:
        if not line.strip():
            if "msgid" in entry:
                found.append(entry)
            entry, field = {}, ""
        elif line.startswith("#,"):
            entry["flags"] = line[2:]
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[field] += ast.literal_eval(line)
        else:
            field, quoted = line.split(" ", 1)
            entry[field] = ast.literal_eval(quoted)
    return found


def extracted_catalogue(tmp_path: Path) -> str:
    """The catalogue `make messages` would write now, built in a temporary copy of the sources."""
    copy = tmp_path / "src"
    shutil.copytree(ROOT, copy, ignore=SKIPPED)
    (copy / "locale" / "id" / "LC_MESSAGES").mkdir(parents=True)
    shutil.copy(CATALOGUE, copy / "locale" / "id" / "LC_MESSAGES" / "django.po")
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "supportdesk.settings_test"}
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "id", "--verbosity", "0"],
        cwd=copy,
        env=environment,
        check=True,
        capture_output=True,
        timeout=120,
    )
    return (copy / "locale" / "id" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")


def test_every_user_facing_string_has_a_reviewed_indonesian_translation(tmp_path):
    gettext_tools("xgettext", "msgmerge", "msgattrib")
    current = [entry for entry in entries(extracted_catalogue(tmp_path)) if entry["msgid"]]
    untranslated = [
        entry["msgid"] for entry in current if not all(entry[k] for k in entry if k.startswith("msgstr"))
    ]
    fuzzy = [entry["msgid"] for entry in current if "fuzzy" in entry.get("flags", "")]
    listed = "".join(f"\n  untranslated: {msgid!r}" for msgid in untranslated)
    listed += "".join(f"\n  fuzzy: {msgid!r}" for msgid in fuzzy)
    assert not (untranslated or fuzzy), (
        f"{len(untranslated)} untranslated and {len(fuzzy)} fuzzy Indonesian messages:{listed}\n{HOW_TO_FIX}"
    )


def test_the_compiled_indonesian_catalogue_is_up_to_date_with_the_po_file(tmp_path):
    gettext_tools("msgfmt")
    fresh = tmp_path / "django.mo"
    # --check: a translation must keep the placeholders (%(name)s, %d) of its source text.
    checked = subprocess.run(
        ["msgfmt", "--check", "-o", str(fresh), str(CATALOGUE)], capture_output=True, text=True, timeout=60
    )
    assert checked.returncode == 0, f"msgfmt --check rejects {CATALOGUE}:\n{checked.stderr}"
    with COMPILED.open("rb") as committed, fresh.open("rb") as compiled:
        expected = gettext.GNUTranslations(compiled)
        actual = gettext.GNUTranslations(committed)
    assert actual._catalog == expected._catalog, (  # type: ignore[attr-defined]
        f"{COMPILED} is older than {CATALOGUE.name}: run `make messages` (it compiles the catalogue)."
    )
