"""The number series of receivables' documents (one gapless counter each)."""

from __future__ import annotations

from fatura.core.numbering import NumberSeries

# one series of invoice numbers, whoever issues the invoice (billing's usage invoices too)
INVOICES = NumberSeries("invoice", "FAT")
PROFORMAS = NumberSeries("proforma", "PRO")  # quotes: their own sequence
CREDIT_NOTES = NumberSeries("credit_note", "NC")
ADJUSTMENTS = NumberSeries("adjustment", "AJ")
