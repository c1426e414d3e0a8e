"""OCEL 2.0 JSON: flattening on an object type equals pm4py's ``ocel_flattening``."""

from __future__ import annotations

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
