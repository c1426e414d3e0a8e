"""Decompression bombs for the bounded-input tests and bench/bombs.py: a small .xes.gz that
expands to ``size`` bytes of whitespace or of one attribute's value. Built from one compressed
MiB repeated as gzip members (a gzip file may be many members), so making a 1 GB bomb takes
milliseconds."""

from __future__ import annotations

import gzip
from pathlib import Path

MB = 1 << 20
HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1.0"><trace>'
    b'<string key="concept:name" value="c1"/><event><string key="concept:name" value="A"/>'
    b'<date key="time:timestamp" value="2024-01-01T00:00:00+00:00"/>'
)
TAIL = b"</event></trace></log>\n"


def _member(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9, mtime=0)


def xes_gz_bomb(path: Path, variant: str, size: int = 1 << 30) -> Path:
    """``variant``: "whitespace" (between two elements) or "attribute" (one value)."""
    filler = _member((b" " if variant == "whitespace" else b"a") * MB)
    with path.open("wb") as out:
        out.write(_member(HEAD + (b'<string key="big" value="' if variant == "attribute" else b"")))
        for _ in range(size // MB):
            out.write(filler)
        out.write(_member((b'"/>' if variant == "attribute" else b"") + TAIL))
    return path


def zip_bomb(path: Path, members: int = 10, member_size: int = 100 * MB) -> Path:
    """A zip of ``members`` XML files of ``member_size`` bytes each (whitespace after a root)."""
    import zipfile

    body = b"<?xml version='1.0'?><NFSe>" + b" " * (member_size - 40) + b"</NFSe>"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for number in range(members):
            z.writestr(f"nota-{number}.xml", body)
    del body
    return path
