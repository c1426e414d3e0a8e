"""What the ERP extract readers share: finding and reading the CSV exports of a folder (every
column as text), typed columns with errors that name the file, row and column, ERP date
formats, and assembling event blocks into the canonical table.

Row numbers in messages count data rows: row 1 is the first line after the header (as in
:mod:`.tabular`). Everything here works on whole columns (Arrow kernels); nothing loops over
rows in Python.
"""

from __future__ import annotations

import codecs
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from fatura.mining.errors import LogError
from fatura.mining.log import ACTIVITY, CASE, RESOURCE, TIMESTAMP
from fatura.mining.readers.tabular import _csv_error, _guess_delimiter, _header, _names
from fatura.mining.timestamps import (
    UTC_US,
    TimestampError,
    check_zone,
    default_zone,
    parse_timestamps,
)

# amounts: exact decimals; 18 digits before the point, 6 after (3-decimal currencies and
# exchange-rate-derived values fit; money is never a float)
AMOUNT = pa.decimal128(24, 6)
DATE_FORMATS = (
    "ISO 8601 (2024-01-15, 2024-01-15 14:30:00, 2024-01-15T14:30:00-03:00), "
    "Oracle DD-MON-YY[YY] [HH24:MI:SS | HH.MI.SS[.FF] AM] (15-JAN-24), "
    "M/D/YYYY [h:mm[:ss] am|pm] (1/15/2024 2:30 pm)"
)
_MONTHS = pa.array(
    ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
)
_TIME = (
    r"(?:[ T]+(?P<H>\d{1,2})[.:](?P<M>\d{2})(?:[.:](?P<S>\d{2})(?:[.,](?P<f>\d{1,9}))?)?"
    r"\s*(?P<p>[AaPp]\.?[Mm]\.?)?)?\s*$"
)
_ORACLE = r"^\s*(?P<d>\d{1,2})-(?P<mon>[A-Za-z]{3})-(?P<y>\d{4}|\d{2})" + _TIME
_SLASH = r"^\s*(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y>\d{4})" + _TIME


def resolve_zone(zone: str | None) -> str:
    zone = zone or default_zone()
    try:
        return check_zone(zone)
    except ValueError as error:
        raise LogError(str(error)) from None


def check_encoding(encoding: str, source: str) -> None:
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise LogError(f"unknown encoding {encoding!r}", source) from None


def _key(name: str) -> str:
    """Header names compare without case, surrounding blanks or doubled inner blanks."""
    return " ".join(name.lstrip("\ufeff").split()).casefold()


@dataclass(frozen=True)
class Sheet:
    """One exported table: every column as text (empty cells are null), named as we ask."""

    source: str
    table: pa.Table
    zone: str
    day_first: bool = False

    @property
    def rows(self) -> int:
        return self.table.num_rows

    def has(self, column: str) -> bool:
        return column in self.table.column_names

    def text(self, column: str) -> pa.Array:
        """Trimmed text; blank cells are null. A column the file lacks is all null."""
        if not self.has(column):
            return pa.nulls(self.rows, pa.string())
        values = pc.utf8_trim_whitespace(self.table.column(column).combine_chunks())
        return pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)

    def filled(self, column: str) -> pa.Array:
        """Text that must be present in every row."""
        values = self.text(column)
        self.refuse_nulls(values, column, "is empty")
        return values

    def refuse_nulls(self, values: pa.Array, column: str, what: str) -> None:
        if values.null_count:
            row = int(pc.index(pc.is_null(values), True).as_py())
            raise LogError(f"{what} (column {column!r})", self.source, f"row {row + 1}")

    def fail(self, mask: pa.Array, column: str, message: str) -> None:
        """Raise for the first row where ``mask`` is true, quoting its value."""
        mask = pc.fill_null(mask, False)
        if pc.any(mask).as_py():
            row = int(pc.index(mask, True).as_py())
            value = self.table.column(column)[row].as_py()
            raise LogError(
                f"{value!r} {message} (column {column!r})", self.source, f"row {row + 1}"
            )

    def dates(self, column: str, *, required: bool = False) -> pa.Array:
        """``timestamp[us, UTC]``; naive values are read in the sheet's zone."""
        text = self.text(column)
        if required:
            self.refuse_nulls(text, column, "no date")
        try:
            return parse_timestamps(normalize_dates(text, day_first=self.day_first), self.zone)
        except TimestampError as bad:
            value = self.table.column(column)[bad.index].as_py()
            raise LogError(
                f"{value!r} is not a date and time; accepted: {DATE_FORMATS}",
                self.source,
                f"row {bad.index + 1}, column {column!r}",
            ) from None

    def amounts(self, column: str, *, required: bool = False) -> pa.Array:
        """Exact decimals (:data:`AMOUNT`): ``-1234.5``, ``1,234.50``, ``(1,234.50)``."""
        text = self.text(column)
        if required:
            self.refuse_nulls(text, column, "no amount")
        negative = pc.match_substring_regex(text, r"^\(.*\)$")
        clean = pc.replace_substring_regex(text, r"^\((.*)\)$", r"\1")
        grouped = r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$"
        signed = r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$"
        valid = pc.if_else(
            negative,
            pc.match_substring_regex(clean, grouped),
            pc.match_substring_regex(clean, signed),
        )
        clean = pc.replace_substring(clean, ",", "")
        fits = pc.match_substring_regex(clean, r"^[+-]?\d{1,18}(?:\.\d{1,6})?$")
        self.fail(
            pc.invert(pc.and_(valid, fits)),
            column,
            "is not an amount (e.g. 1234.56, -1,234.56 or (1,234.56); at most 6 decimals)",
        )
        clean = pc.if_else(negative, pc.binary_join_element_wise("-", clean, ""), clean)
        return pc.cast(pc.replace_substring_regex(clean, r"^\+", ""), AMOUNT)

    def integers(self, column: str, *, required: bool = False) -> pa.Array:
        text = self.text(column)
        if required:
            self.refuse_nulls(text, column, "is empty")
        valid = pc.match_substring_regex(text, r"^\d{1,9}$")
        self.fail(pc.invert(valid), column, "is not a whole number")
        return pc.cast(text, pa.int64())


def normalize_dates(text: pa.Array, *, day_first: bool = False) -> pa.Array:
    """Oracle ``DD-MON-YY[YY]`` and ``M/D/YYYY`` values rewritten as ISO text; ISO and anything
    unrecognized pass through unchanged (the ISO parser then names the first bad one).

    Two-digit years follow Oracle's RR rule (00-49 -> 20xx, 50-99 -> 19xx); a 12-hour time
    (``am``/``pm``) needs an hour 1-12.
    """
    out = text
    oracle = pc.extract_regex(text, _ORACLE)
    month = pc.index_in(pc.utf8_upper(oracle.field("mon")), _MONTHS)
    year = oracle.field("y")
    short = pc.equal(pc.utf8_length(year), 2)
    century = pc.if_else(pc.less(year, "50"), "20", "19")
    year = pc.if_else(short, pc.binary_join_element_wise(century, year, ""), year)
    out = _put_iso(out, oracle, year, _number(month, 1), oracle.field("d"))
    slash = pc.extract_regex(text, _SLASH)
    month_text, day_text = (
        (slash.field("b"), slash.field("a"))
        if day_first
        else (
            slash.field("a"),
            slash.field("b"),
        )
    )
    return _put_iso(out, slash, slash.field("y"), month_text, day_text)


def _number(codes: pa.Array, plus: int) -> pa.Array:
    return pc.cast(pc.add(codes, plus), pa.string())


def _put_iso(
    out: pa.Array, parts: pa.Array, year: pa.Array, month: pa.Array, day: pa.Array
) -> pa.Array:
    hour = parts.field("H")
    has_time = pc.not_equal(hour, "")
    hours = pc.cast(pc.if_else(has_time, hour, "0"), pa.int64())
    meridiem = pc.utf8_upper(pc.replace_substring(parts.field("p"), ".", ""))
    twelve = pc.not_equal(meridiem, "")
    bad_twelve = pc.and_(twelve, pc.or_(pc.less(hours, 1), pc.greater(hours, 12)))
    hours = pc.if_else(pc.and_(twelve, pc.equal(hours, 12)), 0, hours)
    hours = pc.if_else(pc.equal(meridiem, "PM"), pc.add(hours, 12), hours)
    hours = pc.if_else(bad_twelve, pa.scalar(None, pa.int64()), hours)
    second = pc.if_else(pc.equal(parts.field("S"), ""), "00", parts.field("S"))
    minute = pc.if_else(has_time, parts.field("M"), "00")
    fraction = pc.if_else(
        pc.equal(parts.field("f"), ""),
        "",
        pc.binary_join_element_wise(".", parts.field("f"), ""),
    )
    iso = pc.binary_join_element_wise(
        year,
        "-",
        pc.utf8_lpad(month, 2, "0"),
        "-",
        pc.utf8_lpad(day, 2, "0"),
        " ",
        pc.utf8_lpad(pc.cast(hours, pa.string()), 2, "0"),
        ":",
        minute,
        ":",
        second,
        fraction,
        "",
    )
    use = pc.and_(pc.fill_null(parts.is_valid(), False), pc.is_valid(iso))
    return pc.if_else(use, iso, out)


class Extract:
    """A folder of CSV exports; a table is found by its file name, without case
    (``RA_CUSTOMER_TRX_ALL.csv``, ``ra_customer_trx_all.CSV``)."""

    def __init__(
        self,
        folder: str | Path,
        *,
        system: str,
        zone: str | None = None,
        encoding: str = "utf-8",
        day_first: bool = False,
    ) -> None:
        self.folder = Path(folder)
        self.system = system
        self.zone = resolve_zone(zone)
        self.encoding = encoding
        self.day_first = day_first
        if not self.folder.is_dir():
            raise LogError(f"not a folder of {system} CSV exports", str(self.folder))
        check_encoding(encoding, str(self.folder))
        self._files = {p.name.casefold(): p for p in self.folder.iterdir() if p.is_file()}

    def path(self, name: str) -> Path | None:
        return self._files.get(name.casefold())

    def require(
        self, name: str, columns: Sequence[str], optional: Iterable[str] = (), *, what: str
    ) -> Sheet:
        sheet = self.sheet(name, columns, optional)
        if sheet is None:
            raise LogError(
                f"missing required file {name} ({what}; columns {', '.join(columns)})",
                str(self.folder),
            )
        return sheet

    def sheet(
        self, name: str, columns: Sequence[str], optional: Iterable[str] = ()
    ) -> Sheet | None:
        """The file ``name`` with ``columns`` required and ``optional`` ones if present, or
        ``None`` when the folder has no such file."""
        path = self.path(name)
        if path is None:
            return None
        source = str(path)
        header = _header(source, self.encoding)
        delimiter = _guess_delimiter(header)
        names = _names(header, delimiter)
        positions: dict[str, list[int]] = {}
        for index, found in enumerate(names):
            positions.setdefault(_key(found), []).append(index)
        wanted = [*columns, *optional]
        missing = [column for column in columns if _key(column) not in positions]
        if missing:
            found = ", ".join(repr(n) for n in names)
            raise LogError(
                f"missing column(s) {', '.join(repr(c) for c in missing)}; the file has {found}",
                source,
            )
        twice = [c for c in wanted if len(positions.get(_key(c), [])) > 1]
        if twice:
            raise LogError(f"column {twice[0]!r} appears more than once in the header", source)
        table = self._read(source, delimiter, len(names))
        picked = {c: table.column(positions[_key(c)][0]) for c in wanted if _key(c) in positions}
        return Sheet(source, pa.table(picked), self.zone, self.day_first)

    def _read(self, source: str, delimiter: str, width: int) -> pa.Table:
        from pyarrow import csv

        names = [f"c{i}" for i in range(width)]
        try:
            return csv.read_csv(
                source,
                read_options=csv.ReadOptions(
                    encoding=self.encoding, column_names=names, skip_rows=1
                ),
                parse_options=csv.ParseOptions(delimiter=delimiter),
                convert_options=csv.ConvertOptions(
                    column_types=dict.fromkeys(names, pa.string()),
                    null_values=[""],
                    strings_can_be_null=True,
                ),
            )
        except pa.ArrowInvalid as error:
            raise _csv_error(source, self.encoding, error) from None
        except OSError as error:
            raise LogError(f"cannot read the file ({error})", source) from None


def lookup(keys: pa.Array, index: pa.Array) -> pa.Array:
    """Position of each key in ``index`` (first occurrence), null where absent (``index``
    has no nulls: it is a key column read with :meth:`Sheet.filled`)."""
    return pc.index_in(keys, value_set=index)


def block(
    case: pa.Array,
    activity: str,
    timestamp: pa.Array,
    *,
    resource: pa.Array | None = None,
    keep: pa.Array | None = None,
    **attributes: pa.Array,
) -> pa.Table:
    """One activity's events: rows with a case and a timestamp (and ``keep`` true) only."""
    size = len(case)
    columns: dict[str, pa.Array] = {
        CASE: case,
        ACTIVITY: pa.array([activity] * size, pa.string()),
        TIMESTAMP: timestamp,
        RESOURCE: resource if resource is not None else pa.nulls(size, pa.string()),
        **attributes,
    }
    mask = pc.and_(pc.is_valid(case), pc.is_valid(timestamp))
    if keep is not None:
        mask = pc.and_(mask, pc.fill_null(keep, False))
    return pa.table(columns).filter(mask)


def assemble(blocks: Sequence[pa.Table], cases: pa.Table, *, system: str) -> pa.Table:
    """The blocks in the given order (ties between activities at one instant keep it), then
    every event given its case's attributes from ``cases`` (keyed by ``case_id``)."""
    events = pa.concat_tables(blocks, promote_options="default")
    where = pc.index_in(events.column(CASE), value_set=cases.column(CASE))
    for name in cases.column_names:
        if name != CASE:
            events = events.append_column(name, cases.column(name).take(where))
    size = events.num_rows
    return events.append_column("source_system", pa.array([system] * size, pa.string()))


def local_dates(stamps: pa.Array, zone: str) -> pa.Array:
    """The calendar date (``date32``) of each instant in ``zone``."""
    local = pc.local_timestamp(stamps.cast(pa.timestamp("us", tz=zone)))
    return local.cast(pa.date32())


def day_after(stamps: pa.Array, zone: str) -> pa.Array:
    """Midnight (in ``zone``) of the day after each instant's local date: when a due date
    has passed."""
    local = pc.local_timestamp(stamps.cast(pa.timestamp("us", tz=zone)))
    midnight = pc.floor_temporal(local, unit="day")
    following = pc.add(midnight, pa.scalar(86_400_000_000, pa.duration("us")))
    zoned = pc.assume_timezone(following, zone, ambiguous="earliest", nonexistent="latest")
    return zoned.cast(UTC_US)


def latest(*arrays: pa.Array) -> pa.Array:
    """Element-wise maximum of timestamps, ignoring nulls (Arrow has no zoned kernel: the
    instants are compared as integers)."""
    numbers = [pc.cast(a, pa.int64()) for a in arrays]
    return pc.cast(pc.max_element_wise(*numbers, skip_nulls=True), arrays[0].type)


def per_key(keys: pa.Array, values: pa.Array, index: pa.Array, how: str) -> pa.Array:
    """``how`` ("max", "min", "sum") of ``values`` grouped by ``keys``, aligned to ``index``
    (null where a key of ``index`` has no values)."""
    grouped = (
        pa.table({"k": keys, "v": values})
        .filter(pc.and_(pc.is_valid(keys), pc.is_valid(values)))
        .group_by("k")
        .aggregate([("v", how)])
    )
    where = pc.index_in(index, value_set=grouped.column("k"))
    return grouped.column(f"v_{how}").combine_chunks().take(where)


def first_rows(values: pa.Array) -> pa.Array:
    """True where a value appears for the first time (nulls: true)."""
    positions = pc.index_in(values, value_set=values)  # the first position of each value
    own = pa.array(range(len(values)), pa.int32())
    return pc.or_(pc.is_null(values), pc.equal(positions, own))


def refuse_duplicates(sheet: Sheet, values: pa.Array, column: str, each: str) -> None:
    sheet.fail(pc.invert(first_rows(values)), column, f"appears more than once (one per {each})")


def per_case(blocks: Sequence[pa.Table], cases: pa.Array, how: str) -> pa.Array:
    """``how`` ("min", "max") of the blocks' timestamps per case, aligned to ``cases``."""
    if not blocks:
        return pa.nulls(len(cases), UTC_US)
    moves = pa.concat_tables([b.select([CASE, TIMESTAMP]) for b in blocks])
    keys = moves.column(CASE).combine_chunks()
    return per_key(keys, moves.column(TIMESTAMP).combine_chunks(), cases, how)


def cutoff(as_of: dt.datetime | None, blocks: Sequence[pa.Table]) -> pa.Scalar:
    """When the extract was taken: ``as_of``, else the latest timestamp of the blocks."""
    if as_of is not None:
        if as_of.tzinfo is None or as_of.utcoffset() is None:
            raise LogError("as_of must be a timezone-aware date and time")
        return pa.scalar(as_of, UTC_US)
    stamps = [pc.max(b.column(TIMESTAMP)).as_py() for b in blocks if b.num_rows]
    latest_stamp = max((s for s in stamps if s is not None), default=None)
    return pa.scalar(latest_stamp, UTC_US)
