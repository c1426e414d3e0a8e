"""OCEL 2.0 JSON and XML: flattening on an object type equals pm4py's ``ocel_flattening``."""

from __future__ import annotations

import gzip
import json
import warnings
from pathlib import Path
from typing import Any

import pytest

from fatura.mining.engine import mine
from fatura.mining.errors import LogError
from fatura.mining.log import EventLog
from fatura.mining.readers.ocel import object_types, read_ocel
from tests.mining.conftest import assert_matches_pm4py, data_file, pm4py_outputs

EXAMPLE = "ocel20_example.jsonocel"
ORDERS = "ocel2-order-management.json.gz"


def _pm4py_flat(path: Path, object_type: str) -> dict[str, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pm4py

        frame = pm4py.ocel_flattening(pm4py.read_ocel2_json(str(path)), object_type)
    return pm4py_outputs(
        frame,
        case_id="case:concept:name",
        activity_key="concept:name",
        timestamp_key="time:timestamp",
    )


@pytest.mark.parametrize(
    ("name", "object_type"),
    [(EXAMPLE, "Invoice"), (EXAMPLE, "Purchase Order"), (ORDERS, "orders"), (ORDERS, "items")],
)
def test_flattening_equals_pm4py(name: str, object_type: str) -> None:
    path = data_file(name)
    table = read_ocel(path, object_type=object_type, naive_zone="UTC")
    document = mine(EventLog.from_table(table)).to_json()
    assert_matches_pm4py(document, _pm4py_flat(path, object_type))


def test_object_attributes_become_case_attributes_and_event_ids_are_kept() -> None:
    path = data_file(ORDERS)
    assert object_types(path)["orders"] == 2000
    table = read_ocel(path, object_type="orders", naive_zone="UTC")
    assert table.schema.field("case:price").type == "double"
    assert table.column("ocel:eid").null_count == 0
    assert table.column("case_id").to_pylist()[0].startswith("o-")


def _write(tmp_path: Path, document: Any, name: str = "log.jsonocel") -> Path:
    path = tmp_path / name
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return path


SMALL = {
    "objectTypes": [{"name": "order", "attributes": [{"name": "total", "type": "float"}]}],
    "eventTypes": [{"name": "pay", "attributes": [{"name": "amount", "type": "float"}]}],
    "objects": [
        {
            "id": "o1",
            "type": "order",
            "attributes": [{"name": "total", "value": "10.5", "time": "1970-01-01T00:00:00Z"}],
        },
        {"id": "o2", "type": "order"},
        {"id": "c1", "type": "customer"},
    ],
    "events": [
        {
            "id": "e1",
            "type": "place",
            "time": "2024-01-01T10:00:00Z",
            "relationships": [
                {"objectId": "o1", "qualifier": "a"},
                {"objectId": "o1", "qualifier": "b"},
                {"objectId": "o2", "qualifier": "a"},
                {"objectId": "c1", "qualifier": "by"},
            ],
        },
        {
            "id": "e2",
            "type": "pay",
            "time": "2024-01-02T10:00:00Z",
            "attributes": [{"name": "amount", "value": 3}],
            "relationships": [{"objectId": "o1", "qualifier": "x"}],
        },
        {
            "id": "e3",
            "type": "visit",
            "time": "2024-01-03T10:00:00Z",
            "relationships": [{"objectId": "c1", "qualifier": "x"}],
        },
    ],
}


def test_an_event_with_many_objects_is_in_each_case_once(tmp_path: Path) -> None:
    table = read_ocel(_write(tmp_path, SMALL), object_type="order", naive_zone="UTC")
    rows = list(
        zip(
            *(table.column(c).to_pylist() for c in ("case_id", "activity", "ocel:eid")), strict=True
        )
    )
    assert rows == [("o1", "place", "e1"), ("o2", "place", "e1"), ("o1", "pay", "e2")]
    assert table.column("amount").to_pylist() == [None, None, 3.0]
    assert table.column("case:total").to_pylist() == [10.5, None, 10.5]


def test_refusals_name_the_file_and_place(tmp_path: Path) -> None:
    path = _write(tmp_path, SMALL)
    with pytest.raises(
        LogError, match=r"no object type 'invoice'; the log has 'customer', 'order'"
    ):
        read_ocel(path, object_type="invoice", naive_zone="UTC")
    broken = _write(tmp_path, '{"events": [', "broken.jsonocel")
    with pytest.raises(LogError, match=r"broken.jsonocel, line 1, column 13: not JSON"):
        read_ocel(broken, object_type="order", naive_zone="UTC")
    bad_time = json.loads(json.dumps(SMALL))
    bad_time["events"][1]["time"] = "yesterday"
    with pytest.raises(LogError, match=r"event 2, time: 'yesterday' is not a date and time"):
        read_ocel(_write(tmp_path, bad_time, "t.jsonocel"), object_type="order", naive_zone="UTC")
    no_type = json.loads(json.dumps(SMALL))
    del no_type["events"][2]["type"]
    with pytest.raises(LogError, match=r"event 3: event without type"):
        read_ocel(_write(tmp_path, no_type, "n.jsonocel"), object_type="order", naive_zone="UTC")


# --- OCEL 2.0 XML: read into the same document as JSON, so flattening is the same ---

SMALL_XML = Path(__file__).parent.parent / "fixtures" / "ocel" / "small.xmlocel"


def _example_as_xml(tmp_path: Path) -> Path:
    """The running example written as OCEL 2.0 XML by pm4py (its writer, not ours)."""
    path = data_file(EXAMPLE)
    target = tmp_path / "example.xmlocel"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pm4py

        pm4py.write_ocel2_xml(pm4py.read_ocel2_json(str(path)), str(target))
    return target


def test_xml_and_json_flatten_alike_on_every_object_type(tmp_path: Path) -> None:
    json_path, xml_path = data_file(EXAMPLE), _example_as_xml(tmp_path)
    kinds = object_types(json_path)
    assert object_types(xml_path) == kinds
    for kind in kinds:
        from_json = read_ocel(json_path, object_type=kind, naive_zone="UTC")
        from_xml = read_ocel(xml_path, object_type=kind, naive_zone="UTC")
        assert from_xml.equals(from_json, check_metadata=True), kind


@pytest.mark.parametrize("object_type", ["Invoice", "Payment", "Purchase Order"])
def test_xml_flattening_equals_pm4py(tmp_path: Path, object_type: str) -> None:
    path = _example_as_xml(tmp_path)
    table = read_ocel(path, object_type=object_type, naive_zone="UTC")
    document = mine(EventLog.from_table(table)).to_json()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pm4py

        frame = pm4py.ocel_flattening(pm4py.read_ocel2_xml(str(path)), object_type)
    expected = pm4py_outputs(
        frame,
        case_id="case:concept:name",
        activity_key="concept:name",
        timestamp_key="time:timestamp",
    )
    assert_matches_pm4py(document, expected)


def test_the_xml_fixture_reads_as_its_json_twin(tmp_path: Path) -> None:
    for kind in ("order", "customer"):
        from_json = read_ocel(_write(tmp_path, SMALL), object_type=kind, naive_zone="UTC")
        from_xml = read_ocel(SMALL_XML, object_type=kind, naive_zone="UTC")
        assert from_xml.equals(from_json), kind
    table = read_ocel(SMALL_XML, object_type="order", naive_zone="UTC")
    assert table.column("amount").to_pylist() == [None, None, 3.0]
    assert table.column("case:total").to_pylist() == [10.5, None, 10.5]


def test_gzipped_xml_is_read(tmp_path: Path) -> None:
    packed = tmp_path / "small.xmlocel.gz"
    packed.write_bytes(gzip.compress(SMALL_XML.read_bytes()))
    assert read_ocel(packed, object_type="order", naive_zone="UTC").equals(
        read_ocel(SMALL_XML, object_type="order", naive_zone="UTC")
    )


def test_xml_refusals_name_the_file_and_line(tmp_path: Path) -> None:
    text = SMALL_XML.read_text()
    broken = _write(tmp_path, text.replace("</event>\n", "", 1), "broken.xmlocel")
    with pytest.raises(LogError, match=r"broken\.xmlocel, line \d+, column \d+: not well-formed"):
        read_ocel(broken, object_type="order", naive_zone="UTC")
    no_time = _write(tmp_path, text.replace(' time="2024-01-02T10:00:00Z"', ""), "t.xml")
    with pytest.raises(LogError, match=r"t\.xml, line 53, event 2: event without time"):
        read_ocel(no_time, object_type="order", naive_zone="UTC")
    bad_time = _write(tmp_path, text.replace("2024-01-02T10:00:00Z", "yesterday"), "b.xml")
    with pytest.raises(LogError, match=r"event 2, time: 'yesterday' is not a date and time"):
        read_ocel(bad_time, object_type="order", naive_zone="UTC")
    not_ocel = _write(tmp_path, "<?xml version='1.0'?>\n<log><events/></log>", "x.xml")
    with pytest.raises(LogError, match=r"x\.xml: not an OCEL 2.0 XML log: no <objects>"):
        read_ocel(not_ocel, object_type="order", naive_zone="UTC")
    with pytest.raises(LogError, match=r"no object type 'invoice'; the log has 'customer'"):
        read_ocel(SMALL_XML, object_type="invoice", naive_zone="UTC")


def test_xml_with_a_doctype_is_refused_and_no_entity_is_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("do not read me")
    head = f'<?xml version="1.0"?>\n<!DOCTYPE log [<!ENTITY x SYSTEM "file://{secret}">]>\n'
    body = SMALL_XML.read_text().split("\n", 2)[2].replace(">3<", ">&x;<")
    hostile = _write(tmp_path, head + body, "hostile.xmlocel")
    with pytest.raises(LogError, match=r"hostile\.xmlocel: a DOCTYPE is not allowed"):
        read_ocel(hostile, object_type="order", naive_zone="UTC")


def test_xml_suffixes_are_ocel() -> None:
    from fatura.mining.services import detect_format

    assert detect_format("log.xmlocel") == detect_format("LOG.XML") == "ocel"
    assert detect_format("log.xes") == "xes"
