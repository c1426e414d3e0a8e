"""The cash-flow forecast on hand-made predictions: where each invoice's money lands, the
band, write-offs, grouping."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from fatura.forecast.cash_flow import cash_flow, monday
from fatura.forecast.predict import Prediction

AS_OF = dt.date(2026, 5, 6)  # a Wednesday: the first week starts on Monday 04/05/2026
FIRST = dt.date(2026, 5, 4)


def day(week: int, weekday: int = 2) -> dt.date:
    """A day of week ``week`` (0 = the current one), Wednesday by default."""
    return FIRST + dt.timedelta(weeks=week, days=weekday)


def prediction(
    invoice_id: int,
    cents: int,
    p50: dt.date,
    *,
    p10: dt.date | None = None,
    p90: dt.date | None = None,
    write_off: float = 0.0,
) -> Prediction:
    return Prediction(
        invoice_id=invoice_id,
        number=f"FAT-{invoice_id:05d}",
        as_of=AS_OF,
        expected_date=p50,
        p10_date=p10 or p50,
        p90_date=p90 or p50,
        late_probability=0.0,
        write_off_probability=write_off,
        basis="model",
        open_cents=cents,
    )


def expected(flow: object) -> list[Decimal]:
    return [w.expected for w in flow.weeks]  # type: ignore[attr-defined]


def test_weeks_start_on_monday() -> None:
    assert monday(AS_OF) == FIRST
    flow = cash_flow([], as_of=AS_OF, weeks=3)
    assert [w.start for w in flow.total.weeks] == [
        dt.date(2026, 5, 4),
        dt.date(2026, 5, 11),
        dt.date(2026, 5, 18),
    ]
    assert flow.total.open_total == Decimal("0.00")
    assert expected(flow.total) == [Decimal("0.00")] * 3


def test_a_certain_invoice_lands_whole_in_its_week() -> None:
    flow = cash_flow([prediction(1, 123456, day(2))], as_of=AS_OF, weeks=4)
    week = flow.total.weeks[2]
    assert (week.expected, week.p10, week.p50, week.p90) == (Decimal("1234.56"),) * 4
    assert week.invoices == 1
    assert expected(flow.total) == [Decimal("0"), Decimal("0"), Decimal("1234.56"), Decimal("0")]
    assert flow.total.later.expected == flow.total.not_expected.expected == Decimal("0.00")
    assert flow.bucket_shares(2) == {1: 1.0}


def test_overdue_lands_in_the_current_week_and_far_ones_later() -> None:
    overdue = prediction(1, 10000, dt.date(2026, 4, 20))  # expected before today
    far = prediction(2, 20000, day(20))
    flow = cash_flow([overdue, far], as_of=AS_OF, weeks=12)
    assert flow.total.weeks[0].expected == Decimal("100.00")
    assert flow.total.later.expected == Decimal("200.00")
    assert sum(expected(flow.total)) == Decimal("100.00")


def test_two_invoices_one_half_written_off() -> None:
    """A: R$ 100,00 certain in week 1. B: R$ 50,00 in week 3, written off with probability 0.5:
    week 3 holds R$ 0 or R$ 50 (P10 0, P90 50), its mean about R$ 25; the other half is not
    expected."""
    flow = cash_flow(
        [prediction(1, 10000, day(1)), prediction(2, 5000, day(3), write_off=0.5)],
        as_of=AS_OF,
        weeks=4,
    )
    weeks = flow.total.weeks
    assert weeks[1].expected == weeks[1].p10 == weeks[1].p90 == Decimal("100.00")
    assert (weeks[3].p10, weeks[3].p90) == (Decimal("0.00"), Decimal("50.00"))
    assert weeks[3].expected == pytest.approx(Decimal("25.00"), abs=Decimal("1.50"))
    assert weeks[3].expected + flow.total.not_expected.expected == Decimal("50.00")
    assert flow.total.open_total == Decimal("150.00")


def test_the_band_of_two_independent_coin_flips() -> None:
    """Two R$ 10,00 invoices in the same week, each paid with probability 0.5: the week holds
    0, 10 or 20 with probabilities 1/4, 1/2, 1/4, so P10 = 0, P50 = 10, P90 = 20."""
    flow = cash_flow(
        [prediction(i, 1000, day(1), write_off=0.5) for i in (1, 2)], as_of=AS_OF, weeks=2
    )
    week = flow.total.weeks[1]
    assert (week.p10, week.p50, week.p90) == (
        Decimal("0.00"),
        Decimal("10.00"),
        Decimal("20.00"),
    )


def test_a_write_off_probability_of_one_contributes_nothing() -> None:
    flow = cash_flow([prediction(1, 99900, day(1), write_off=1.0)], as_of=AS_OF, weeks=3)
    assert expected(flow.total) == [Decimal("0.00")] * 3
    assert all(w.p90 == Decimal("0.00") for w in flow.total.weeks)
    assert flow.total.later.expected == Decimal("0.00")
    not_expected = flow.total.not_expected
    assert (not_expected.expected, not_expected.p10) == (Decimal("999.00"), Decimal("999.00"))


def test_a_spread_invoice_follows_its_quantiles() -> None:
    """P10 on Wednesday of week 1, P50 on Wednesday of week 2, P90 on Wednesday of week 3:
    the tails reach 1,75 days beyond P10 and P90 (a quarter of a 7-day span), so the money
    lies in weeks 1-3 only; half of it (the draws above P50) after P50's Wednesday."""
    spread = prediction(1, 100000, day(2), p10=day(1), p90=day(3))
    flow = cash_flow([spread], as_of=AS_OF, weeks=5)
    weeks = expected(flow.total)
    assert weeks[0] == weeks[4] == Decimal("0.00")
    assert all(w > 0 for w in weeks[1:4])
    assert sum(weeks) == Decimal("1000.00")
    # week 2 is 12 to 18 days from today (Monday to Sunday), i.e. draws from 11.5 to 18.5 days
    # before rounding: u from 0.1 + 4.5/7 * 0.4 = 0.357 to 0.5 + 4.5/7 * 0.4 = 0.757, 40 %
    assert weeks[2] == pytest.approx(Decimal("400"), abs=Decimal("30"))


def test_grouping_sums_to_the_total_and_leaves_it_unchanged() -> None:
    predictions = [
        prediction(1, 10000, day(0), p90=day(2), write_off=0.1),
        prediction(2, 25000, day(1), p10=day(0), p90=day(4), write_off=0.2),
        prediction(3, 5000, day(3), p10=day(2), p90=day(6)),
        prediction(4, 70000, day(2), write_off=0.05),
    ]
    plain = cash_flow(predictions, as_of=AS_OF, weeks=6)
    grouped = cash_flow(
        predictions, as_of=AS_OF, weeks=6, groups={1: "Cloud", 2: "Suporte", 3: "Cloud", 4: ""}
    )
    assert grouped.total == plain.total  # the same draws: grouping changes nothing
    assert plain.groups == []
    assert [g.key for g in grouped.groups] == ["", "Suporte", "Cloud"]  # largest first
    assert [g.open_total for g in grouped.groups] == [
        Decimal("700.00"),
        Decimal("250.00"),
        Decimal("150.00"),
    ]
    for index in range(6):
        parts = sum(g.weeks[index].expected for g in grouped.groups)
        assert abs(parts - grouped.total.weeks[index].expected) <= Decimal("0.02")
    parts = sum(g.not_expected.expected for g in grouped.groups)
    assert abs(parts - grouped.total.not_expected.expected) <= Decimal("0.02")


def test_seeded_and_reproducible() -> None:
    predictions = [prediction(1, 5000, day(1), p10=day(0), p90=day(5), write_off=0.3)]
    first = cash_flow(predictions, as_of=AS_OF, weeks=6)
    again = cash_flow(predictions, as_of=AS_OF, weeks=6)
    other = cash_flow(predictions, as_of=AS_OF, weeks=6, seed=7)
    assert first.total == again.total
    assert first.total != other.total


def test_weeks_must_be_positive() -> None:
    with pytest.raises(ValueError):
        cash_flow([], as_of=AS_OF, weeks=0)
