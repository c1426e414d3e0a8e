"""Pages of the customers."""
