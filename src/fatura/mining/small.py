"""``fatura mine`` on a small XES log without NumPy or Arrow: the whole run in plain Python.

Importing NumPy, PyArrow and ``pyarrow.compute`` costs more CPU than mining a log of ten
thousand events (decision 0033). A small XES file of the usual shape is read here with one
regular expression and mined and measured in plain Python; the document is the columnar path's,
to the byte (tests compare the two on every log they have). Anything else raises
:class:`NotSmall` before a word is written, and the columnar path reads the file: a larger
file, a ``.gz`` that expands past the limit, another encoding, entities or comments among the
traces, nested or list attributes, attributes in another quoting or order, a value that is not
in its type's plain form (the columnar path decides whether it is an error), a repeated key,
a timestamp without an offset, a date the zone makes ambiguous, a non-ASCII user name.

Reading follows :mod:`.readers.xes`; mining :mod:`.engine.fast` (integer microseconds; means
and medians with the same float operations); the KPIs :mod:`.kpis.smallpath`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import zlib
from pyexpat import ExpatError, ParserCreate

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

SMALL_BYTES = 8 << 20  # the XES text, after gunzip
MICRO = 1_000_000
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 13))  # not allowed in XML 1.0
_VALUE = '[^"<>&\t\r\n]*'
_ATTRIBUTE = rf'<(string|date|int|float|boolean|id) key="({_VALUE})" value="({_VALUE})"/>'
_SPACE = "[ \t\r\n]*"
_RESOURCE = '<string key="org:resource" value="'
_ATTRIBUTE_RUN = (
    rf'((?:{_SPACE}<(?:string|date|int|float|boolean|id) key="{_VALUE}" value="{_VALUE}"/>)*)'
)
# An event in the usual order (name, time, resource, the rest as one text: one match instead of
# one per attribute); else an event of plain attributes as one text; else the elements one by
# one; else (no group matched) any character but whitespace: between the elements there may be
# whitespace only.
_TOKEN = re.compile(
    rf'<event>{_SPACE}<string key="concept:name" value="({_VALUE})"/>{_SPACE}'
    rf'<date key="time:timestamp" value="({_VALUE})"/>{_SPACE}'
    rf'({_RESOURCE}{_VALUE}"/>)?'
    rf"{_ATTRIBUTE_RUN}{_SPACE}</event>"
    rf"|<event>{_ATTRIBUTE_RUN}{_SPACE}</event>"
    r"|<(/?)(trace|event)>"
    rf"|{_ATTRIBUTE}"
    r"|[^ \t\r\n]"
)
_ATTRIBUTES = re.compile(_ATTRIBUTE)
_STANDARD = ("concept:name", "time:timestamp", "org:resource")
_DATE = re.compile(r"\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T")
_TAIL = re.compile(r"(?:\.(\d{1,6}))?(?:Z|([+-])([01]\d|2[0-3]):([0-5]\d))")
_HOURS = frozenset(f"{n:02d}" for n in range(24))
_SIXTY = frozenset(f"{n:02d}" for n in range(60))
_STAMP = (
    r"\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d"
    r"(?:\.\d{1,6})?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)"
)
# a typed value not in its plain form (a date: ISO 8601 with an offset): the columnar reader
# decides (it may widen, trim, parse other forms, or refuse the log); one search each (a
# pattern starting with a literal is scanned for fast)
_BAD = (
    re.compile(r'<int key="[^"]*" value="(?!-?\d{1,18}")'),
    re.compile(r'<float key="[^"]*" value="(?!-?\d{1,15}(?:\.\d{1,15})?")'),
    re.compile(r'<boolean key="[^"]*" value="(?!(?:true|false)")'),
    re.compile(rf'<date key="[^"]*" value="(?!{_STAMP}")'),
)
# names the columnar reader gives to standard keys or renames (readers.xes_columns.CANONICAL)
_CANONICAL = {"case_id", "activity", "timestamp", "resource", "lifecycle", "event_index"}
_CANONICAL.add("end_timestamp")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class NotSmall(Exception):  # noqa: N818 - not an error: a way out
    """Not for this path: the columnar path reads the log."""


class Log:
    """The log in log order: per event its time (µs), activity and the attributes the KPIs
    read (``columns``: key -> values, None where absent); cases as offsets."""

    def __init__(self) -> None:
        self.ts: list[int] = []
        self.activity: list[str] = []
        self.offsets: list[int] = [0]
        self.columns: dict[str, list[Any]] = {}
        self.types: dict[str, str] = {}  # XES type of each KPI attribute (one type each)


def read(path: str, kpi_keys: tuple[str, ...]) -> Log:
    text = _text(path)
    start = text.find("<trace>")
    end = text.rfind("</log>")
    if start < 0 or end < start or text[end + 6 :].strip(" \t\r\n"):
        raise NotSmall("no plain <trace> or </log>")
    _check_head(text[:start])
    body = text[start:end]
    if any(bad.search(body) for bad in _BAD):
        raise NotSmall("a value this path does not read")
    if any(f'key="{name}"' in body for name in _CANONICAL) or 'key="case:' in body:
        raise NotSmall("a key named like a standard column or a trace attribute's column")
    keys = {key for key in kpi_keys if f'key="{key}"' in body}
    log, seen = _build(_TOKEN.findall(body), keys)
    for key in _STANDARD:  # none hidden in an event's rest (a repeated key: the last one wins)
        if body.count(f'key="{key}"') != seen[key]:
            raise NotSmall(f"a repeated {key}")
    return log


def _text(path: str) -> str:
    with open(path, "rb") as stream:
        raw = stream.read(SMALL_BYTES + 1)
    if len(raw) > SMALL_BYTES:
        raise NotSmall("large")
    if path.lower().endswith(".gz"):
        unpack = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            data = unpack.decompress(raw, SMALL_BYTES + 1)
        except zlib.error:
            raise NotSmall("not gzip") from None
        if len(data) > SMALL_BYTES or unpack.unconsumed_tail or not unpack.eof:
            raise NotSmall("large or cut")
        if unpack.unused_data:
            raise NotSmall("several gzip members")
        raw = data
    if (
        len(raw.translate(None, _CONTROL)) != len(raw)
        or b"\xef\xbf\xbe" in raw
        or b"\xef\xbf\xbf" in raw
    ):
        raise NotSmall("a character XML does not allow")  # libxml2 refuses the log
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise NotSmall("not UTF-8") from None
    if text.startswith("\ufeff"):
        raise NotSmall("byte order mark")
    return text


def _check_head(head: str) -> None:
    """What comes before the first trace: well-formed, UTF-8, no DOCTYPE, inside ``<log>``."""
    depth: list[str] = []
    declared: list[str | None] = []
    parser = ParserCreate()

    def start(name: str, attributes: Any) -> None:
        if name in ("trace", "event"):
            raise NotSmall("a trace or event in another form")
        depth.append(name)

    parser.StartElementHandler = start
    parser.EndElementHandler = lambda name: depth.pop()
    parser.XmlDeclHandler = lambda version, encoding, standalone: declared.append(encoding)

    def doctype(*args: Any) -> None:
        raise NotSmall("DOCTYPE")

    parser.StartDoctypeDeclHandler = doctype
    try:
        parser.Parse(head.encode("utf-8"), False)
    except ExpatError:
        raise NotSmall("head") from None
    if depth != ["log"] or any(e is not None and e.lower() != "utf-8" for e in declared):
        raise NotSmall("head")


def _build(tokens: list[tuple[str, ...]], kpi_keys: set[str]) -> tuple[Log, dict[str, int]]:
    """The events (file order) from the tokens, nesting and keys checked; and how many of each
    standard key were read."""
    stamps: list[int] = []
    activities: list[str] = []
    resources: list[str | None] = []
    extras: dict[int, dict[str, tuple[str, str]]] = {}  # event -> KPI attributes
    case_events: dict[str, list[int]] = {}
    trace_values: dict[int, dict[str, tuple[str, str]]] = {}
    days: dict[str, int] = {}
    in_trace = in_event = False
    trace_first = element = 0
    case: str | None = None
    trace_kpi: dict[str, tuple[str, str]] = {}
    activity = stamp = resource = None
    last_seen: dict[str, int] = {}  # key -> the element it was last seen in
    names = times = users = 0
    for name, time, user, rest, event, close, tag, kind, key, value in tokens:
        if event:  # an event of plain attributes in another order
            found = _found(event, 'key="concept:name" value="')
            when = _found(event, 'key="time:timestamp" value="')
            if found is None or not when:
                raise NotSmall("an event without its name or time")
            name, time, rest = found, when, event
            owner = _found(event, 'key="org:resource" value="')
        else:
            owner = user[len(_RESOURCE) : -3] if user else None
        if time:  # an event (in the usual order, or as above)
            if in_event or not in_trace:
                raise NotSmall("nesting")
            stamps.append(_microseconds(time, days))
            activities.append(name)
            resources.append(owner)
            names, times, users = names + 1, times + 1, users + (owner is not None)
            if rest and kpi_keys:
                element += 1
                for kind, key, value in _ATTRIBUTES.findall(rest):
                    if key in kpi_keys:
                        if last_seen.get(key) == element:
                            raise NotSmall("a repeated key")
                        last_seen[key] = element
                        extras.setdefault(len(stamps) - 1, {})[key] = (kind, value)
            continue
        if tag:
            element += 1
            if tag == "event":
                if not close:
                    if in_event or not in_trace:
                        raise NotSmall("nesting")
                    in_event, activity, stamp, resource = True, None, None, None
                    continue
                if not in_event or activity is None or stamp is None:
                    raise NotSmall("event")
                in_event = False
                stamps.append(_microseconds(stamp, days))
                activities.append(activity)
                resources.append(resource)
            elif not close:
                if in_trace:
                    raise NotSmall("nesting")
                in_trace, case, trace_first, trace_kpi = True, None, len(stamps), {}
            else:
                if in_event or not in_trace or case is None:
                    raise NotSmall("trace")
                in_trace = False
                if len(stamps) > trace_first:
                    case_events.setdefault(case, []).extend(range(trace_first, len(stamps)))
                    if trace_kpi:
                        trace_values.update(
                            dict.fromkeys(range(trace_first, len(stamps)), trace_kpi)
                        )
            continue
        if not kind:
            raise NotSmall("an element this path does not read")
        if last_seen.get(key) == element:
            raise NotSmall("a repeated key")
        last_seen[key] = element
        if in_event:
            if key == "concept:name":
                activity, names = value, names + 1
            elif key == "time:timestamp":
                stamp, times = value, times + 1
            elif key == "org:resource":
                resource, users = value, users + 1
            elif key in kpi_keys:
                extras.setdefault(len(stamps), {})[key] = (kind, value)
        elif in_trace:
            if key == "concept:name":
                case, names = value, names + 1
            elif key in _STANDARD:  # kept as case:<key>; a time is parsed (and may be refused)
                if key == "time:timestamp":
                    _microseconds(value, days)
                times, users = times + (key == "time:timestamp"), users + (key == "org:resource")
            elif key in kpi_keys:
                trace_kpi[key] = (kind, value)
        else:
            raise NotSmall("an attribute outside the traces")
    if in_trace or not stamps:
        raise NotSmall("no events")
    seen = {"concept:name": names, "time:timestamp": times, "org:resource": users}
    return _ordered(stamps, activities, resources, extras, case_events, trace_values), seen


def _found(text: str, marker: str) -> str | None:
    """The value after ``marker`` (``key="…" value="``) in an event's text, if there."""
    at = text.find(marker)
    if at < 0:
        return None
    at += len(marker)
    return text[at : text.index('"', at)]


def _day(text: str) -> int:
    try:
        return dt.date(int(text[:4]), int(text[5:7]), int(text[8:10])).toordinal() - 719163
    except ValueError:
        raise NotSmall("a date out of range") from None


def _microseconds(text: str, cache: dict[str, int]) -> int:
    """An ISO 8601 timestamp with an offset as µs since 1970 (else :class:`NotSmall`): the date
    and the rest after the seconds are parsed once each and cached."""
    day = cache.get(text[:11])
    if day is None:
        if not _DATE.fullmatch(text[:11]):
            raise NotSmall("a timestamp in another form")
        day = cache[text[:11]] = _day(text[:10]) * 86400
    tail = text[19:]
    shift = cache.get(tail)
    if shift is None:
        found = _TAIL.fullmatch(tail)
        if found is None:
            raise NotSmall("a timestamp in another form")
        fraction, sign, hours, minutes = found.groups()
        offset = 0 if sign is None else (int(hours) * 3600 + int(minutes) * 60)
        offset = -offset if sign == "-" else offset
        micro = int(fraction.ljust(6, "0")) if fraction else 0
        shift = cache[tail] = micro - offset * MICRO
    hour, minute, second = text[11:13], text[14:16], text[17:19]
    if hour not in _HOURS or minute not in _SIXTY or second not in _SIXTY or text[13] != ":":
        raise NotSmall("a timestamp in another form")
    if text[16] != ":":
        raise NotSmall("a timestamp in another form")
    return (day + int(hour) * 3600 + int(minute) * 60 + int(second)) * MICRO + shift


def _ordered(
    stamps: list[int],
    activities: list[str],
    resources: list[str | None],
    extras: dict[int, dict[str, tuple[str, str]]],
    case_events: dict[str, list[int]],
    trace_values: dict[int, dict[str, tuple[str, str]]],
) -> Log:
    """Events by (case, time, position in the file); the KPI attributes as columns, with
    :func:`.kpis.inputs.find`'s rule (an event attribute, else the trace's)."""
    log = Log()
    order: list[int] = []
    for positions in case_events.values():
        positions.sort(key=stamps.__getitem__)  # stable: ties keep the file order
        order.extend(positions)
        log.offsets.append(len(order))
    log.ts = [stamps[at] for at in order]
    log.activity = [activities[at] for at in order]
    if any(r is not None for r in resources):
        log.columns["resource"] = [resources[at] for at in order]
        log.types["resource"] = "string"
    event_keys = {key for found in extras.values() for key in found}
    trace_keys = {key for found in trace_values.values() for key in found} - event_keys
    for key, source in [(k, extras) for k in sorted(event_keys)] + [
        (k, trace_values) for k in sorted(trace_keys)
    ]:
        values: list[str | None] = []
        kinds: set[str] = set()
        for at in order:
            found = source.get(at, {}).get(key)
            if found is None:
                values.append(None)
            else:
                kinds.add(found[0])
                values.append(found[1])
        if len(kinds) > 1:
            raise NotSmall(f"{key} has two types")
        log.columns[key] = values
        log.types[key] = kinds.pop() if kinds else "string"
    return log


# --- mining (as engine.fast) ------------------------------------------------------------------


def mine(log: Log) -> dict[str, Any]:
    """The document's head, variants and durations (engine.fast.mine, MiningResult.build)."""
    ts, activity, offsets = log.ts, log.activity, log.offsets
    counts: dict[str, int] = {}
    starts: dict[str, int] = {}
    ends: dict[str, int] = {}
    edges: dict[tuple[str, str], list[int]] = {}
    variants: dict[tuple[str, ...], int] = {}
    durations: list[int] = []
    for a in activity:
        counts[a] = counts.get(a, 0) + 1
    for k in range(len(offsets) - 1):
        first, last = offsets[k], offsets[k + 1] - 1
        starts[activity[first]] = starts.get(activity[first], 0) + 1
        ends[activity[last]] = ends.get(activity[last], 0) + 1
        steps = tuple(activity[first : last + 1])
        variants[steps] = variants.get(steps, 0) + 1
        durations.append(ts[last] - ts[first])
        for i in range(first, last):
            pair = (activity[i], activity[i + 1])
            waits = edges.get(pair)
            if waits is None:
                edges[pair] = [ts[i + 1] - ts[i]]
            else:
                waits.append(ts[i + 1] - ts[i])
    dfg: list[dict[str, Any]] = [
        {
            "source": source,
            "target": target,
            "count": len(waits),
            "mean_seconds": sum(waits) / len(waits) / MICRO,
            "median_seconds": _median(waits) / MICRO,
        }
        for (source, target), waits in edges.items()
    ]
    dfg.sort(key=lambda e: (-e["count"], e["source"], e["target"]))
    durations.sort()
    n = len(durations)
    return {
        "cases": n,
        "events": len(ts),
        "activities": _by_count(counts),
        "dfg": dfg,
        "start_activities": _by_count(starts),
        "end_activities": _by_count(ends),
        "variants": sorted(variants.items(), key=lambda item: (-item[1], item[0])),
        "case_durations": {
            "mean_seconds": float(sum(durations) / n / MICRO),
            "median_seconds": _median(durations, ordered=True) / MICRO,
            "min_seconds": durations[0] / MICRO,
            "max_seconds": durations[-1] / MICRO,
        },
    }


def _median(values: list[int], ordered: bool = False) -> float:
    values = values if ordered else sorted(values)
    n, middle = len(values), len(values) // 2
    if n % 2:
        return float(values[middle])
    return (float(values[middle - 1]) + float(values[middle])) / 2


def _by_count(counts: dict[str, int]) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def write(document: dict[str, Any], kpis: dict[str, Any] | None, stream: Any) -> None:
    """The JSON text of :meth:`.engine.result.MiningResult.write_json`."""
    stream.write("{\n")
    for key in ("cases", "events", "activities", "dfg", "start_activities", "end_activities"):
        value = document[key]
        if key == "dfg":
            edges = ",\n  ".join(json.dumps(edge, ensure_ascii=False) for edge in value)
            stream.write(f' "dfg": [\n  {edges}\n ],\n' if value else ' "dfg": [],\n')
        else:
            stream.write(f" {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)},\n")
    quoted = {name: json.dumps(name, ensure_ascii=False) for name in document["activities"]}
    items = [
        '{"activities": [' + ", ".join([quoted[name] for name in steps]) + f'], "count": {count}}}'
        for steps, count in document["variants"]
    ]
    if items:
        stream.write(' "variants": [\n  ')
        stream.write(",\n  ".join(items))
        stream.write("\n ],\n")
    else:
        stream.write(' "variants": [],\n')
    stream.write(f' "case_durations": {json.dumps(document["case_durations"])}')
    if kpis is not None:
        stream.write(f',\n "kpis": {json.dumps(kpis, ensure_ascii=False)}')
    stream.write("\n}\n")


def default_zone() -> str:
    """:func:`.timestamps.default_zone`, without importing Arrow."""
    return os.environ.get("FATURA_TIME_ZONE") or "America/Sao_Paulo"
