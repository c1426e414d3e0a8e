"""catalog.domain: which price version a month uses (no database)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from fatura.catalog.domain import version_for_month
from fatura.core.months import Month

months = st.builds(Month, st.integers(2020, 2030), st.integers(1, 12))


@dataclass(frozen=True)
class V:
    valid_from: dt.date


def test_latest_start_on_or_before_the_month():
    versions = [V(dt.date(2026, 1, 1)), V(dt.date(2026, 4, 1)), V(dt.date(2026, 9, 1))]
    assert version_for_month(versions, Month(2025, 12)) is None
    assert version_for_month(versions, Month(2026, 1)) == versions[0]
    assert version_for_month(versions, Month(2026, 3)) == versions[0]
    assert version_for_month(versions, Month(2026, 4)) == versions[1]
    assert version_for_month(versions, Month(2026, 8)) == versions[1]
    assert version_for_month(versions, Month(2030, 1)) == versions[2]
    assert version_for_month([], Month(2026, 1)) is None


@given(starts=st.sets(months, max_size=8), month=months)
def test_the_chosen_version_is_the_latest_start_not_after_the_month(starts, month):
    versions = [V(m.first_day) for m in sorted(starts)]
    chosen = version_for_month(versions, month)
    eligible = [v for v in versions if v.valid_from <= month.first_day]
    if not eligible:
        assert chosen is None
    else:
        assert chosen == max(eligible, key=lambda v: v.valid_from)
