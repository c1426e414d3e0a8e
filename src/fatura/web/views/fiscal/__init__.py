"""Pages of fiscal: the dashboard, service orders, NFS-e, expected lags and the reports."""
