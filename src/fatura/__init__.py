"""Fatura: billing and receivables for Brazilian service companies."""

__version__ = "0.1.0"
