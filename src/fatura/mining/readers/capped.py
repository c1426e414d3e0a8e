"""How far a compressed log may expand while it is read (no Django here: the cap is a
parameter; the app passes ``FATURA_MAX_UNPACKED_MB`` from :mod:`fatura.core.limits`).

:class:`CappedStream` counts the bytes a reader takes from a decompressing stream and raises
:class:`Unpacked` (a :class:`LogError`) past the cap, so a small ``.gz`` that expands to
gigabytes is refused after reading the cap, not after filling memory or disk."""

from __future__ import annotations

import gzip
from typing import IO

from fatura.mining.errors import LogError

MB = 1024 * 1024
DEFAULT_MAX_UNPACKED = 500 * MB
GZIP_MAGIC = b"\x1f\x8b"


class Unpacked(LogError):  # noqa: N818 - the error of an expansion past the cap
    """The decompressed content passes the cap: refused, never read by another path."""

    def __init__(self, source: str | None, cap: int) -> None:
        super().__init__(
            f"the compressed file expands beyond {cap // MB} MB (FATURA_MAX_UNPACKED_MB); "
            "split it or raise the limit",
            source,
        )


class CappedStream:
    """A read-only file-like over ``stream`` that refuses to hand over more than ``cap`` bytes."""

    def __init__(self, stream: IO[bytes], cap: int, source: str | None = None) -> None:
        self.stream = stream
        self.cap = cap
        self.source = source
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        room = self.cap + 1 - self.count
        data = self.stream.read(room if size is None or size < 0 else min(size, room))
        self.count += len(data)
        if self.count > self.cap:
            raise Unpacked(self.source, self.cap)
        return data

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self.stream.close()


def open_maybe_gzip(source: str, cap: int | None) -> tuple[IO[bytes], list[IO[bytes]]]:
    """The file, or its gzip stream capped at ``cap`` (by its magic bytes, whatever the name
    says); also the files to close. Raises :class:`LogError` if it cannot be opened."""
    try:
        raw = open(source, "rb")  # noqa: SIM115 - closed by the caller (second item)
    except OSError as error:
        raise LogError(f"cannot open the file ({error.strerror})", source) from None
    if raw.read(2) != GZIP_MAGIC:
        raw.seek(0)
        return raw, [raw]
    raw.seek(0)
    stream: IO[bytes] = gzip.GzipFile(fileobj=raw)  # type: ignore[assignment]
    files = [raw, stream]
    if cap is not None:
        stream = CappedStream(stream, cap, source)  # type: ignore[assignment]
    return stream, files


def unpacked_size(source: str, cap: int | None, block: int = MB) -> int:
    """Decompress a gzip file once, counting, and refuse it past ``cap`` (for readers that
    hand the file to a library that decompresses it by itself). A plain file: its size."""
    stream, files = open_maybe_gzip(source, cap)
    try:
        total = 0
        while True:
            data = stream.read(block)
            if not data:
                return total
            total += len(data)
    except (EOFError, OSError) as error:
        raise LogError(f"broken gzip stream ({error})", source) from None
    finally:
        for file in reversed(files):
            file.close()
