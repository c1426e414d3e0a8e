"""``clock.override``: the time services see inside a block, in that context only."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor
from zoneinfo import ZoneInfo

import pytest

from fatura.core import clock

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
MOMENT = dt.datetime(2026, 3, 1, 1, 30, tzinfo=dt.UTC)  # still 28/02 in São Paulo
LATER = dt.datetime(2026, 7, 4, 15, 0, tzinfo=SAO_PAULO)


@pytest.fixture(autouse=True)
def frozen_clock() -> None:
    """Here the clock is the real one (tests/core freezes it by replacing ``clock.now``)."""


def test_now_today_and_localdate_answer_the_moment() -> None:
    with clock.override(MOMENT) as moment:
        assert moment == MOMENT
        assert clock.now() == MOMENT
        assert clock.today() == dt.date(2026, 2, 28)
        assert clock.localdate() == dt.date(2026, 2, 28)
        assert clock.localdate(LATER) == dt.date(2026, 7, 4)


def test_the_real_time_comes_back_after_the_block() -> None:
    with clock.override(MOMENT):
        pass
    assert abs(clock.now() - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)


def test_the_real_time_comes_back_after_an_error() -> None:
    with pytest.raises(RuntimeError), clock.override(MOMENT):
        raise RuntimeError
    assert clock.now() != MOMENT


def test_nested_overrides_restore_the_outer_one() -> None:
    with clock.override(MOMENT):
        with clock.override(LATER):
            assert clock.now() == LATER
            assert clock.today() == dt.date(2026, 7, 4)
        assert clock.now() == MOMENT
    assert clock.now() not in (MOMENT, LATER)


def test_a_naive_moment_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"), clock.override(dt.datetime(2026, 3, 1)):
        pass


def test_other_threads_keep_their_own_time() -> None:
    """One thread's override is invisible to another, each running its own at the same time."""
    barrier = threading.Barrier(2)
    seen: dict[str, dt.datetime] = {}

    def run(name: str, moment: dt.datetime | None) -> None:
        if moment is None:
            barrier.wait()
            seen[name] = clock.now()
            barrier.wait()
            return
        with clock.override(moment):
            barrier.wait()
            seen[name] = clock.now()
            barrier.wait()

    with clock.override(LATER):
        threads = [
            threading.Thread(target=run, args=("overridden", MOMENT)),
            threading.Thread(target=run, args=("plain", None)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert clock.now() == LATER
    assert seen["overridden"] == MOMENT
    assert seen["plain"] not in (MOMENT, LATER)  # a new thread does not inherit the override


def test_asyncio_tasks_keep_their_own_time() -> None:
    async def at(moment: dt.datetime) -> dt.datetime:
        with clock.override(moment):
            await asyncio.sleep(0)  # the other task runs its override meanwhile
            return clock.now()

    async def both() -> list[dt.datetime]:
        return list(await asyncio.gather(at(MOMENT), at(LATER)))

    # A fresh thread has no event loop: the browser tests' Playwright leaves one running in the
    # worker's main thread when they share it, and asyncio.run() refuses to nest.
    with ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(asyncio.run, both()).result() == [MOMENT, LATER]
