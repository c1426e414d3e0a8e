"""JSON API of the receivables reports: aging, customer statement, DSO, collector worklist."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["reports"])
