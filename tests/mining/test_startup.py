"""``fatura mine`` starts without the heavy modules it does not use (decision 0033): checked
in a fresh interpreter's ``sys.modules``, not timed (the machine's load would make a timed
test flaky; ``make bench`` reports the start-up time)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.mining.conftest import REAL_LOGS, data_file

ROOT = Path(__file__).resolve().parents[2]
NEVER = ("django", "pandas", "sklearn", "ibis", "duckdb", "polars", "pyspark", "pm4py", "scipy")


def imported(*argv: str) -> set[str]:
    """The top-level packages imported by ``fatura mine ARGV`` in a fresh interpreter."""
    code = (
        "import json, sys\n"
        "from fatura.cli import main\n"
        "try:\n"
        "    main(['fatura', 'mine', *sys.argv[1:]])\n"
        "except SystemExit:\n"
        "    pass\n"
        "finally:\n"
        "    print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, *argv],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT / "src")},
        check=False,
    )
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


def test_help_imports_nothing_heavy() -> None:
    modules = imported("--help")
    assert not modules & {*NEVER, "numpy", "pyarrow", "lxml"}, modules


@pytest.mark.parametrize("name", ["running-example", "receipt"])
def test_a_small_xes_log_imports_neither_numpy_nor_arrow(name: str, tmp_path: Path) -> None:
    """Read, mined and measured in plain Python (:mod:`fatura.mining.small`)."""
    modules = imported(str(data_file(REAL_LOGS[name])), "--json", str(tmp_path / "out.json"))
    assert not modules & {*NEVER, "numpy", "pyarrow", "lxml"}, modules


@pytest.mark.parametrize("name", ["orders-nonstandard-dates", "bpic2020-domestic"])
def test_mining_a_log_imports_only_numpy_pyarrow_lxml(name: str, tmp_path: Path) -> None:
    """Logs the plain-Python path leaves to the columnar one (odd dates; a larger file)."""
    modules = imported(str(data_file(REAL_LOGS[name])), "--json", str(tmp_path / "out.json"))
    assert {"numpy", "pyarrow"} <= modules
    assert not modules & set(NEVER), modules & set(NEVER)


def test_the_kpis_of_the_fast_engine_import_no_ibis(tmp_path: Path) -> None:
    from tests.mining.test_kpis import enriched

    log = tmp_path / "invoices.parquet"
    import pyarrow.parquet as pq

    pq.write_table(enriched().source, log)
    out = tmp_path / "out.json"
    modules = imported(str(log), "--json", str(out), "--kpis")
    assert "kpis" in json.loads(out.read_text())
    assert not modules & set(NEVER), modules & set(NEVER)
