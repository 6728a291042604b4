"""Monitoring of live inputs: per-feature bins, drift against reference rows."""
