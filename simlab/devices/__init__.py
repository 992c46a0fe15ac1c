"""Simulated reference devices (compliant by default, with documented fault knobs)."""
