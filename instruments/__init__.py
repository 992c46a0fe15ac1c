"""Instrument capabilities (what a suite may use) and model drivers (how to talk to a model)."""
