"""The CSV helpers live in ``fatura.core.csv_export`` (reports of other apps use them too)."""

from fatura.core.csv_export import BOM, cell, csv_response

__all__ = ["BOM", "cell", "csv_response"]
