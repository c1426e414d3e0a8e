"""Writers: an :class:`EventLog` -> a file other tools read (pm4py, Celonis, Disco).

=============  ==================================================================
``csv``        XES keys as column names, ISO timestamps with offset (:mod:`.tabular`)
``parquet``    the same columns, typed (:mod:`.tabular`)
``xes``        XES 1849-2016, typed attributes, one trace per case (:mod:`.xes`)
=============  ==================================================================

Every writer writes to a temporary file beside the target and renames it into place: the
target is complete or untouched.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from fatura.mining.log import EventLog

WRITE_FORMATS = ("csv", "parquet", "xes")

__all__ = ["WRITE_FORMATS", "atomic_path", "write_log"]


def write_log(log: EventLog, path: str | Path, fmt: str) -> Path:
    """Write ``log`` to ``path`` in ``fmt`` (one of :data:`WRITE_FORMATS`)."""
    target = Path(path)
    writer: Callable[[EventLog, Path], None]
    if fmt == "csv":
        from fatura.mining.writers.tabular import write_csv as writer
    elif fmt == "parquet":
        from fatura.mining.writers.tabular import write_parquet as writer
    elif fmt == "xes":
        from fatura.mining.writers.xes import write_xes

        def writer(log: EventLog, path: Path) -> None:
            write_xes(log, path, compress=str(target).lower().endswith(".gz"))
    else:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(WRITE_FORMATS)}")
    with atomic_path(target) as temporary:
        writer(log, temporary)
    return target


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path beside ``target``, renamed to it when the block ends without error
    (removed otherwise)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
