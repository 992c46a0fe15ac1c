"""Model key -> factory of the simulated instrument that speaks that model's dialect
(:data:`SIM_INSTRUMENTS`; third-party packages add models through the ``flexbench.sim_instruments``
entry-point group, bench/registry.py).

A factory takes the lab's physics (the state it acts on or measures), a seed and the fault
settings from the bench config (``lab.instrument_faults.<role>``), and returns a line device
(``handle(line) -> reply | None``) for simlab/instruments/scpi_server.py."""

from __future__ import annotations

from typing import Any, Mapping, Protocol

from bench.registry import Registry
from simlab.physics import Physics

__all__ = ["SIM_INSTRUMENTS", "SimInstrumentFactory"]


class SimInstrumentFactory(Protocol):
    def __call__(self, physics: Physics, *, seed: int, faults: Mapping[str, int]) -> Any: ...


def _chroma_61845(physics: Physics, *, seed: int, faults: Mapping[str, int]) -> Any:
    from simlab.instruments import SimChroma61845
    from simlab.instruments.capture import trigger_line_of

    # its trigger output drives the lab's trigger line (the analyzer's external trigger input)
    return SimChroma61845(physics.source, faults=faults, trigger_line=trigger_line_of(physics),
                          time_fn=lambda: physics.t_s)


def _yokogawa_wt5000(physics: Physics, *, seed: int, faults: Mapping[str, int]) -> Any:
    from simlab.instruments import SimYokogawaWT5000
    from simlab.instruments.capture import trigger_line_of

    return SimYokogawaWT5000(physics.truth, lambda: physics.source.frequency_hz, seed, faults=faults,
                             time_fn=lambda: physics.t_s, trigger_line=trigger_line_of(physics))


def _keysight_e4360a(physics: Physics, *, seed: int, faults: Mapping[str, int]) -> Any:
    from simlab.instruments import SimKeysightE4360A

    return SimKeysightE4360A(physics.pv_array, faults=faults)


def _chroma_62150h(physics: Physics, *, seed: int, faults: Mapping[str, int]) -> Any:
    from simlab.instruments import SimChroma62150H

    return SimChroma62150H(physics.pv_array, faults=faults)


def _keysight_daq970a(physics: Physics | None, *, seed: int, faults: Mapping[str, int]) -> Any:
    from simlab.instruments.keysight_daq970a import ContactBank, SimKeysightDAQ970A

    # The lab's contact bank: the simulated DUT reads its control inputs (SG-Ready) from it.
    # Without a physics (the instrument on its own) the unit gets a bank of its own.
    return SimKeysightDAQ970A(physics.contacts if physics is not None else ContactBank(), faults=faults)


def _flexbench_ev_emulator(physics: Physics | None, *, seed: int, faults: Mapping[str, int]) -> Any:
    from simlab.ev_port import EvPort
    from simlab.instruments.flexbench_ev_emulator import SimFlexbenchEvEmulator

    # The lab's charging cable: the simulated charger drives its pilot and steps the EV.
    return SimFlexbenchEvEmulator(physics.ev_port if physics is not None else EvPort(), faults=faults)


def _chroma_a800067(physics: Physics, *, seed: int, faults: Mapping[str, int]) -> Any:
    from simlab.instruments.chroma_a800067 import SimChromaA800067
    from simlab.site import site_of

    # the household load beside the DUT at the connection point (what the P1 meter adds to the DUT)
    return SimChromaA800067(site_of(physics), faults=faults)


def _dsmr5_p1_port(physics: Physics, *, seed: int, faults: Mapping[str, int]) -> Any:
    from simlab.instruments.p1_meter import SimP1Meter
    from simlab.site import site_of

    # not SCPI: a streaming serial-over-TCP port (its own ``serve``), observed by the lab every second
    return SimP1Meter(physics, site_of(physics), faults=faults)


SIM_INSTRUMENTS: Registry[SimInstrumentFactory] = Registry("simulated instrument model",
                                                           entry_point_group="flexbench.sim_instruments")
"""Model key -> factory."""

SIM_INSTRUMENTS.register("chroma_61845", _chroma_61845)
SIM_INSTRUMENTS.register("yokogawa_wt5000", _yokogawa_wt5000)
SIM_INSTRUMENTS.register("keysight_e4360a", _keysight_e4360a)
SIM_INSTRUMENTS.register("chroma_62150h_1000s", _chroma_62150h)
SIM_INSTRUMENTS.register("keysight_daq970a", _keysight_daq970a)
SIM_INSTRUMENTS.register("flexbench_ev_emulator", _flexbench_ev_emulator)
SIM_INSTRUMENTS.register("chroma_a800067", _chroma_a800067)
SIM_INSTRUMENTS.register("dsmr5_p1_port", _dsmr5_p1_port)
