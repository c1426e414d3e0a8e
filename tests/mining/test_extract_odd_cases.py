"""Issue 14's "done when", the gaps left by the reader tests (test_netsuite.py test_odd_cases,
test_oracle_template.py cover several installments, credit memo applications, write-offs by
journal / receivables activity, NetSuite's "SYSTEM" and reminders without a level):

- Oracle Fusion: a user written ``SYSTEM`` / ``System`` is automation for the KPIs (their
  fallback compares users without case) and for the import's ``--automation-users``;
- Oracle Fusion: a dunning letter without a level is a reminder without a level (the KPIs rank
  it), as NetSuite's overdue messages — not a refused extract;
- the same five invoices from the own log, Oracle and NetSuite give the same KPI table after
  ``--as-of`` too, and the same invoice table (test_case_table.py) from a zip.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from pathlib import Path

import pyarrow as pa
import pytest

from fatura.mining.as_of import until
from fatura.mining.kpis import to_json
from fatura.mining.kpis.quick import kpis as quick_kpis
from fatura.mining.log import EventLog
from fatura.mining.readers.erp_folder import read_erp
from tests.mining.test_kpi_sources import FIXTURES, OPTIONS, SOURCES, ZONE

BRT = dt.timezone(dt.timedelta(hours=-3))


def _copy(tmp_path: Path, source: str) -> Path:
    folder = tmp_path / source
    shutil.copytree(FIXTURES / source, folder)
    return folder


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_oracle_system_users_in_any_case_are_automated(tmp_path: Path) -> None:
    folder = _copy(tmp_path, "oracle_fusion")
    trx = folder / "RA_CUSTOMER_TRX_ALL.csv"
    _edit(trx, ",ana,301,", ",SYSTEM,301,")
    _edit(trx, ",ana,302,", ",System,302,")
    log = EventLog.from_table(read_erp(folder, zone=ZONE))
    automation = quick_kpis(log, options=OPTIONS)["automation_rate"]
    created_by_system = sum(
        1
        for r in log.source.select(["activity", "resource"]).to_pylist()
        if (r["resource"] or "").casefold() == "system"
    )
    assert created_by_system >= 2
    assert automation.counts["automated_events"] == created_by_system
    flagged = read_erp(folder, zone=ZONE, automation=["Bruno"])
    rows = flagged.select(["resource", "is_automated"]).to_pylist()
    assert {r["resource"] for r in rows if r["is_automated"]} == {"SYSTEM", "System", "bruno"}
    assert all(r["is_automated"] is None for r in rows if r["resource"] is None)


def test_oracle_dunning_without_a_level_is_a_ranked_reminder(tmp_path: Path) -> None:
    folder = _copy(tmp_path, "oracle_fusion")
    _edit(folder / "IEX_DUNNINGS.csv", "800002,300002,2,", "800002,300002,,")
    table = read_erp(folder, zone=ZONE)
    reminders = [
        (r["activity"], r["dunning_level"])
        for r in table.to_pylist()
        if r["case_id"] == "INV-2" and ("Dunning" in r["activity"] or "Reminder" in r["activity"])
    ]
    assert ("Payment Reminder Issued", None) in reminders
    result = quick_kpis(EventLog.from_table(table), options=OPTIONS)
    levels = {row["level"] for row in to_json(result)["dunning_effectiveness"]}
    assert levels == {1, 2}  # the letter without a level is ranked 2nd in its case


@pytest.mark.parametrize("day", ["2024-02-29", "2024-03-31"])
def test_the_three_sources_agree_as_of_a_date(day: str) -> None:
    moment = dt.datetime.fromisoformat(day).replace(tzinfo=BRT) + dt.timedelta(days=1)
    options = dataclasses.replace(OPTIONS, as_of=moment)
    tables = {}
    for name, read in SOURCES.items():
        log = read()
        cut = EventLog.from_table(until(log.source, day, ZONE))
        result = to_json(quick_kpis(cut, options=options))
        result.pop("automation_rate")  # per source (decision 0030)
        tables[name] = result
    assert tables["oracle_fusion"] == tables["fatura"]
    assert tables["netsuite"] == tables["fatura"]


def test_until_keeps_the_file_order_and_every_column() -> None:
    log = SOURCES["netsuite"]()
    cut = until(log.source, "2024-02-29", ZONE)
    assert cut.schema == log.source.schema
    stamps = cut.column("timestamp").cast(pa.int64()).to_pylist()
    bound = dt.datetime(2024, 3, 1, tzinfo=BRT)
    assert all(
        s < (bound - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)).total_seconds() * 1e6 for s in stamps
    )
