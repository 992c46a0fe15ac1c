"""The simulated lab: a separate process serving simulated instruments and devices over real
wire protocols (SCPI over TCP sockets, SunSpec Modbus TCP), coupled by one physics model and
driven in virtual time by the bench. Suites must never import this package."""
