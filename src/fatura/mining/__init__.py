"""Process mining over event logs: readers (XES, CSV, Parquet), the columnar log model and the
analysis engines behind ``fatura mine``.

Nothing in this package imports Django: ``fatura mine`` runs on a file without a database.
See docs/mining.md.
"""
