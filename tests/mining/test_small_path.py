"""``fatura mine`` on a small XES log runs in plain Python (:mod:`fatura.mining.small`) and
writes the columnar path's document to the byte, KPIs included; what it does not read the same
way for certain it leaves to the columnar path (decision 0033, addendum)."""

from __future__ import annotations

import gzip
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from fatura.mining import cli, small
from fatura.mining.kpis import quick
from fatura.mining.log import EventLog
from fatura.mining.writers import write_log
from tests.mining import test_kpi_sources as sources
from tests.mining.conftest import REAL_LOGS, data_file
from tests.mining.logs import generated_table
from tests.mining.test_kpis import enriched, hand_table

ROOT = Path(__file__).resolve().parents[2]
OPTIONS = [[], ["--no-kpis"], ["--kpis", "--automation-users", "ana,SYSTEM"], ["--kpis"]]


def small_document(log: Path, out: Path, *extra: str) -> str:
    """The document of the plain-Python path (NotSmall if it declines)."""
    args = cli.parser().parse_args([str(log), "--json", str(out), *extra])
    assert cli._small(args)
    assert cli._run_small(args, 0.0) == 0
    return out.read_text()


def columnar_document(log: Path, out: Path, monkeypatch: pytest.MonkeyPatch, *extra: str) -> str:
    with monkeypatch.context() as patched:
        patched.setattr(cli, "_small", lambda args: False)
        assert cli.main([str(log), "--json", str(out), *extra]) == 0
    return out.read_text()


def written(log: EventLog, folder: Path, name: str) -> Path:
    path = folder / f"{name}.xes"
    write_log(log, path, "xes")
    return path


LOGS: dict[str, Callable[[Path], Path]] = {
    "running-example": lambda _: data_file(REAL_LOGS["running-example"]),
    "receipt": lambda _: data_file(REAL_LOGS["receipt"]),
    "roadtraffic100": lambda _: data_file(REAL_LOGS["roadtraffic100"]),
    "generated": lambda tmp: written(
        EventLog.from_table(generated_table(300, seed=3, shuffle=True)), tmp, "generated"
    ),
    "enriched": lambda tmp: written(enriched(120), tmp, "enriched"),
    "hand": lambda tmp: written(EventLog.from_table(hand_table(), name="hand"), tmp, "hand"),
    "own-log": lambda tmp: written(sources.own_log(), tmp, "own"),
    "netsuite": lambda tmp: written(sources.SOURCES["netsuite"](), tmp, "netsuite"),
}


@pytest.mark.parametrize("name", sorted(LOGS))
@pytest.mark.parametrize("extra", OPTIONS, ids=lambda e: " ".join(e) or "default")
def test_the_same_document_as_the_columnar_path(
    name: str, extra: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = LOGS[name](tmp_path)
    ours = small_document(log, tmp_path / "small.json", *extra)
    theirs = columnar_document(log, tmp_path / "columnar.json", monkeypatch, *extra)
    assert ours == theirs


def test_the_same_document_gzipped_and_in_another_zone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = written(enriched(80, seed=9), tmp_path, "enriched")
    packed = tmp_path / "enriched.xes.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    monkeypatch.setenv("FATURA_TIME_ZONE", "UTC")
    ours = small_document(packed, tmp_path / "small.json")
    assert ours == columnar_document(packed, tmp_path / "columnar.json", monkeypatch)
    assert '"kpis"' in ours


def test_kpis_equal_the_numpy_path_on_the_generated_log(tmp_path: Path) -> None:
    """The plain-Python KPIs are quick.kpis', value for value (not only through the CLI)."""
    from fatura.mining.kpis.smallpath import kpis as small_kpis
    from fatura.mining.kpis.values import to_json
    from fatura.mining.readers import read_log

    path = written(enriched(200, seed=11), tmp_path, "enriched")
    expected = to_json(quick.kpis(read_log(path, attributes=True)))
    got = small_kpis(small.read(str(path), quick.KEYS), small.default_zone(), ("system",))
    assert got == expected


def test_the_cli_reads_the_keys_the_kpis_read() -> None:
    assert cli.KPI_KEYS == quick.KEYS


XES_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1.0">\n'
    '<string key="concept:name" value="log"/>\n'
)


def xes(events: str, head: str = XES_HEAD) -> str:
    return head + f'<trace><string key="concept:name" value="c1"/>\n{events}</trace>\n</log>\n'


EVENT = (
    '<event><string key="concept:name" value="{activity}"/>'
    '<date key="time:timestamp" value="{stamp}"/>{extra}</event>\n'
)


def event(activity: str = "A", stamp: str = "2024-01-01T10:00:00+00:00", extra: str = "") -> str:
    return EVENT.format(activity=activity, stamp=stamp, extra=extra)


DECLINED = {
    "an entity in a value": xes(event("A &amp; B")),
    "a control character": xes(event("A\x01B")),
    "a non-character": xes(event("A\ufffeB")),
    "a comment among the traces": xes(event() + "<!-- c -->\n" + event("B")),
    "a timestamp without an offset": xes(event(stamp="2024-01-01T10:00:00")),
    "a float in another form": xes(event(extra='<float key="amount" value="1e3"/>')),
    "an int with spaces": xes(event(extra='<int key="n" value=" 4"/>')),
    "a boolean in capitals": xes(event(extra='<boolean key="is_automated" value="TRUE"/>')),
    "a repeated key": xes(event(extra='<string key="concept:name" value="B"/>')),
    "a repeated key in another order": xes(
        '<event><date key="time:timestamp" value="2024-01-01T10:00:00Z"/>'
        '<string key="concept:name" value="A"/><string key="concept:name" value="B"/></event>'
    ),
    "a repeated KPI attribute": xes(
        event(extra='<float key="discount" value="1"/><float key="discount" value="2"/>')
    ),
    "a list attribute": xes(event(extra='<list key="l"><string key="x" value="y"/></list>')),
    "single quotes": xes(event(extra="<string key='x' value='y'/>")),
    "value before key": xes(event(extra='<string value="y" key="x"/>')),
    "an event outside a trace": XES_HEAD + event() + xes(event())[len(XES_HEAD) :],
    "another encoding": xes(event()).replace("UTF-8", "ISO-8859-1"),
    "a DOCTYPE": xes(event(), XES_HEAD.replace("<log", "<!DOCTYPE log>\n<log")),
    "a day that does not exist": xes(event(stamp="2023-02-29T10:00:00Z")),
    "a key named like a column": xes(event(extra='<string key="resource" value="x"/>')),
    "a key named like a trace's": xes(event(extra='<float key="case:discount" value="1"/>')),
    "a trace without a name": XES_HEAD + "<trace>" + event() + "</trace></log>",
    "no events": XES_HEAD + '<trace><string key="concept:name" value="c"/></trace></log>',
}


@pytest.mark.parametrize("case", sorted(DECLINED))
def test_declines_what_it_does_not_read_the_same_way(case: str, tmp_path: Path) -> None:
    path = tmp_path / "odd.xes"
    path.write_text(DECLINED[case], encoding="utf-8")
    with pytest.raises(small.NotSmall):
        small_document(path, tmp_path / "small.json")
    assert not (tmp_path / "small.json").exists()


def test_the_plain_form_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The control of the cases above: the same log without the odd part is read here."""
    path = tmp_path / "plain.xes"
    other_order = (
        '<event><date key="time:timestamp" value="2024-01-03T00:00:00.123+01:00"/>'
        '<string key="org:resource" value="SYSTEM"/><string key="concept:name" value="C"/></event>'
    )
    events = event() + event("B", "2024-01-02T10:00:00.5-03:00") + other_order
    path.write_text(xes(events), encoding="utf-8")
    ours = small_document(path, tmp_path / "small.json")
    assert ours == columnar_document(path, tmp_path / "columnar.json", monkeypatch)


def test_declines_real_logs_it_does_not_read(tmp_path: Path) -> None:
    for name in ("orders-nonstandard-dates", "bpic2020-domestic"):
        with pytest.raises(small.NotSmall):
            small_document(data_file(REAL_LOGS[name]), tmp_path / "small.json")


def test_a_large_file_is_left_to_the_columnar_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = data_file(REAL_LOGS["receipt"])
    monkeypatch.setattr(small, "SMALL_BYTES", 10_000)
    args = cli.parser().parse_args([str(log), "--json", str(tmp_path / "out.json")])
    assert not cli._small(args)  # the compressed file alone is larger
    with pytest.raises(small.NotSmall):
        small.read(str(log), quick.KEYS)


def test_the_command_imports_neither_numpy_nor_arrow_on_a_small_log(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from fatura.cli import main\n"
        "try:\n"
        "    main(['fatura', 'mine', *sys.argv[1:]])\n"
        "finally:\n"
        "    heavy = sorted(m for m in ('numpy', 'pyarrow', 'lxml', 'dataclasses', 'typing')\n"
        "                   if m in sys.modules)\n"
        "    print('imported:', ','.join(heavy), file=sys.stderr)\n"
    )
    log = written(enriched(60), tmp_path, "enriched")
    done = subprocess.run(
        [sys.executable, "-c", code, str(log), "--json", str(tmp_path / "out.json")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT / "src")},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "imported: \n" in done.stderr
    assert '"kpis"' in (tmp_path / "out.json").read_text()
