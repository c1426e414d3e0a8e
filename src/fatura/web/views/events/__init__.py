"""Pages of the event log."""
