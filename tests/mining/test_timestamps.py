"""Text and typed timestamps -> timestamp[us, UTC]: offsets, naive zones, odd formats."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from fatura.mining.timestamps import TimestampError, check_zone, parse_timestamps, to_utc

UTC = dt.UTC


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def parse(values: list[str | None], zone: str = "America/Sao_Paulo") -> list[dt.datetime | None]:
    return parse_timestamps(pa.array(values, pa.string()), zone).to_pylist()


def test_offsets_are_converted_to_utc() -> None:
    assert parse(
        [
            "2010-12-30T14:32:00.000+01:00",
            "2010-12-30 14:32:00-03:00",
            "2010-12-30T14:32:00Z",
            "2010-12-30T14:32:00.1234567+0530",  # past microseconds: truncated
        ]
    ) == [
        utc(2010, 12, 30, 13, 32),
        utc(2010, 12, 30, 17, 32),
        utc(2010, 12, 30, 14, 32),
        dt.datetime(2010, 12, 30, 9, 2, 0, 123456, tzinfo=UTC),
    ]


def test_naive_values_are_read_in_the_configured_zone() -> None:
    # São Paulo: -02:00 in the summer of 2010 (daylight saving), -03:00 since 2019
    assert parse(["2010-12-30 10:00:00", "2024-03-01T10:00:00", "2024-03-01"]) == [
        utc(2010, 12, 30, 12),
        utc(2024, 3, 1, 13),
        utc(2024, 3, 1, 3),
    ]
    assert parse(["2024-03-01 10:00:00"], "UTC") == [utc(2024, 3, 1, 10)]


def test_daylight_saving_gaps_and_repeats_have_a_defined_answer() -> None:
    # 2018-11-04 00:30 did not exist in São Paulo (clocks jumped to 01:00): end of the gap;
    # 2019-02-16 23:30 happened twice: the earlier one (-02:00)
    assert parse(["2018-11-04 00:30:00", "2019-02-16 23:30:00"]) == [
        utc(2018, 11, 4, 3),
        utc(2019, 2, 17, 1, 30),
    ]


def test_mixed_offsets_and_naive_values_and_nonstandard_dates() -> None:
    assert parse(
        ["2019/11/03 01:11:19.000", "2019-11-03T01:11:19+00:00", "2019-11-03 01:11:19,5", None],
        "UTC",
    ) == [
        utc(2019, 11, 3, 1, 11, 19),
        utc(2019, 11, 3, 1, 11, 19),
        dt.datetime(2019, 11, 3, 1, 11, 19, 500000, tzinfo=UTC),
        None,
    ]


def test_the_first_bad_value_is_named_with_its_position() -> None:
    values = ["2024-03-01T10:00:00Z"] * 1000 + ["31/02/2024 10:00"] + ["nope"]
    with pytest.raises(TimestampError) as caught:
        parse(values)
    assert caught.value.index == 1000
    assert caught.value.value == "31/02/2024 10:00"
    assert "not a date and time" in str(caught.value)


def test_typed_columns() -> None:
    naive = pa.array([dt.datetime(2024, 3, 1, 10)], pa.timestamp("ms"))
    assert to_utc(naive, "America/Sao_Paulo").to_pylist() == [utc(2024, 3, 1, 13)]
    zoned = pa.array(
        [dt.datetime(2024, 3, 1, 10, tzinfo=UTC)], pa.timestamp("ns", tz="Europe/Rome")
    )
    assert to_utc(zoned, "America/Sao_Paulo").type == pa.timestamp("us", tz="UTC")
    assert to_utc(pa.array([dt.date(2024, 3, 1)]), "UTC").to_pylist() == [utc(2024, 3, 1)]
    with pytest.raises(TypeError, match="not int64"):
        to_utc(pa.array([1, 2]), "UTC")


def test_unknown_zone() -> None:
    assert check_zone("Europe/Lisbon") == "Europe/Lisbon"
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        check_zone("Mars/Olympus")
