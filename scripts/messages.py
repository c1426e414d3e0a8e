"""Build the translation catalogues.

User-facing source strings are pt-BR (the first language); ``locale/en`` translates them to
English. ``python scripts/messages.py`` extracts new strings into the .po files (needs GNU
gettext's xgettext) and compiles every .po to .mo with polib (pure Python), so a machine
without gettext still runs the English UI. ``--check`` fails when a .mo is stale.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "src" / "fatura" / "locale"
LANGUAGES = ["en"]


def _catalogues() -> list[Path]:
    return sorted(LOCALE.glob("*/LC_MESSAGES/*.po"))


def extract() -> None:
    args = [sys.executable, "manage.py", "makemessages", "--no-obsolete", "--no-location"]
    args += [f"--locale={lang}" for lang in LANGUAGES]
    args += [f"--ignore={pattern}" for pattern in (".venv/*", "var/*", "tests/*", "bench/*")]
    (LOCALE / LANGUAGES[0] / "LC_MESSAGES").mkdir(parents=True, exist_ok=True)
    subprocess.run(args, cwd=ROOT, check=True)


def compile_all() -> None:
    for po_path in _catalogues():
        polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))
        print(f"compiled {po_path.relative_to(ROOT)}")


def check() -> int:
    stale = []
    for po_path in _catalogues():
        with tempfile.NamedTemporaryFile(suffix=".mo") as tmp:
            polib.pofile(str(po_path)).save_as_mofile(tmp.name)
            mo_path = po_path.with_suffix(".mo")
            if not mo_path.exists() or Path(tmp.name).read_bytes() != mo_path.read_bytes():
                stale.append(mo_path)
    for path in stale:
        print(f"stale: {path.relative_to(ROOT)} (run `make messages`)")
    return 1 if stale else 0


if __name__ == "__main__":
    if "--check" in sys.argv:
        raise SystemExit(check())
    if "--compile-only" not in sys.argv:
        extract()
    compile_all()
