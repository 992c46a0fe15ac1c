"""Simulated home_battery (behaviour, knobs, lab wiring)."""
