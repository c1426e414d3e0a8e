"""``fatura mine``: the command as a user runs it (a subprocess), and in-process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from fatura.mining.cli import main
from tests.mining.conftest import REAL_LOGS, assert_canonical_order, data_file
from tests.mining.logs import generated_table, write_csv

KEYS = [
    "cases",
    "events",
    "activities",
    "dfg",
    "start_activities",
    "end_activities",
    "variants",
    "case_durations",
]
ROOT = Path(__file__).resolve().parents[2]


def fatura(*args: str) -> subprocess.CompletedProcess[str]:
    """``fatura mine`` in a fresh interpreter; also reports whether Django was imported."""
    code = (
        "import sys\n"
        "from fatura.cli import main\n"
        "try:\n"
        "    main(['fatura', 'mine', *sys.argv[1:]])\n"
        "finally:\n"
        "    imported = 'django' in sys.modules\n"
        "    print('django-imported' if imported else 'no-django', file=sys.stderr)\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT / "src")},  # no Django settings
        check=False,
    )


def test_mine_an_xes_log_without_django_or_a_database(tmp_path: Path) -> None:
    out = tmp_path / "out" / "running.json"
    done = fatura(str(data_file(REAL_LOGS["running-example"])), "--json", str(out))
    assert done.returncode == 0, done.stderr
    assert "no-django" in done.stderr
    assert "42 events, 6 cases, 6 variants, 16 edges (fast" in done.stderr
    document = json.loads(out.read_text())
    assert list(document) == KEYS
    assert document["cases"] == 6 and document["events"] == 42
    assert document["dfg"][0] == {
        "source": "check ticket",
        "target": "decide",
        "count": 6,
        "mean_seconds": 181960.0,
        "median_seconds": 129300.0,
    }
    assert set(document["case_durations"]) == {
        "mean_seconds",
        "median_seconds",
        "min_seconds",
        "max_seconds",
    }
    assert_canonical_order(document)


def test_mine_a_parquet_log_with_a_mapping(tmp_path: Path) -> None:
    table = generated_table(200, seed=4).rename_columns(
        ["invoice", "step", "at", "resource", "amount"]
    )
    path = tmp_path / "log.parquet"
    pq.write_table(table, path)
    out = tmp_path / "out.json"
    done = fatura(
        str(path),
        "--json",
        str(out),
        "--case",
        "invoice",
        "--activity",
        "step",
        "--timestamp",
        "at",
    )
    assert done.returncode == 0, done.stderr
    document = json.loads(out.read_text())
    assert document["events"] == table.num_rows
    assert document["cases"] == 200
    assert sum(v["count"] for v in document["variants"]) == 200


def test_engines_write_the_same_document(tmp_path: Path) -> None:
    path = write_csv(generated_table(150, seed=8), tmp_path / "log.csv")
    outputs = {}
    for engine in ("fast", "duckdb"):
        out = tmp_path / f"{engine}.json"
        assert main([str(path), "--json", str(out), "--engine", engine]) == 0
        outputs[engine] = json.loads(out.read_text())
    fast, duck = outputs["fast"], outputs["duckdb"]
    assert fast["variants"] == duck["variants"] and fast["activities"] == duck["activities"]
    assert [e["count"] for e in fast["dfg"]] == [e["count"] for e in duck["dfg"]]


def test_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_csv(generated_table(20, seed=1), tmp_path / "log.csv")
    assert main([str(path), "--json", "-"]) == 0
    assert json.loads(capsys.readouterr().out)["cases"] == 20


def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    done = fatura(str(data_file("roadtraffic-variants-no-timestamps.xes.gz")), "--json", str(out))
    assert done.returncode == 2
    assert "fatura mine: error:" in done.stderr and "no timestamps" in done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []
    bad = tmp_path / "bad.csv"
    bad.write_text("case_id,activity,timestamp\nA,x,someday\n")
    done = fatura(str(bad), "--json", str(out))
    assert done.returncode == 2 and "row 1, column 'timestamp': 'someday'" in done.stderr
    assert not out.exists()


def test_usage_errors() -> None:
    with pytest.raises(SystemExit) as caught:
        main(["log.xes"])  # --json is required
    assert caught.value.code == 2
    with pytest.raises(SystemExit):
        main(["log.xes", "--json", "out.json", "--engine", "polars"])


def test_an_invoice_log_gets_its_kpis_by_default(tmp_path: Path) -> None:
    from fatura.mining.kpis import kpis, to_json
    from fatura.mining.readers import read_log

    path = tmp_path / "invoices.parquet"
    pq.write_table(generated_table(300, seed=11), path)
    out = tmp_path / "out.json"
    done = fatura(str(path), "--json", str(out), "--time-zone", "UTC")
    assert done.returncode == 0, done.stderr
    document = json.loads(out.read_text())
    assert list(document) == [*KEYS, "kpis"]
    expected = to_json(kpis(read_log(path, naive_zone="UTC")))
    assert document["kpis"] == json.loads(json.dumps(expected))
    assert document["kpis"]["cases"] == 300 and document["kpis"]["dso"]["value"] is not None

    plain = tmp_path / "plain.json"
    done = fatura(str(path), "--json", str(plain), "--no-kpis")
    assert done.returncode == 0, done.stderr
    assert list(json.loads(plain.read_text())) == KEYS


def test_kpis_asked_of_a_log_without_invoice_activities(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    done = fatura(str(data_file(REAL_LOGS["running-example"])), "--json", str(out), "--kpis")
    assert done.returncode == 0, done.stderr
    assert "no invoice activities in the log: no kpis" in done.stderr
    assert list(json.loads(out.read_text())) == KEYS


def test_automation_users(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.mining.test_kpi_sources import OPTIONS, own_log

    table = own_log().table.drop_columns(["is_automated", "event_index"])
    path = tmp_path / "five.parquet"
    pq.write_table(table, path)

    def automation(*flags: str) -> dict[str, int]:
        out = tmp_path / "out.json"
        zone = ["--time-zone", "America/Sao_Paulo", "--resource", "resource"]
        assert main([str(path), "--json", str(out), "--kpis", *zone, *flags]) == 0
        return json.loads(out.read_text())["kpis"]["automation_rate"]["counts"]

    assert OPTIONS.zone == "America/Sao_Paulo"
    assert automation() == {"automated_events": 14, "events": 39}  # user "system"
    assert automation("--automation-users", "CARLA, System") == {
        "automated_events": 30,  # and carla's 16 payment, closing and write-off events
        "events": 39,
    }
    monkeypatch.setenv("FATURA_AUTOMATION_USERS", "Julia")
    assert automation() == {"automated_events": 3, "events": 39}  # julia: dispute, credit


def test_where_filters_the_map_the_variants_and_the_kpis(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from fatura.mining.engine import mine
    from fatura.mining.engine.filters import parse
    from fatura.mining.kpis import kpis, to_json
    from fatura.mining.readers import read_log

    path = tmp_path / "invoices.parquet"
    pq.write_table(generated_table(300, seed=11), path)
    out = tmp_path / "out.json"
    conditions = ["amount>=1000", "has:Invoice Approved"]
    flags = [arg for c in conditions for arg in ("--where", c)]
    assert main([str(path), "--json", str(out), "--time-zone", "UTC", *flags]) == 0
    document = json.loads(out.read_text())
    log = read_log(path, naive_zone="UTC")
    where = parse(conditions, zone="UTC")
    expected = mine(log, where=where).to_json()
    assert 0 < document["cases"] < 300 and document["cases"] == expected["cases"]
    assert {k: v for k, v in document.items() if k != "kpis"} == json.loads(json.dumps(expected))
    selected = where.select(log)
    assert document["kpis"] == json.loads(json.dumps(to_json(kpis(selected))))
    assert document["kpis"]["cases"] == document["cases"]


def test_a_bad_where_exits_2_naming_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_csv(generated_table(20, seed=3), tmp_path / "g.csv")
    out = tmp_path / "out.json"
    assert main([str(path), "--json", str(out), "--where", "amount>=muito"]) == 2
    assert "filter 'amount>=muito': 'muito' is not a number" in capsys.readouterr().err
    assert main([str(path), "--json", str(out), "--where", "segment=Enterprise"]) == 2
    assert "no attribute 'segment'" in capsys.readouterr().err
    assert not out.exists()
    assert main([str(path), "--json", str(out), "--where", "has:Nothing Like It"]) == 0
    assert json.loads(out.read_text())["cases"] == 0
