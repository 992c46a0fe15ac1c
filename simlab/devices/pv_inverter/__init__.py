"""Simulated pv_inverter (behaviour, knobs, lab wiring)."""
