"""OCEL 2.0 (JSON: ``.json``, ``.jsonocel``; XML: ``.xml``, ``.xmlocel``; and the same
gzip-compressed) -> a flat event log.

An object-centric log has events related to many objects of several types. Flattening on one
object type (the user picks it) makes each object of that type a case, and its events the
events related to it — as the field does (pm4py's ``ocel_flattening``): an event related to
three orders appears in three cases; an object of the type without events is no case.

The flat table has the canonical columns (``case_id`` = object id, ``activity`` = event type,
``timestamp``), ``ocel:eid`` (the event id), each event attribute with the type its event type
declares, and the object's attributes as case attributes ``case:<name>`` (the first value the
object lists: OCEL 2.0 attributes may change over time; later values are not kept).

Rows are in the file's event order, so events of a case with the same timestamp keep that order
(pm4py sorts the events by time, stably, before flattening: the same order).

An XML log (the standard's shape: ``<log>`` with ``<object-types>``, ``<event-types>``,
``<objects>`` and ``<events>``, relationships as ``<relationship object-id qualifier/>``) is read
into the same document as the JSON one, so both flatten alike. The XML parser reads no network,
DTD or entities; a document with a DOCTYPE is refused.

Errors (:class:`LogError`) name the file and the place: not JSON or not well-formed XML (line
and column), a missing ``events``/``objects`` list, an event without id/type/time (event N; in
XML also its line), a bad time, an unknown object type (listing the types the log has).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
from lxml import etree

from fatura.mining.errors import LogError
from fatura.mining.log import ACTIVITY, CASE, TIMESTAMP
from fatura.mining.readers.capped import DEFAULT_MAX_UNPACKED, open_maybe_gzip
from fatura.mining.timestamps import TimestampError, to_utc

EVENT_ID = "ocel:eid"
XML_SUFFIXES = (".xmlocel", ".xml")
_TYPES = {
    "string": pa.string(),
    "float": pa.float64(),
    "double": pa.float64(),
    "integer": pa.int64(),
    "int": pa.int64(),
    "boolean": pa.bool_(),
    "time": pa.string(),  # parsed to timestamps after the table is built
    "date": pa.string(),
}


def read_ocel(
    path: str | Path,
    *,
    object_type: str,
    naive_zone: str,
    max_unpacked: int | None = DEFAULT_MAX_UNPACKED,
) -> pa.Table:
    """Read an OCEL 2.0 JSON or XML log and flatten it on ``object_type``; a gzip-compressed
    one may expand to ``max_unpacked`` bytes (None: no cap)."""
    source = str(path)
    document = _load(source, max_unpacked)
    events = document.get("events")
    objects = document.get("objects")
    if not isinstance(events, list) or not isinstance(objects, list):
        raise LogError("not an OCEL 2.0 JSON log: no 'events' and 'objects' lists", source)
    type_of: dict[str, str] = {}
    for number, obj in enumerate(objects, 1):
        if not isinstance(obj, dict) or not obj.get("id") or not obj.get("type"):
            raise LogError("object without id or type", source, f"object {number}")
        type_of[str(obj["id"])] = str(obj["type"])
    known = sorted(set(type_of.values()))
    if object_type not in known:
        raise LogError(
            f"no object type {object_type!r}; the log has {', '.join(map(repr, known))}",
            source,
        )
    event_types = _declared(document.get("eventTypes"))
    object_types = _declared(document.get("objectTypes"))

    cases: list[str] = []
    activities: list[str] = []
    times: list[str] = []
    numbers: list[int] = []  # the file's event number of each kept event (for errors)
    event_ids: list[str] = []
    rows_of_event: list[int] = []
    attribute_values: dict[str, list[Any]] = {}
    for number, event in enumerate(events, 1):
        if not isinstance(event, dict):
            raise LogError("an event must be a JSON object", source, f"event {number}")
        missing = [key for key in ("id", "type", "time") if not event.get(key)]
        if missing:
            raise LogError(f"event without {', '.join(missing)}", source, f"event {number}")
        related = dict.fromkeys(
            str(rel.get("objectId"))
            for rel in event.get("relationships") or []
            if type_of.get(str(rel.get("objectId"))) == object_type
        )
        if not related:
            continue
        row = len(event_ids)
        event_ids.append(str(event["id"]))
        times.append(str(event["time"]))
        numbers.append(number)
        for name, value in _attributes(event).items():
            attribute_values.setdefault(name, [None] * row)
            attribute_values[name].append(value)
        for values in attribute_values.values():
            if len(values) == row:
                values.append(None)
        for object_id in related:
            cases.append(object_id)
            activities.append(str(event["type"]))
            rows_of_event.append(row)
    if not cases:
        raise LogError(f"no event relates to an object of type {object_type!r}", source)

    take = pa.array(rows_of_event, pa.int64())
    columns: dict[str, pa.Array] = {
        CASE: pa.array(cases, pa.string()),
        ACTIVITY: pa.array(activities, pa.string()),
        TIMESTAMP: _times(pa.array(times, pa.string()), naive_zone, source, "time", numbers).take(
            take
        ),
        EVENT_ID: pa.array(event_ids, pa.string()).take(take),
    }
    declared_events = {name: kind for kinds in event_types.values() for name, kind in kinds}
    for name, values in attribute_values.items():
        typed = _typed(values, declared_events.get(name), naive_zone, source, name, numbers)
        columns[_free(name, columns)] = typed.take(take)
    declared_objects = dict(object_types.get(object_type, []))
    case_attributes = _object_attributes(objects, object_type)
    case_ids = columns[CASE].to_pylist()
    for name in sorted({key for attrs in case_attributes.values() for key in attrs}):
        values = [case_attributes.get(case, {}).get(name) for case in case_ids]
        typed = _typed(values, declared_objects.get(name), naive_zone, source, name, None)
        columns[_free(f"case:{name}", columns)] = typed
    return pa.table(columns)


def object_types(
    path: str | Path, *, max_unpacked: int | None = DEFAULT_MAX_UNPACKED
) -> dict[str, int]:
    """The object types of a log and how many objects each has."""
    counts: dict[str, int] = {}
    for obj in _load(str(path), max_unpacked).get("objects") or []:
        kind = str(obj.get("type"))
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def _load(source: str, cap: int | None) -> dict[str, Any]:
    name = source.lower().removesuffix(".gz")
    if name.endswith(XML_SUFFIXES):
        return _load_xml(source, cap)
    return _load_json(source, cap)


def _read_all(source: str, cap: int | None) -> bytes:
    stream, files = open_maybe_gzip(source, cap)
    try:
        return stream.read()
    finally:
        for file in reversed(files):
            file.close()


def _load_json(source: str, cap: int | None) -> dict[str, Any]:
    try:
        document = json.loads(_read_all(source, cap).decode("utf-8"))
    except json.JSONDecodeError as error:
        raise LogError(
            f"not JSON ({error.msg})", source, f"line {error.lineno}, column {error.colno}"
        ) from None
    except UnicodeDecodeError:
        raise LogError("bytes that are not UTF-8 text", source) from None
    except (OSError, EOFError) as error:
        raise LogError(f"cannot read the file ({error})", source) from None
    if not isinstance(document, dict):
        raise LogError("not an OCEL 2.0 JSON log: the top level is not an object", source)
    return document


def _load_xml(source: str, cap: int | None) -> dict[str, Any]:
    """An OCEL 2.0 XML log as the document the JSON reader gives (same keys and shapes)."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        stream, files = open_maybe_gzip(source, cap)
        try:
            tree = etree.parse(stream, parser)
        finally:
            for file in reversed(files):
                file.close()
    except etree.XMLSyntaxError as error:
        line, column = error.position
        raise LogError(
            f"not well-formed XML ({error.msg})", source, f"line {line}, column {column}"
        ) from None
    except (OSError, EOFError) as error:
        raise LogError(f"cannot read the file ({error})", source) from None
    if tree.docinfo.doctype:
        raise LogError("a DOCTYPE is not allowed in an OCEL 2.0 XML log", source)
    root = tree.getroot()
    if root.tag != "log":
        raise LogError(
            f"not an OCEL 2.0 XML log: the root element is <{root.tag}>, not <log>",
            source,
            f"line {root.sourceline}",
        )
    objects, events = root.find("objects"), root.find("events")
    if objects is None or events is None:
        raise LogError("not an OCEL 2.0 XML log: no <objects> and <events> elements", source)
    return {
        "objectTypes": _xml_types(root.find("object-types"), "object-type"),
        "eventTypes": _xml_types(root.find("event-types"), "event-type"),
        "objects": [
            _xml_item(element, number, "object", ("id", "type"), source)
            for number, element in enumerate(objects.iterchildren("object"), 1)
        ],
        "events": [
            _xml_item(element, number, "event", ("id", "type", "time"), source)
            for number, element in enumerate(events.iterchildren("event"), 1)
        ],
    }


def _xml_types(parent: Any, tag: str) -> list[dict[str, Any]]:
    if parent is None:
        return []
    return [
        {
            "name": kind.get("name"),
            "attributes": [
                {"name": a.get("name"), "type": a.get("type", "string")}
                for a in kind.iterfind("attributes/attribute")
            ],
        }
        for kind in parent.iterchildren(tag)
    ]


def _xml_item(
    element: Any, number: int, kind: str, required: tuple[str, ...], source: str
) -> dict[str, Any]:
    """An <object> or <event> as its JSON form; refuses one without id/type(/time)."""
    missing = [key for key in required if not element.get(key)]
    if missing:
        raise LogError(
            f"{kind} without {', '.join(missing)}",
            source,
            f"line {element.sourceline}, {kind} {number}",
        )
    item: dict[str, Any] = {key: element.get(key) for key in required}
    item["attributes"] = [
        {"name": a.get("name"), "value": a.text, "time": a.get("time")}
        for a in element.iterfind("attributes/attribute")
    ]
    item["relationships"] = [
        {"objectId": r.get("object-id"), "qualifier": r.get("qualifier")}
        for r in element.iterfind("objects/relationship")
    ]
    return item


def _declared(types: Any) -> dict[str, list[tuple[str, str]]]:
    """type name -> [(attribute name, declared type)]."""
    out: dict[str, list[tuple[str, str]]] = {}
    for kind in types or []:
        attributes = [
            (str(a.get("name")), str(a.get("type", "string")).lower())
            for a in kind.get("attributes") or []
        ]
        out[str(kind.get("name"))] = attributes
    return out


def _attributes(item: dict[str, Any]) -> dict[str, Any]:
    """name -> the first value listed (OCEL 2.0 object attributes carry a time each)."""
    out: dict[str, Any] = {}
    for attribute in item.get("attributes") or []:
        name = str(attribute.get("name"))
        if name not in out:
            out[name] = attribute.get("value")
    return out


def _object_attributes(objects: list[Any], object_type: str) -> dict[str, dict[str, Any]]:
    return {
        str(obj["id"]): _attributes(obj)
        for obj in objects
        if obj.get("type") == object_type and obj.get("attributes")
    }


def _typed(
    values: list[Any],
    kind: str | None,
    zone: str,
    source: str,
    name: str,
    numbers: list[int] | None,
) -> pa.Array:
    target = _TYPES.get(kind or "string", pa.string())
    if kind in ("time", "date"):
        text = pa.array([_text(v) for v in values], pa.string())
        return _times(text, zone, source, name, numbers)
    try:
        return pa.array(values, target)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
        if target != pa.string():
            try:  # numbers written as text ("12.5"): Arrow's cast checks every value
                return pa.array([_text(v) for v in values], pa.string()).cast(target)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                pass
        return pa.array([_text(v) for v in values], pa.string())


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _times(
    text: pa.Array, zone: str, source: str, name: str, numbers: list[int] | None
) -> pa.Array:
    try:
        return to_utc(text, zone)
    except TimestampError as bad:
        where = f"event {numbers[bad.index]}" if numbers else "object attribute"
        raise LogError(
            f"{bad.value!r} is not a date and time ({bad.reason})", source, f"{where}, {name}"
        ) from None


def _free(name: str, columns: dict[str, pa.Array]) -> str:
    return name if name not in columns else f"ocel:{name}"
