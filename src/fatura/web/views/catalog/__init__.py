"""Pages of the catalog: billing items and their prices."""
