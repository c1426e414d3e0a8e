"""The fast XES path equals the reference (lxml) path: the same table (columns, types, field
metadata, order, values) or the same refusal, on the real logs, on generated logs with every
construct it reads, and on files it must hand over to the reference (checked that it does)."""

from __future__ import annotations

import gzip
import random
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from fatura.mining.cli import main
from fatura.mining.errors import LogError
from fatura.mining.readers import read_log, xes
from fatura.mining.readers.xes import read_xes, read_xes_fast, read_xes_reference
from fatura.mining.readers.xes_fast import FallbackError, Regroup, Rows
from tests.mining.conftest import data_file

HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
REAL = [
    "running-example.xes",
    "receipt.xes.gz",
    "roadtraffic100traces.xes",
    "bpic2020-domestic-declarations.xes.gz",
    "orders-nonstandard-dates.xes.gz",
    "roadtraffic-variants-no-timestamps.xes.gz",
]


def outcome(read: Any, path: Path, **options: Any) -> pa.Table | str:
    """The table, or the refusal's text."""
    try:
        return read(path, naive_zone="UTC", **options)
    except LogError as error:
        return f"LogError: {error}"


def assert_same(got: pa.Table | str, expected: pa.Table | str) -> None:
    if isinstance(expected, str) or isinstance(got, str):
        assert got == expected
        return
    assert got.schema.equals(expected.schema, check_metadata=True)
    assert [f.metadata for f in got.schema] == [f.metadata for f in expected.schema]
    assert got.equals(expected)


def write(tmp_path: Path, text: str, name: str = "log.xes", *, packed: bool = False) -> Path:
    path = tmp_path / (name + (".gz" if packed else ""))
    data = text.encode("utf-8")
    path.write_bytes(gzip.compress(data) if packed else data)
    return path


# --- the real logs ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", REAL)
@pytest.mark.parametrize("attributes", [True, False], ids=["all", "standard"])
def test_real_logs_read_the_same(name: str, attributes: bool) -> None:
    path = data_file(name)
    expected = outcome(read_xes_reference, path, attributes=attributes)
    assert_same(outcome(read_xes_fast, path, attributes=attributes), expected)
    assert_same(outcome(read_xes, path, attributes=attributes), expected)


def test_real_log_in_small_blocks_and_groups() -> None:
    path = data_file("receipt.xes.gz")
    expected = read_xes_reference(path, naive_zone="UTC", chunk_events=97)
    got = read_xes_fast(path, naive_zone="UTC", chunk_events=97, block=1000)
    assert_same(got, expected)


def test_the_log_without_timestamps_is_refused_as_before() -> None:
    path = data_file("roadtraffic-variants-no-timestamps.xes.gz")
    with pytest.raises(LogError, match="the log has no timestamps: no event has time:timestamp"):
        read_xes_fast(path, naive_zone="UTC")  # read fast, refused by the shared table step
    assert outcome(read_xes, path) == outcome(read_xes_reference, path)


# --- generated logs -----------------------------------------------------------------------------

TEXTS = ["plain", "a & b", "<tag>", 'say "hi"', "it's", "café ção", "日本語", "😀 ok", "", "x > y"]
STAMPS = ["2024-03-01T10:00:00Z", "2024-03-01T10:00:00.123+01:00", "2024-03-01 07:00:00-03:00"]


def escaped(text: str, rng: random.Random) -> str:
    """Attribute text as XML, each special character written one of the ways XML allows."""
    ways = {
        "&": ["&amp;", "&#38;", "&#x26;"],
        "<": ["&lt;", "&#60;"],
        ">": [">", "&gt;"],
        '"': ["&quot;", "&#34;"],
        "'": ["'", "&apos;"],
    }
    out = []
    for char in text:
        if char in ways:
            out.append(rng.choice(ways[char]))
        elif ord(char) > 127 and rng.random() < 0.3:
            out.append(rng.choice([f"&#{ord(char)};", f"&#x{ord(char):X};"]))
        else:
            out.append(char)
    return "".join(out)


def element(kind: str, key: str, value: str, rng: random.Random) -> str:
    key_part, value_part = f'key="{escaped(key, rng)}"', f'value="{escaped(value, rng)}"'
    space = rng.choice([" ", "  ", "\n\t\t", " \r\n "])
    first, second = (key_part, value_part) if rng.random() < 0.8 else (value_part, key_part)
    end = rng.choice(["/>", " />", "\n/>"])
    return f"<{kind} {first}{space}{second}{end}"


def extras(rng: random.Random) -> list[tuple[str, str, str]]:
    """Attributes of every type; "mixed" is int or float (-> float), "loose" int or string
    (-> string), "when" date or string (-> string); "twice" appears twice in some events."""
    found = [
        ("int", "n", str(rng.randint(-5, 99))),
        ("float", "amount", rng.choice(["1.5E3", "2.25", "-0.5", "10"])),
        ("boolean", "ok", rng.choice(["true", "false"])),
        ("id", "uid", f"id-{rng.randint(0, 9)}"),
        ("date", "due", rng.choice(STAMPS)),
        ("string", "note", rng.choice(TEXTS)),
        ("string", "text & more", rng.choice(TEXTS)),
        rng.choice([("int", "mixed", "3"), ("float", "mixed", "0.25")]),
        rng.choice([("int", "loose", "4"), ("string", "loose", "four")]),
        rng.choice([("date", "when", STAMPS[0]), ("string", "when", "soon")]),
    ]
    chosen = rng.sample(found, rng.randint(0, len(found)))
    if rng.random() < 0.2:
        chosen += [
            ("int", "twice", "1"),
            rng.choice([("float", "twice", "2.5"), ("int", "twice", "3")]),
        ]
    return chosen


def generated_log(seed: int, traces: int = 40, *, namespace: bool = True) -> str:
    """A log in the shape the fast path reads, with what XES writers produce around it:
    headers, comments, log attributes between traces, trace attributes before, between and
    after events, ties, both attribute orders and every kind of escaping."""
    rng = random.Random(seed)
    xmlns = ' xmlns="http://www.xes-standard.org/"' if namespace else ""
    out = [
        HEAD,
        "<!-- written by a test -->\n",
        f'<log xes.version="1.0"{xmlns}>\n',
        '\t<extension name="Concept" prefix="concept" uri="http://x/concept.xesext"/>\n',
        '\t<global scope="event"><string key="concept:name" value="name"/></global>\n',
        '\t<int key="meta" value="3"><int key="nested" value="1"/></int>\n',
        '\t<classifier name="Activity" keys="concept:name"/>\n',
    ]
    for number in range(traces):
        attributes = [element("string", "concept:name", f"case {number % 37}", rng)]
        attributes += [element(*found, rng) for found in extras(rng)]
        parts = [*attributes[:1]]
        for _ in range(rng.randint(0, 6)):
            stamp = rng.choice(STAMPS)  # few stamps: ties
            kind = "date" if rng.random() < 0.9 else "string"
            fields = [
                element("string", "concept:name", rng.choice(TEXTS) or "empty", rng),
                element(kind, "time:timestamp", stamp, rng),
            ]
            if rng.random() < 0.7:
                fields.append(element("string", "org:resource", rng.choice(TEXTS), rng))
            if rng.random() < 0.5:
                fields.append(element("string", "lifecycle:transition", "complete", rng))
            fields += [element(*found, rng) for found in extras(rng)]
            rng.shuffle(fields)
            if rng.random() < 0.1:
                fields.insert(1, "<!-- inside an event -->")
            parts.append("\n\t\t<event>" + "\n\t\t\t".join(fields) + "</event>")
            if rng.random() < 0.2 and len(attributes) > 1:
                parts.append(attributes.pop())  # a trace attribute between events
        parts += attributes[1:]
        out.append("\t<trace>" + "\n\t\t".join(parts) + "\n\t</trace>\n")
        if rng.random() < 0.1:
            out.append('\t<string key="between" value="log level"/><?pi between traces?>\n')
    out.append("</log>\n")
    return "".join(out)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("block", [61, 1024, 1 << 23])
def test_generated_logs_read_the_same(tmp_path: Path, seed: int, block: int) -> None:
    path = write(tmp_path, generated_log(seed, namespace=seed % 2 == 0), packed=seed % 3 == 0)
    for attributes in (True, False):
        for chunk_events in (5, 200_000):
            options: dict[str, Any] = {"attributes": attributes, "chunk_events": chunk_events}
            expected = read_xes_reference(path, naive_zone="UTC", **options)
            got = read_xes_fast(path, naive_zone="UTC", block=block, **options)
            assert_same(got, expected)  # read_xes_fast raises FallbackError if it gave up


@pytest.mark.parametrize("variant", ["bom", "crlf"])
def test_byte_order_mark_and_windows_line_ends_read_the_same(tmp_path: Path, variant: str) -> None:
    text = generated_log(7)
    data = (
        b"\xef\xbb\xbf" + text.encode() if variant == "bom" else text.replace("\n", "\r\n").encode()
    )
    path = tmp_path / "log.xes"
    path.write_bytes(data)
    for block in (61, 1 << 22):
        got = read_xes_fast(path, naive_zone="UTC", block=block)
        assert_same(got, read_xes_reference(path, naive_zone="UTC"))


def test_values_are_normalized_and_references_replaced(tmp_path: Path) -> None:
    """Pinned by hand: raw tab / newline / CRLF become one space each, references do not."""
    value = "a &amp; b &lt;c&gt; &#233;&#x1F600; &quot;q&quot; &apos;\tt\nn\r\nr&#10;&#9;."
    body = (
        f'<log><trace><string key="concept:name" value="c&amp;1"/><event>'
        f'<string key="concept:name" value="{value}"/>'
        '<date value="2024-03-01T10:00:00Z" key="time:timestamp"/>'
        '<string key="k&#233;y" value="v"/></event></trace></log>'
    )
    path = write(tmp_path, HEAD + body)
    table = read_xes_fast(path, naive_zone="UTC")
    row = table.to_pylist()[0]
    assert row["activity"] == 'a & b <c> é😀 "q" \' t n r\n\t.'
    assert row["case_id"] == "c&1" and row["kéy"] == "v"
    assert_same(table, read_xes_reference(path, naive_zone="UTC"))


# --- what the fast path hands over to the reference ---------------------------------------------

TRACE = '<trace><string key="concept:name" value="c"/>{}</trace>'
EVENT = (
    '<event><string key="concept:name" value="a"/>'
    '<date key="time:timestamp" value="2024-03-01T10:00:00Z"/>{}</event>'
)
FALLBACKS = {
    "nested attribute": (
        '<string key="n" value="top"><string key="c" value="x"/></string>',
        "</string>",
    ),
    "list": ('<list key="l"><values><string key="v" value="1"/></values></list>', "<list"),
    "container": ('<container key="c"><int key="v" value="1"/></container>', "<container"),
    "single quotes": ("<string key='s' value='x'/>", "<string key='s'"),
    "another attribute": ('<string key="s" value="x" extra="y"/>', "other attributes"),
    "unknown element": ('<foo key="s" value="x"/>', "<foo"),
    "CDATA": ("<![CDATA[ text ]]>", "CDATA"),
    "attribute without value": ('<string key="s"/>', "quotes outside"),
    "empty event": ("</event><event/><event>", "<event/>"),
    "prefixed element": ('<x:string xmlns:x="urn:x" key="s" value="v"/>', "<x:string"),
    "quote in text": ('"quoted"', "quotes outside"),
}


@pytest.mark.parametrize("name", sorted(FALLBACKS))
def test_constructs_the_fast_path_does_not_read_fall_back(tmp_path: Path, name: str) -> None:
    inside, reason = FALLBACKS[name]
    path = write(tmp_path, HEAD + "<log>" + TRACE.format(EVENT.format(inside)) + "</log>")
    with pytest.raises(FallbackError, match=reason.replace("[", r"\[")):
        read_xes_fast(path, naive_zone="UTC")
    assert_same(outcome(read_xes, path), outcome(read_xes_reference, path))


PROLOGS = {
    "latin-1": ('<?xml version="1.0" encoding="ISO-8859-1"?>\n<log>', "encoding is ISO-8859-1"),
    "DOCTYPE": (HEAD + '<!DOCTYPE log [<!ENTITY e "x">]>\n<log>', "DOCTYPE"),
    "prefixed root": (HEAD + '<x:log xmlns:x="http://www.xes-standard.org/">', "root"),
    "prefix declared": (HEAD + '<log xmlns:x="urn:x">', "prefixed name"),
    "event before traces": (HEAD + "<log>" + EVENT.format(""), "<event>"),
    "XML 1.1": ('<?xml version="1.1" encoding="UTF-8"?>\n<log>', "not XML 1.0"),
}


@pytest.mark.parametrize("name", sorted(PROLOGS))
def test_prologs_the_fast_path_does_not_read_fall_back(tmp_path: Path, name: str) -> None:
    prolog, reason = PROLOGS[name]
    end = "</x:log>" if "x:log" in prolog else "</log>"
    path = tmp_path / "log.xes"
    encoding = "latin-1" if "8859" in prolog else "utf-8"
    path.write_bytes((prolog + TRACE.format(EVENT.format("")) + end).encode(encoding))
    with pytest.raises(FallbackError, match=reason):
        read_xes_fast(path, naive_zone="UTC")
    assert_same(outcome(read_xes, path), outcome(read_xes_reference, path))


def test_utf16_falls_back_and_reads_the_same(tmp_path: Path) -> None:
    text = (
        '<?xml version="1.0" encoding="UTF-16"?>\n<log>' + TRACE.format(EVENT.format("")) + "</log>"
    )
    path = tmp_path / "log.xes"
    path.write_bytes(text.encode("utf-16"))
    with pytest.raises(FallbackError, match="no complete <trace>"):  # no "</trace>" in ASCII
        read_xes_fast(path, naive_zone="UTC")
    assert read_xes(path, naive_zone="UTC").num_rows == 1


# --- refusals: the same text as the reference, line numbers included ----------------------------

GOOD = TRACE.format(EVENT.format(""))
BROKEN = {
    "truncated XML": (HEAD + "<log>\n" + GOOD + '\n<trace><event><string key="conc', "truncated"),
    "mismatched tag": (HEAD + "<log>\n" + GOOD + "\n<trace></event></log>", "malformed"),
    "unknown encoding": (
        '<?xml version="1.0" encoding="klingon"?>\n<log>' + GOOD + "</log>",
        "klingon",
    ),
    "not an XES log": (HEAD + "<html><body/></html>", "the root is <html>"),
    "event outside a trace": (HEAD + "<log>\n" + GOOD + EVENT.format("") + "</log>", "outside"),
    "junk after the log": (HEAD + "<log>" + GOOD + "</log>junk", "malformed"),
    "undefined entity": (
        HEAD
        + "<log>"
        + TRACE.format(EVENT.format('<string key="e" value="&eacute;"/>'))
        + "</log>",
        "malformed or truncated XML",  # libxml2 stops at the undefined entity
    ),
    "unbound prefix": (HEAD + '<log x:a="1">' + GOOD + "</log>", "Namespace prefix x"),
    "trace without case id": (
        HEAD + "<log>\n" + GOOD + "\n<trace>" + EVENT.format("") + "</trace></log>",
        r"line 4, trace 2: trace without concept:name \(the case id\)",
    ),
    "bad date": (
        HEAD
        + "<log>\n"
        + TRACE.format("\n" + EVENT.format("").replace("2024-03-01T10:00:00Z", "yesterday"))
        + "</log>",
        "line 4, trace 1, event 1: time:timestamp = 'yesterday'",
    ),
    "bad int": (
        HEAD + "<log>\n" + TRACE.format(EVENT.format('<int key="n" value="seven"/>')) + "</log>",
        "line 3, trace 1, event 1: n = 'seven': not a valid int",
    ),
    "empty log": (HEAD + "<log></log>", "the log has no events"),
    "empty file": ("", "malformed"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_inputs_are_refused_with_the_same_text(tmp_path: Path, name: str) -> None:
    text, pattern = BROKEN[name]
    path = write(tmp_path, text)
    expected = outcome(read_xes_reference, path)
    assert isinstance(expected, str)
    assert outcome(read_xes, path) == expected
    with pytest.raises(LogError, match=pattern):
        read_xes(path, naive_zone="UTC")


def test_bytes_not_in_the_declared_encoding(tmp_path: Path) -> None:
    path = tmp_path / "latin.xes"
    activity = EVENT.format("").replace('value="a"', 'value="caf\xe9"')
    path.write_bytes((HEAD + "<log>\n" + TRACE.format(activity) + "</log>").encode("latin-1"))
    with pytest.raises(FallbackError, match="not well-formed"):
        read_xes_fast(path, naive_zone="UTC")
    with pytest.raises(LogError, match="line 3, column 90: bytes that do not match the declared"):
        read_xes(path, naive_zone="UTC")
    assert outcome(read_xes, path) == outcome(read_xes_reference, path)


@pytest.mark.parametrize("cut", ["half", "corrupt"])
def test_broken_gzip(tmp_path: Path, cut: str) -> None:
    data = gzip.compress((HEAD + "<log>" + GOOD * 300 + "</log>").encode())
    broken = data[: len(data) // 2] if cut == "half" else data[:20] + b"\xff" * 20 + data[40:]
    path = tmp_path / "cut.xes.gz"
    path.write_bytes(broken)
    with pytest.raises(FallbackError):
        read_xes_fast(path, naive_zone="UTC")
    expected = outcome(read_xes_reference, path)
    assert "cut.xes.gz" in expected
    assert outcome(read_xes, path) == expected


# --- the callers use it ------------------------------------------------------------------------


def test_read_log_and_fatura_mine_take_the_fast_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_reference(*args: object, **options: object) -> pa.Table:
        raise AssertionError("the reference reader was used")

    monkeypatch.setattr(xes, "read_xes_reference", no_reference)
    path = data_file("receipt.xes.gz")
    assert read_log(path).events == 8577
    assert main([str(path), "--json", str(tmp_path / "out.json")]) == 0


def test_regroup_hands_over_groups_of_exactly_the_size() -> None:
    def rows(counts: list[int]) -> Rows:
        items = pa.array([str(i) for i in range(sum(counts))])
        return Rows(np.array(counts, np.int32), items, items, items)

    regroup = Regroup(3)
    groups = list(regroup.add(rows([1, 0, 2, 1]))) + list(regroup.add(rows([2, 2, 1, 1])))
    assert [list(g.counts) for g in groups] == [[1, 0, 2], [1, 2, 2]]
    assert [g.keys.to_pylist() for g in groups] == [["0", "1", "2"], ["3", "0", "1", "2", "3"]]
    rest = regroup.rest()
    assert list(rest.counts) == [1, 1] and rest.texts.to_pylist() == ["4", "5"]
