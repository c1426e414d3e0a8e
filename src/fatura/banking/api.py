"""/invoices/{number}/pix, /invoices/{number}/boleto(.pdf), /remittances."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["banking"])
