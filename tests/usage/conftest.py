"""Every test here runs with the clock frozen at ``tests.scenarios.NOW``."""

from tests.scenarios import frozen_clock

__all__ = ["frozen_clock"]
