"""Pages of process mining: logs, the process map, variants and the KPI dashboard."""
