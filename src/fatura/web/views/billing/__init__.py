"""Pages of billing: the month's charges and the billing runs."""
