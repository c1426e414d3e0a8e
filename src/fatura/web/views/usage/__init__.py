"""Pages of usage: consumption, the volume import and the usage charts."""
