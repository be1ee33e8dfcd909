"""Benchmarks: scripts run by hand (``python -m bench.<name>``) that print figures beside their targets."""
