"""Simulated heat_pump (behaviour, knobs, lab wiring)."""
