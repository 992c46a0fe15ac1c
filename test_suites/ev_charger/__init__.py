"""EV-charger compliance suites (OCPP 1.6J / 2.0.1 smart charging, judged on the measured input)."""
