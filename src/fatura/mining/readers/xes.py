"""XES (``.xes``, ``.xes.gz``) -> the canonical Arrow table, streaming.

Two ways to read, one result. The fast path (:mod:`.xes_fast`) scans blocks of bytes with NumPy
and Arrow while libxml2 checks the XML; it reads the usual shape of XES (self-closing attribute
elements in double quotes, UTF-8) and falls back, from the start, to the reference path for
anything else and for every refusal, so messages and line numbers are the reference's. The
reference path: ``lxml.etree.iterparse`` hands over one ``<event>`` / ``<trace>`` at a time; its
attribute elements are copied as text into flat lists, then the element is cleared and dropped
from the tree. Both hand the text over every ``chunk_events`` events, where it becomes typed
Arrow arrays (grouped and converted with Arrow, not value by value), so memory stays bounded by
the columnar size of the log.

Keys: trace ``concept:name`` -> ``case_id``; event ``concept:name`` -> ``activity``,
``time:timestamp`` -> ``timestamp`` (any XES type: a ``string`` holding a date is parsed too),
``org:resource`` -> ``resource``, ``lifecycle:transition`` -> ``lifecycle``. Every other
attribute is kept with its XES type (string, id -> string; date -> timestamp[us, UTC];
int -> int64; float -> float64; boolean -> bool), recorded in the field's metadata
(``xes:type``); trace attributes become ``case:<key>``. A key seen with two types is widened
(int + float -> float, otherwise text). Nested attributes and ``list``/``container`` values are
not kept; log-level attributes, globals, extensions and classifiers are not events.

Refused with a :class:`LogError` naming line / trace / event: XML that is malformed or
truncated, an unknown encoding or bytes that do not match it, a broken gzip stream, a root that
is not ``<log>``, an event outside a trace, an attribute without key or value, a trace without
``concept:name``, an event without ``concept:name`` or ``time:timestamp`` (a log without any
timestamp is refused as such), a value that does not fit its type.
"""

from __future__ import annotations

import gzip
import logging
import zlib
from collections.abc import Collection
from pathlib import Path
from typing import IO, Any

import numpy as np
import pyarrow as pa
from lxml import etree

from fatura.mining.errors import LogError
from fatura.mining.readers import xes_fast
from fatura.mining.readers.capped import DEFAULT_MAX_UNPACKED, Unpacked, open_maybe_gzip
from fatura.mining.readers.xes_columns import Columns, Scope
from fatura.mining.readers.xes_fast import FallbackError

logger = logging.getLogger(__name__)


def read_xes(
    path: str | Path,
    *,
    naive_zone: str,
    attributes: bool | Collection[str] = True,
    chunk_events: int = 200_000,
    max_unpacked: int | None = DEFAULT_MAX_UNPACKED,
) -> pa.Table:
    """Read an XES log into the canonical table (file order). ``attributes=False`` keeps only
    the standard keys (what ``fatura mine`` needs). A ``.xes.gz`` expanding past
    ``max_unpacked`` bytes is refused (:class:`.capped.Unpacked`); None: no cap."""
    try:
        return read_xes_fast(
            path,
            naive_zone=naive_zone,
            attributes=attributes,
            chunk_events=chunk_events,
            max_unpacked=max_unpacked,
        )
    except Unpacked:  # refused: reading it again another way would expand it again
        raise
    except (FallbackError, LogError) as why:
        logger.debug("%s: read by the reference reader (%s)", path, why)
    return read_xes_reference(
        path,
        naive_zone=naive_zone,
        attributes=attributes,
        chunk_events=chunk_events,
        max_unpacked=max_unpacked,
    )


def read_xes_fast(
    path: str | Path,
    *,
    naive_zone: str,
    attributes: bool | Collection[str] = True,
    chunk_events: int = 200_000,
    block: int = xes_fast.BLOCK,
    max_unpacked: int | None = DEFAULT_MAX_UNPACKED,
) -> pa.Table:
    """The fast path alone: the same table as the reference, or :class:`FallbackError` (the file
    uses something it does not read), or a :class:`LogError` without line numbers."""
    reader = _Reader(str(path), naive_zone, attributes, chunk_events)
    with _open(reader.source, max_unpacked) as stream:
        reader.parse_fast(stream, block)
    return reader.table()


def read_xes_reference(
    path: str | Path,
    *,
    naive_zone: str,
    attributes: bool | Collection[str] = True,
    chunk_events: int = 200_000,
    max_unpacked: int | None = DEFAULT_MAX_UNPACKED,
) -> pa.Table:
    """The reference path alone (lxml): what the fast path must equal."""
    reader = _Reader(str(path), naive_zone, attributes, chunk_events)
    with _open(reader.source, max_unpacked) as stream:
        reader.parse(_MarkupRuns(stream, reader.source))  # type: ignore[arg-type]
    return reader.table()


class _MarkupRuns:
    """The stream as lxml reads it, refusing a run of more than :data:`MAX_RUN` bytes without a
    ``>``: libxml2 refuses a value or text past 10 MB anyway (no ``huge_tree``), but its push
    parser would first hold a whole start tag, however long, in memory."""

    MAX_RUN = 16 << 20

    def __init__(self, stream: IO[bytes], source: str) -> None:
        self.stream = stream
        self.source = source
        self.run = 0

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        end = data.rfind(b">")
        self.run = self.run + len(data) if end < 0 else len(data) - end - 1
        if self.run > self.MAX_RUN:
            raise LogError(
                f"more than {self.MAX_RUN >> 20} MB without markup (a value, text or tag that "
                "long is not read)",
                self.source,
            )
        return data


class _Reader(Columns):
    """The two parsers filling :class:`.xes_columns.Columns`."""

    # --- parsing ----------------------------------------------------------------------------

    def parse(self, stream: IO[bytes]) -> None:
        context = etree.iterparse(
            stream,
            events=("end",),
            tag=("{*}event", "{*}trace"),
            resolve_entities=False,
            no_network=True,
            # libxml2's limits stay on (a text or attribute value up to 10 MB, depth 256): a
            # 1 GB value or run of whitespace is refused at 10 MB instead of held in memory
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
        events, traces = self.events, self.traces
        keep_all, core_event = self.attributes is True, self.event_keys
        tags, keys, texts = events.tags, events.keys, events.texts
        add_tag, add_key, add_text = tags.append, keys.append, texts.append
        add_line, add_count = events.lines.append, events.counts.append
        in_trace = 0
        try:
            for _, element in context:
                if self.local(element.tag) == "trace":
                    self._trace(element, in_trace)
                    in_trace = 0
                    continue
                parent = element.getparent()
                if parent is None or self.local(parent.tag) != "trace":
                    where = f"line {element.sourceline}"
                    raise LogError("an <event> outside a <trace>", self.source, where)
                add_line(element.sourceline or 0)
                count = 0
                for child in element:
                    key = child.get("key")
                    if keep_all or key in core_event:
                        add_tag(child.tag)
                        add_key(key)
                        add_text(child.get("value"))
                        count += 1
                add_count(count)
                in_trace += 1
                element.clear(keep_tail=True)
                previous = element.getprevious()  # drop events already read
                while previous is not None and previous.tag == element.tag:
                    parent.remove(previous)
                    previous = element.getprevious()
                if len(events.counts) >= self.chunk_events:
                    self._flush(events)
            root = context.root
        except etree.XMLSyntaxError as error:
            raise self._xml_error(error) from None
        except (EOFError, gzip.BadGzipFile, zlib.error) as error:
            raise LogError(f"broken gzip stream ({error})", source=self.source) from None
        root_tag = self.local(root.tag) if root is not None else None
        if root_tag != "log":
            found = f"<{root_tag}>" if root_tag else "no element"
            raise LogError(f"not an XES log: the root is {found}, not <log>", self.source)
        if in_trace:  # cannot happen in well-formed XML: the trace would have ended
            raise LogError("events after the last trace", self.source)
        self._flush(events)
        self._flush(traces)

    def parse_fast(self, stream: IO[bytes], block: int) -> None:
        """What :meth:`parse` reads, from :func:`.xes_fast.batches`, handed over in the same
        groups of ``chunk_events`` rows (so the table is the same to the last detail)."""
        events, traces = xes_fast.Regroup(self.chunk_events), xes_fast.Regroup(self.chunk_events)
        keep = (
            {}
            if self.attributes is True
            else {"event_keys": self.event_keys, "trace_keys": self.trace_keys}
        )
        for batch in xes_fast.batches(stream, block=block, **keep):
            self.events_per_trace.frombytes(batch.events_per_trace.tobytes())
            for group in events.add(batch.events):
                self._rows(self.events, group)
            for group in traces.add(batch.traces):
                self._rows(self.traces, group)
        self._rows(self.events, events.rest())
        self._rows(self.traces, traces.rest())

    def _rows(self, scope: Scope, rows: xes_fast.Rows) -> None:
        # no line numbers on this path: a refusal is read again by parse(), which has them
        scope.lines.frombytes(bytes(scope.lines.itemsize * len(rows.counts)))
        self.convert(scope, rows.counts, rows.tags, rows.keys, rows.texts)

    def _trace(self, element: Any, events: int) -> None:
        traces = self.traces
        traces.lines.append(element.sourceline or 0)
        self.events_per_trace.append(events)
        count = 0
        for child in element:
            key = child.get("key")
            if self.local(child.tag) == "event" or not (
                self.attributes is True or key in self.trace_keys
            ):
                continue
            traces.tags.append(child.tag)
            traces.keys.append(key)
            traces.texts.append(child.get("value"))
            count += 1
        traces.counts.append(count)
        element.clear(keep_tail=True)
        parent = element.getparent()
        while element.getprevious() is not None:
            del parent[0]
        if len(traces.counts) >= self.chunk_events:
            self._flush(traces)

    def _flush(self, scope: Scope) -> None:
        """The pending lists of :meth:`parse` -> typed Arrow chunks."""
        counts = np.array(scope.counts, dtype=np.int32)
        del scope.counts[:]  # emptied in place: the parse loop holds their append methods
        try:
            tags = pa.array(scope.tags, pa.string())
        except (pa.ArrowTypeError, pa.ArrowInvalid):  # an entity or other non-element child
            tags = pa.array([self.local(t) for t in scope.tags])
        keys = pa.array(scope.keys, pa.string())
        texts = pa.array(scope.texts, pa.string())
        del scope.tags[:], scope.keys[:], scope.texts[:]
        self.convert(scope, counts, tags, keys, texts)

    def _xml_error(self, error: etree.XMLSyntaxError) -> LogError:
        line, column = error.position if error.position else (error.lineno, 0)
        message = str(error.msg or error).split(", line ")[0]
        if message.startswith("Unsupported encoding"):
            encoding = message.split(":", 1)[-1].strip()
            text = f"unknown encoding {encoding!r} declared in the XML header"
        elif "Resource limit exceeded" in message or "XML_PARSE_HUGE" in message:
            text = "a text, value or nesting past the XML limits (10 MB a value, 256 levels)"
        elif "encoding" in message.lower() or "UTF-8" in message:
            text = f"bytes that do not match the declared encoding ({message})"
        else:
            text = f"malformed or truncated XML ({message})"
        return LogError(text, self.source, f"line {line}, column {column}")


class _open:  # noqa: N801 - a context manager used like open()
    """The file, or its gzip stream (by its magic bytes, whatever the name says)."""

    def __init__(self, source: str, max_unpacked: int | None) -> None:
        self.source = source
        self.max_unpacked = max_unpacked
        self.files: list[IO[bytes]] = []

    def __enter__(self) -> IO[bytes]:
        stream, self.files = open_maybe_gzip(self.source, self.max_unpacked)
        return stream

    def __exit__(self, *exc: object) -> None:
        for file in reversed(self.files):
            file.close()
