"""The list of slow tests in tests/conftest.py names tests that exist (a moved file would
otherwise silently join ``make test-fast``)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import SLOW

REPO = Path(__file__).resolve().parents[2]


def test_every_slow_entry_names_an_existing_test() -> None:
    missing = []
    for entry in SLOW:
        path, _, name = entry.partition("::")
        target = REPO / path
        found = target.exists() and (
            not name or f"def {name.partition('[')[0]}(" in target.read_text(encoding="utf-8")
        )
        if not found:
            missing.append(entry)
    assert not missing, f"tests/conftest.py SLOW names nothing: {missing}"
