"""JSON API of receivables: direct invoices and their actions, payments."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["receivables"])
