"""Number series: a gapless counter (``core.sequences``) and how its numbers print.

Each series is declared once by the app that owns the documents (``receivables.numbering``);
whoever issues a document takes its number through the series, never by formatting by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

from fatura.core.sequences import next_number, take_block


@dataclass(frozen=True)
class NumberSeries:
    counter: str  # the Counter row
    prefix: str  # "FAT" prints "FAT-00000042"
    width: int = 8

    def format(self, sequence: int) -> str:
        return f"{self.prefix}-{sequence:0{self.width}d}"

    def take(self) -> int:
        """The next sequence (inside the caller's transaction)."""
        return next_number(self.counter)

    def take_block(self, size: int) -> int:
        """Reserve ``size`` consecutive sequences (inside the caller's transaction); the first."""
        return take_block(self.counter, size)
