"""The fast path of the XES reader: the attribute elements of events and traces found by scanning
bytes with NumPy and Arrow, no element objects, no Python step per element.

The XML is decompressed and read in blocks (:data:`BLOCK` bytes); each stretch up to the last
complete ``</trace>`` is scanned while the rest waits for the next block, so memory is bounded
by the block, the longest trace and the columnar log. libxml2 (lxml's parser with a target that
takes no callbacks) reads every block too and proves the whole file well-formed; it is the same
parser the reference reader (:mod:`.xes`) uses, at a fifth of its cost.

Scanning: the positions of every ``<`` and ``"`` are found with NumPy; the bytes between two
of them are the elements of one Arrow binary array built over the block without copying. In a
well-formed document without comments, processing instructions or CDATA, a ``<`` opens a tag,
so a tag is the text after its ``<`` plus, for an attribute element, four quoted pieces:
``string key=`` ``"K"`` `` value=`` ``"V"`` ``/>``. The distinct texts between the quotes
(a handful) are checked with regular expressions, so every byte outside keys and values is
accounted for; events and traces are found by cumulative sums over the tags. Attribute values
are normalized as XML says (a raw tab, newline or carriage return becomes a space; entity and
character references are replaced) only where one of those characters occurs.

What it reads: ``<trace>``/``<event>`` without attributes or prefixes, and self-closing
``<string|date|int|float|boolean|id key="..." value="..."/>`` (either order, double quotes).
Anything else in the traces (nested attributes, ``list``/``container``, single quotes, other
elements, CDATA, a DOCTYPE, an encoding other than UTF-8 / ASCII, a prefixed name before the
first or after the last trace, a gzip or XML error) raises :class:`FallbackError`, and the
reference reader reads the file from the start. Comments and processing instructions are
skipped. Line numbers are not tracked: a log read here but refused later (a trace without
case id, a bad date ...) is read again by the reference reader, which says where.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import IO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from lxml import etree

from fatura.mining.readers.xes_columns import VALUE_TYPES

BLOCK = 1 << 22  # bytes of XML read and scanned at a time (4 MiB)
MAX_PENDING = 32 << 20  # bytes held without a complete trace before falling back (32 MiB)
TYPE_NAMES = pa.array(VALUE_TYPES, pa.string())
E_OPEN, E_CLOSE, T_OPEN, T_CLOSE, ATTRIBUTE = 1, 2, 3, 4, 5
STRUCTURE = {b"event": E_OPEN, b"/event": E_CLOSE, b"trace": T_OPEN, b"/trace": T_CLOSE}
WS = rb"[ \t\r\n]"
_TAG = re.compile(rb"(/?event|/?trace)" + WS + rb"*>")
_HEAD = re.compile(
    rb"(string|id|date|int|float|boolean)" + WS + rb"+(key|value)" + WS + rb"*=" + WS + rb"*"
)
_MIDDLE = re.compile(WS + rb"+(key|value)" + WS + rb"*=" + WS + rb"*")
_TAIL = re.compile(WS + rb"*/>")
_SKIPPED = re.compile(rb"<!--.*?-->|<\?.*?\?>", re.DOTALL)  # comments, PIs, the XML declaration
_VERSION = re.compile(rb"<\?xml" + WS + rb"+version" + WS + rb"*=" + WS + rb"*[\"']([^\"']*)")
_DECLARED = re.compile(rb"<\?xml[^>]*?encoding" + WS + rb"*=" + WS + rb"*[\"']([^\"']*)[\"']")
_ROOT = re.compile(WS + rb"*<log[ \t\r\n/>]")
_NAME = re.compile(
    rb"<(/?[^ \t\r\n/>]+)|[ \t\r\n]([^ \t\r\n=<>\"']+)" + WS + rb"*=" + WS + rb"*[\"']"
)
_SPACES = re.compile(rb"\r\n|[\t\n\r]")
_REFERENCE = re.compile(rb"&(?:#([0-9]+)|#x([0-9a-fA-F]+)|(amp|lt|gt|quot|apos));")
_NAMED = {b"amp": b"&", b"lt": b"<", b"gt": b">", b"quot": b'"', b"apos": b"'"}
_CLOSE_TRACE = b"</trace>"


class FallbackError(Exception):
    """The file uses something the fast path does not read (the message says what): the
    reference reader reads it instead."""


@dataclass
class Rows:
    """The attribute elements of consecutive events (or traces): per row how many, then each
    one's element name, key and value, in file order."""

    counts: np.ndarray  # int32
    tags: pa.Array
    keys: pa.Array
    texts: pa.Array

    def split(self, rows: int) -> tuple[Rows, Rows]:
        items = int(self.counts[:rows].sum())
        return (
            Rows(self.counts[:rows], self.tags[:items], self.keys[:items], self.texts[:items]),
            Rows(self.counts[rows:], self.tags[items:], self.keys[items:], self.texts[items:]),
        )

    @staticmethod
    def concat(parts: list[Rows]) -> Rows:
        if len(parts) == 1:
            return parts[0]
        if not parts:
            empty = pa.array([], pa.string())
            return Rows(np.zeros(0, np.int32), empty, empty, empty)
        return Rows(
            np.concatenate([part.counts for part in parts]),
            *(
                pa.concat_arrays([getattr(part, name) for part in parts])
                for name in ("tags", "keys", "texts")
            ),
        )


@dataclass
class Batch:
    """What one stretch of complete traces holds."""

    events: Rows
    traces: Rows
    events_per_trace: np.ndarray  # int64


class Regroup:
    """Rows in, groups of exactly ``size`` rows out (and the rest at the end): the reference
    reader converts every ``size`` events, and conversion orders by first appearance within a
    group, so the same groups give the very same table."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.parts: list[Rows] = []
        self.rows = 0

    def add(self, rows: Rows) -> Iterator[Rows]:
        self.parts.append(rows)
        self.rows += len(rows.counts)
        while self.rows >= self.size:
            group, rest = Rows.concat(self.parts).split(self.size)
            self.parts, self.rows = [rest], self.rows - self.size
            yield group

    def rest(self) -> Rows:
        rows, self.parts, self.rows = Rows.concat(self.parts), [], 0
        return rows


def batches(
    stream: IO[bytes],
    *,
    event_keys: Collection[str] | None = None,
    trace_keys: Collection[str] | None = None,
    block: int = BLOCK,
) -> Iterator[Batch]:
    """The log's events and traces, one stretch of complete traces at a time; ``*_keys``: only
    these keys (None: all). Raises :class:`FallbackError`; the last batch is followed by the proof
    that the whole file is well-formed (a caller must consume the iterator to the end)."""
    checker = _WellFormed()
    waiting: list[bytes] = []  # blocks read since the last complete trace
    pending = 0  # their size
    started = False
    while True:
        try:
            data = stream.read(block)
        except (EOFError, OSError, zlib.error) as error:  # gzip.BadGzipFile is an OSError
            raise FallbackError(f"the stream cannot be read ({error})") from None
        if data:
            checker.feed(data)
            seam = waiting[-1][-len(_CLOSE_TRACE) :] + data[: len(_CLOSE_TRACE)] if waiting else b""
            waiting.append(data)
            pending += len(data)
            if pending > MAX_PENDING:  # a trace this long is no usual XES: not held in memory
                raise FallbackError(f"more than {MAX_PENDING // 2**20} MB without a </trace>")
            if _CLOSE_TRACE not in data and _CLOSE_TRACE not in seam:
                continue
        buffer = b"".join(waiting)  # no copy when it is one block
        end = buffer.rfind(_CLOSE_TRACE)
        end = 0 if end < 0 else end + len(_CLOSE_TRACE)
        start = 0
        if end and not started:
            start, started = _body(buffer, end), True
        if end:
            yield _scan(buffer, start, end, (event_keys, trace_keys))
        waiting = [buffer[end:]] if end < len(buffer) else []
        pending = len(buffer) - end
        del buffer
        if not data:
            break
    if not started:
        raise FallbackError("no complete <trace> in the file")
    tail = _without_markup(b"".join(waiting))
    _plain_names(tail, "after the last trace")
    checker.feed(None)


class _WellFormed:
    """libxml2 reading the blocks with this object as its target: it takes no callbacks, so the
    parser checks the XML and builds nothing."""

    def __init__(self) -> None:
        self.parser = etree.XMLParser(
            target=self,
            resolve_entities=False,
            no_network=True,
            huge_tree=True,
            remove_comments=True,
            remove_pis=True,
        )

    def feed(self, data: bytes | None) -> None:
        """A block, or None at the end of the file."""
        try:
            self.parser.feed(data) if data is not None else self.parser.close()
        except etree.LxmlError as error:
            raise FallbackError(f"not well-formed XML ({error})") from None

    def close(self) -> None:  # the target's end of document
        return None


def _without_markup(text: bytes) -> bytes:
    """The text without comments and processing instructions; CDATA and DOCTYPE fall back."""
    if b"<!" in text or b"<?" in text:
        text = _SKIPPED.sub(b"", text)
        if b"<!" in text or b"<?" in text:
            raise FallbackError("CDATA, a DOCTYPE or a comment across a trace's end")
    return text


def _body(buffer: bytes, end: int) -> int:
    """Where the first ``<trace>`` is, once the prolog and the log's own elements before it
    are checked (UTF-8, root ``<log>``, no other event or trace, no prefixed name)."""
    bom = 3 if buffer.startswith(b"\xef\xbb\xbf") else 0
    if b"\x00" in buffer[bom : bom + 4] or buffer[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise FallbackError("not UTF-8 (UTF-16 or UTF-32)")
    version = _VERSION.match(buffer, bom)
    if buffer.startswith(b"<?xml", bom) and not (version and version[1] == b"1.0"):
        raise FallbackError("not XML 1.0")  # 1.1 has other line ends and characters
    declared = _DECLARED.match(buffer, bom)
    if declared and declared[1].lower() not in (b"utf-8", b"us-ascii", b"ascii"):
        raise FallbackError(f"the declared encoding is {declared[1].decode(errors='replace')}")
    start = buffer.find(b"<trace>", 0, end)
    if start < 0:
        raise FallbackError("a <trace> tag with attributes or a prefix")
    head = _without_markup(buffer[bom:start])  # a <trace> in a comment leaves "<!--"
    if not _ROOT.match(head):
        raise FallbackError("the root is not <log>")
    _plain_names(head, "before the first trace")
    return start


def _plain_names(text: bytes, where: str) -> None:
    """No prefixed name (namespace errors are not seen without callbacks) and no event or
    trace element in the parts of the file that are not scanned."""
    for element, attribute in _NAME.findall(text):
        name = element.lstrip(b"/") or attribute
        if b":" in name or name in (b"event", b"trace"):
            shown = name.decode(errors="replace")
            raise FallbackError(f"<{shown}> or a prefixed name {where}")


def _scan(buffer: bytes, start: int, end: int, keys: tuple[Collection[str] | None, ...]) -> Batch:
    """The traces in ``buffer[start:end]``."""
    if end >= 2**31 - 1:
        raise FallbackError("a stretch of traces of 2 GB or more")
    data = np.frombuffer(buffer, np.uint8, end - start, start)
    found = data == 60
    found |= data == 34
    at = np.flatnonzero(found).astype(np.int32)  # the '<' and '"'
    del found
    if not len(at) or data[at[0]] != 60:
        raise FallbackError('a " before the first tag')
    offsets = np.empty(2 * len(at) + 1, np.int32)
    offsets[0:-1:2] = at  # element 2j: the delimiter j; element 2j + 1: the text after it
    offsets[1::2] = at + 1
    offsets += start
    offsets[-1] = end
    pieces = pa.Array.from_buffers(
        pa.binary(), 2 * len(at), [None, pa.py_buffer(offsets), pa.py_buffer(buffer)]
    )
    tag_at = np.flatnonzero(data[at] == 60)  # delimiter numbers of the '<'
    after = data[np.minimum(at[tag_at] + 1, len(data) - 1)]
    if ((after == 33) | (after == 63)).any():  # "<!" or "<?": without them, once
        region = _without_markup(buffer[start:end])
        return _scan(region, 0, len(region), keys)
    quotes = np.diff(np.append(tag_at, len(at))) - 1
    heads = pc.dictionary_encode(pieces.take(pa.array(2 * tag_at + 1)))
    kind, value_type, key_first = _classify(heads.dictionary.to_pylist())
    codes = heads.indices.to_numpy()
    kinds = kind[codes]
    if ((kinds == ATTRIBUTE) * 4 != quotes).any():
        raise FallbackError("quotes outside attribute elements, or other attributes")
    return _rows(pieces, tag_at, kinds, value_type[codes], key_first[codes], keys)


def _classify(heads: list[bytes]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    kind = np.zeros(len(heads), np.int8)
    value_type = np.zeros(len(heads), np.int8)
    key_first = np.zeros(len(heads), bool)
    for code, head in enumerate(heads):
        if tag := _TAG.match(head):
            kind[code] = STRUCTURE[tag[1]]
        elif attribute := _HEAD.fullmatch(head):
            kind[code] = ATTRIBUTE
            value_type[code] = VALUE_TYPES.index(attribute[1].decode())
            key_first[code] = attribute[2] == b"key"
        else:
            shown = head[:40].decode(errors="replace")
            raise FallbackError(f"an element the fast path does not read: <{shown}")
    return kind, value_type, key_first


def _rows(
    pieces: pa.Array,
    tag_at: np.ndarray,
    kinds: np.ndarray,
    value_types: np.ndarray,
    key_first: np.ndarray,
    keys: tuple[Collection[str] | None, ...],
) -> Batch:
    opened = {k: np.cumsum(kinds == k, dtype=np.int32) for k in (E_OPEN, E_CLOSE, T_OPEN, T_CLOSE)}
    in_event = opened[E_OPEN] - opened[E_CLOSE]
    in_trace = opened[T_OPEN] - opened[T_CLOSE]
    traces_tags = (kinds == T_OPEN) | (kinds == T_CLOSE)
    if (
        in_event.min() < 0
        or in_event.max() > 1
        or in_trace.min() < 0
        or in_trace.max() > 1
        or (in_trace[kinds == E_OPEN] != 1).any()
        or (in_event[traces_tags] != 0).any()
    ):
        raise FallbackError("events and traces nested otherwise than log > trace > event")
    attribute = kinds == ATTRIBUTE
    first = tag_at[attribute]
    middles = pieces.take(pa.array(2 * first + 5))
    tails = pieces.take(pa.array(2 * first + 9))
    middle_is_key = _checked(middles, _MIDDLE, "an attribute")
    _checked(tails, _TAIL, "an end of attribute element")
    if (middle_is_key == key_first[attribute]).any():
        raise FallbackError("an attribute element with two keys or two values")
    owner_event = in_event[attribute] == 1
    owner_trace = ~owner_event & (in_trace[attribute] == 1)
    n_events, n_traces = int(opened[E_OPEN][-1]), int(opened[T_OPEN][-1])
    event_rows = opened[E_OPEN][attribute] - 1
    trace_rows = opened[T_OPEN][attribute] - 1
    key_pieces = 2 * (first + np.where(key_first[attribute], 1, 3)) + 1
    value_pieces = 2 * (first + np.where(key_first[attribute], 3, 1)) + 1
    types = value_types[attribute]
    scopes = []
    for owned, rows, count, keep in zip(
        (owner_event, owner_trace),
        (event_rows, trace_rows),
        (n_events, n_traces),
        keys,
        strict=True,
    ):
        names = _text(pieces.take(pa.array(key_pieces[owned])))
        if keep is not None:
            kept = np.asarray(pc.is_in(names, value_set=pa.array(sorted(keep))))
            owned = np.flatnonzero(owned)[kept]
            names = names.filter(pa.array(kept))
        texts = _text(pieces.take(pa.array(value_pieces[owned])))
        counts = np.bincount(rows[owned], minlength=count).astype(np.int32)
        scopes.append(Rows(counts, TYPE_NAMES.take(pa.array(types[owned])), names, texts))
    trace_of_event = opened[T_OPEN][kinds == E_OPEN] - 1
    per_trace = np.bincount(trace_of_event, minlength=n_traces).astype(np.int64)
    return Batch(scopes[0], scopes[1], per_trace)


def _checked(pieces: pa.Array, pattern: re.Pattern[bytes], what: str) -> np.ndarray:
    """Each distinct piece is ``pattern`` (with a group: the attribute name) or starts with it
    (without: the end of an element, then text); per piece, whether its name is ``key``."""
    encoded = pc.dictionary_encode(pieces)
    is_key = np.zeros(len(encoded.dictionary), bool)
    for code, text in enumerate(encoded.dictionary.to_pylist()):
        found = pattern.fullmatch(text) if pattern.groups else pattern.match(text)
        if not found:
            raise FallbackError(f"{what} the fast path does not read: {text[:40]!r}")
        is_key[code] = bool(pattern.groups) and found[1] == b"key"
    return is_key[encoded.indices.to_numpy()]


def _text(raw: pa.Array) -> pa.Array:
    """Attribute values as XML gives them: UTF-8 text, whitespace normalized, references
    replaced (only the values with ``&`` or a raw tab / newline / carriage return change)."""
    if len(raw):
        _, offsets_buffer, data_buffer = raw.buffers()
        offsets = np.frombuffer(offsets_buffer, np.int32, len(raw) + 1, raw.offset * 4)
        data = np.frombuffer(data_buffer or b"", np.uint8)[offsets[0] : offsets[-1]]
        if len(data) and (data.min() < 32 or (data == 38).any()):
            changed = np.asarray(pc.match_substring_regex(raw, "[&\t\n\r]"))
            where = np.flatnonzero(changed)
            fixed = [_normalized(value) for value in raw.take(pa.array(where)).to_pylist()]
            raw = pc.replace_with_mask(raw, pa.array(changed), pa.array(fixed, pa.binary()))
    try:
        return raw.cast(pa.string())
    except pa.ArrowInvalid:
        raise FallbackError("a value that is not UTF-8") from None


def _normalized(value: bytes) -> bytes:
    value = _SPACES.sub(b" ", value)
    if value.count(b"&") != len(_REFERENCE.findall(value)):
        raise FallbackError("an entity reference other than the five of XML")
    try:
        return _REFERENCE.sub(_replacement, value)
    except (ValueError, OverflowError, UnicodeEncodeError):
        raise FallbackError("a character reference out of range") from None


def _replacement(found: re.Match[bytes]) -> bytes:
    decimal, hexadecimal, name = found.groups()
    if name:
        return _NAMED[name]
    return chr(int(decimal) if decimal else int(hexadecimal, 16)).encode()
