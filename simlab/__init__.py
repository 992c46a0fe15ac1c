"""The simulated lab: a separate process serving simulated instruments and devices over real
wire protocols (SCPI over TCP sockets, SunSpec / register-map Modbus, OCPP, S2), coupled by one
physics model and driven in virtual time by the bench.

The bench uses only the names below (tests/architecture/test_import_direction.py keeps it so);
suites never import this package.

* :class:`LabSpec` — what to simulate, ``LabSpec.from_config(bench_config, profile)``;
* :class:`SimLabProcess` — start the lab process, advance its time, stop it;
* :class:`SpecError` — a spec the lab cannot serve (``field_name`` names the field);
* :func:`validate_device` — build a profile's simulated device in-process (nothing starts);
* :data:`SIM_DEVICES`, :data:`SIM_INSTRUMENTS` — the simulated device kinds and instrument models.
"""

from simlab.devices.registry import SIM_DEVICES
from simlab.instrument_registry import SIM_INSTRUMENTS
from simlab.lab import validate_device
from simlab.launcher import SimLabProcess
from simlab.spec import LabSpec, SpecError

__all__ = ["LabSpec", "SIM_DEVICES", "SIM_INSTRUMENTS", "SimLabProcess", "SpecError", "validate_device"]
