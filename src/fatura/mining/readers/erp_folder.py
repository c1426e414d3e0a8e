"""ERP extracts as a folder or a zip of one: Oracle Fusion AR and NetSuite (CSV exports).

:func:`erp_kind` tells a folder's source by its tables; :func:`extract_zip` unpacks a zip into
a folder under strict bounds (docs/decisions/0037-erp-zip-import-and-as-of.md):

- at most :data:`MAX_MEMBERS` entries and ``max_unpacked`` bytes in all, counted while
  unpacking (what the zip *declares* is checked first, then the bytes really written);
- every entry's compression ratio at most :data:`MAX_RATIO` (a zip bomb's is in the thousands;
  CSV exports compress 5–20×);
- names: relative, no ``..``, no drive or absolute path, no symbolic links, no zip inside, at
  most :data:`MAX_DEPTH` folders deep; the extract may sit in nested folders (a zip of the
  folder itself): the shallowest folder holding the marker table is the extract.

:func:`read_erp` reads either. Pure: no Django (the caller passes the byte cap).
"""

from __future__ import annotations

import shutil
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

import pyarrow as pa

from fatura.mining.errors import LogError

ORACLE_FUSION = "oracle-fusion"
NETSUITE = "netsuite"
MARKERS = {"ra_customer_trx_all.csv": ORACLE_FUSION, "invoices.csv": NETSUITE}
MAX_MEMBERS = 500
MAX_RATIO = 200
MAX_DEPTH = 4
DEFAULT_MAX_UNPACKED = 500 * 1024 * 1024
CHUNK = 1 << 20


def erp_kind(folder: Path) -> str | None:
    """``oracle-fusion`` or ``netsuite`` when ``folder`` holds that extract's marker table."""
    names = {child.name.lower() for child in folder.iterdir() if child.is_file()}
    for marker, kind in MARKERS.items():
        if marker in names:
            return kind
    return None


def find_extract(root: Path) -> tuple[Path, str]:
    """The shallowest folder under ``root`` (``root`` included) that is an ERP extract."""
    level = [root]
    for _depth in range(MAX_DEPTH + 1):
        for folder in sorted(level):
            kind = erp_kind(folder)
            if kind is not None:
                return folder, kind
        level = [c for f in level for c in f.iterdir() if c.is_dir() and not c.is_symlink()]
        if not level:
            break
    raise LogError(
        "not an ERP extract: no Oracle Fusion AR (RA_CUSTOMER_TRX_ALL.csv, ...) or NetSuite "
        "(invoices.csv, ...) tables",
        str(root),
    )


def _refuse(message: str, source: str) -> LogError:
    return LogError(message, source)


def check_members(infos: Iterable[zipfile.ZipInfo], source: str, max_unpacked: int) -> int:
    """Check what the zip declares (names, count, sizes, ratios); the declared total."""
    total = 0
    for count, info in enumerate(infos, start=1):
        if count > MAX_MEMBERS:
            raise _refuse(f"the zip has more than {MAX_MEMBERS} entries", source)
        name = info.filename
        path = PurePosixPath(name.replace("\\", "/"))
        if path.is_absolute() or ".." in path.parts or (path.parts and ":" in path.parts[0]):
            raise _refuse(f"entry {name!r}: the path leaves the extract's folder", source)
        if len(path.parts) > MAX_DEPTH + 1:
            raise _refuse(f"entry {name!r}: more than {MAX_DEPTH} folders deep", source)
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise _refuse(f"entry {name!r}: symbolic links are not accepted", source)
        if info.is_dir():
            continue
        if name.lower().endswith(".zip"):
            raise _refuse(f"entry {name!r}: a zip inside the zip is not accepted", source)
        if info.flag_bits & 0x1:
            raise _refuse(f"entry {name!r}: encrypted entries are not accepted", source)
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > CHUNK and ratio > MAX_RATIO:
            raise _refuse(
                f"entry {name!r}: expands {ratio:,.0f}× (more than {MAX_RATIO}×): refused as "
                "a possible zip bomb",
                source,
            )
        total += info.file_size
        if total > max_unpacked:
            raise _refuse(f"the zip expands to more than {max_unpacked // (1 << 20)} MB", source)
    return total


def check_zip(path: Path, max_unpacked: int = DEFAULT_MAX_UNPACKED) -> None:
    """Refuse early (before queuing an import) a zip that cannot be a bounded ERP extract."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            check_members(infos, path.name, max_unpacked)
            names = {PurePosixPath(i.filename.replace("\\", "/")).name.lower() for i in infos}
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError) as error:
        raise _refuse(f"not a readable zip ({error})", path.name) from None
    if not names & set(MARKERS):
        raise _refuse(
            "the zip holds no ERP extract: Oracle Fusion AR (RA_CUSTOMER_TRX_ALL.csv, ...) or "
            "NetSuite (invoices.csv, ...)",
            path.name,
        )


def zip_kind(path: Path) -> str:
    """The extract's source named by the zip's marker table (the shallowest one)."""
    try:
        with zipfile.ZipFile(path) as archive:
            found = sorted(
                (len(p.parts), MARKERS[p.name.lower()])
                for p in (PurePosixPath(n.replace("\\", "/")) for n in archive.namelist())
                if p.name.lower() in MARKERS
            )
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError) as error:
        raise _refuse(f"not a readable zip ({error})", path.name) from None
    if not found:
        raise _refuse("the zip holds no ERP extract", path.name)
    return found[0][1]


def extract_zip(path: Path, into: Path, max_unpacked: int = DEFAULT_MAX_UNPACKED) -> Path:
    """Unpack ``path`` into the (empty) folder ``into`` under the bounds above; the extract's
    folder. The bytes written are counted: a zip lying about its sizes stops at the cap."""
    source = path.name
    written = 0
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            check_members(infos, source, max_unpacked)
            root = into.resolve()
            for info in infos:
                target = (root / info.filename.replace("\\", "/")).resolve()
                if root != target and root not in target.parents:
                    raise _refuse(f"entry {info.filename!r}: the path leaves the folder", source)
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                limit = min(max_unpacked - written, MAX_RATIO * max(info.compress_size, CHUNK))
                with archive.open(info) as stream, target.open("wb") as out:
                    while block := stream.read(CHUNK):
                        written += len(block)
                        limit -= len(block)
                        if limit < 0:
                            raise _refuse(
                                f"entry {info.filename!r} expands beyond its bound (zip bomb?)",
                                source,
                            )
                        out.write(block)
    except (zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError, EOFError) as error:
        raise _refuse(f"not a readable zip ({error})", source) from None
    except (OSError, ValueError) as error:  # a file and a folder of one name, a NUL in a name
        raise _refuse(f"the zip's entries cannot be unpacked ({error})", source) from None
    folder, _kind = find_extract(into)
    return folder


@contextmanager
def opened_extract(
    path: str | Path, max_unpacked: int = DEFAULT_MAX_UNPACKED
) -> Iterator[tuple[Path, str]]:
    """The extract's folder and source of a folder or a zip (unpacked to a temporary folder
    removed on exit)."""
    source = Path(path)
    if source.is_dir():
        yield find_extract(source)
        return
    if not zipfile.is_zipfile(source):
        raise LogError("an ERP extract is a folder of CSV exports or a zip of one", str(path))
    scratch = Path(tempfile.mkdtemp(prefix="fatura-erp-"))
    try:
        folder = extract_zip(source, scratch, max_unpacked)
        yield folder, find_extract(folder)[1]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def read_erp(
    path: str | Path,
    *,
    zone: str | None = None,
    encoding: str = "utf-8",
    automation: Iterable[str] | None = None,
    kind: str | None = None,
    max_unpacked: int = DEFAULT_MAX_UNPACKED,
) -> pa.Table:
    """The canonical table of an ERP extract (a folder or a zip of one). ``kind``: insist on
    a source (refused when the extract is the other one)."""
    with opened_extract(path, max_unpacked) as (folder, found):
        if kind is not None and kind != found:
            raise LogError(f"the extract is {found}, not {kind}", str(path))
        if found == ORACLE_FUSION:
            from fatura.mining.readers.oracle_fusion import oracle_fusion_table

            table = oracle_fusion_table(folder, zone=zone, encoding=encoding)
            return _automated_users(table, automation)
        from fatura.mining.readers.netsuite import netsuite_table

        users = None if automation is None else ["system", *automation]
        return netsuite_table(folder, zone=zone, encoding=encoding, automation=users)


def _automated_users(table: pa.Table, users: Iterable[str] | None) -> pa.Table:
    """Oracle: ``is_automated`` from the event's user when automation users are given."""
    if users is None:
        return table
    from fatura.mining.automation import with_automation_users

    return with_automation_users(table, users)
