"""What the lab simulates (:class:`LabSpec`), built from a bench config and a device profile.

The lab reads both through the small structural types below (``bench.config.BenchConfig`` and
``DeviceProfile`` fit them), so it depends on no bench module but ``bench.errors``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = ["BenchSettings", "DeviceDeclaration", "LabSpec", "SpecError"]


class SpecError(ValueError):
    """A lab spec the lab cannot serve; ``field_name`` is the bench-config or profile field."""

    def __init__(self, field_name: str, message: str) -> None:
        self.field_name = field_name
        super().__init__(message)


class LabSettings(Protocol):
    """The bench config's ``lab`` section (``bench.config.LabConfig``)."""

    @property
    def host(self) -> str: ...
    @property
    def seed(self) -> int: ...
    @property
    def step_s(self) -> float: ...
    @property
    def feeder_resistance_ohm(self) -> float: ...
    @property
    def feeder_reactance_ohm(self) -> float: ...
    @property
    def ports(self) -> Mapping[str, int]: ...
    @property
    def instrument_faults(self) -> Mapping[str, Mapping[str, int]]: ...


class InstrumentSettings(Protocol):
    """One instrument of the bench config (``bench.config.InstrumentConfig``)."""

    @property
    def model(self) -> str: ...


class BenchSettings(Protocol):
    """What the lab reads of a bench config (``bench.config.BenchConfig``)."""

    @property
    def lab(self) -> LabSettings: ...
    @property
    def instruments(self) -> Mapping[str, InstrumentSettings]: ...
    @property
    def start_calendar(self) -> str: ...


class DeviceDeclaration(Protocol):
    """What the lab reads of a device profile (``bench.config.DeviceProfile``)."""

    @property
    def simulation(self) -> Mapping[str, Any] | None: ...
    @property
    def identity(self) -> Mapping[str, str]: ...
    @property
    def ratings(self) -> Mapping[str, Any]: ...
    @property
    def control_link(self) -> Mapping[str, Any]: ...
    @property
    def links(self) -> Mapping[str, Mapping[str, Any]]: ...
    @property
    def rated_power_w(self) -> float: ...
    @property
    def nominal_voltage_v(self) -> float: ...
    @property
    def nominal_frequency_hz(self) -> float: ...
    @property
    def phase_count(self) -> int: ...


@dataclass
class LabSpec:
    """What to simulate: sent to the lab process as JSON (``dataclasses.asdict``)."""

    host: str = "127.0.0.1"
    seed: int = 1
    step_s: float = 0.02
    feeder_resistance_ohm: float = 0.0
    feeder_reactance_ohm: float = 0.0
    ports: dict[str, int] = field(default_factory=dict)            # role -> fixed port (0 = any)
    instruments: dict[str, dict[str, Any]] = field(default_factory=dict)  # role -> {model, faults}
    # {kind, parameters, knobs, map, nameplate, unit_id, contact_channels, links}
    device: dict[str, Any] | None = None
    time_scale: float | None = None         # real-time mode: lab time = wall time x scale
    time_origin_monotonic_s: float | None = None    # real-time mode: time.monotonic() of lab time 0 (default: start)
    start_calendar: str = "2026-06-21T12:00:00+02:00"   # calendar time of bench time 0 (virtual time of day)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LabSpec:
        return cls(**data)

    @classmethod
    def from_config(cls, bench: BenchSettings, profile: DeviceDeclaration | None = None, *,
                    links_runtime: Mapping[str, Mapping[str, Any]] | None = None,
                    time_scale: float | None = None) -> LabSpec:
        """The lab of a bench config: its instruments (with their fault settings) and, given a
        profile with a ``simulation`` section, the simulated device (``links_runtime``: each link's
        settings merged with its opener's runtime info, e.g. the CSMS URL; default the profile's)."""
        lab = bench.lab
        return cls(host=lab.host, seed=lab.seed, step_s=lab.step_s,
                   feeder_resistance_ohm=lab.feeder_resistance_ohm, feeder_reactance_ohm=lab.feeder_reactance_ohm,
                   ports=dict(lab.ports),
                   instruments={role: {"model": inst.model, "faults": lab.instrument_faults.get(role, {})}
                                for role, inst in bench.instruments.items()},
                   device=device_entry(profile, links_runtime or {}) if profile is not None else None,
                   start_calendar=bench.start_calendar, time_scale=time_scale)


def device_entry(profile: DeviceDeclaration, links_runtime: Mapping[str, Mapping[str, Any]]) -> dict[str, Any] | None:
    """The spec's ``device`` entry of a simulated DUT (None for a real one): kind, parameters,
    knobs, nameplate, and every link's settings merged with the runtime info of its opener."""
    sim = profile.simulation
    if sim is None:
        return None
    link = profile.control_link
    channels = [link[k] for k in ("contact_1_channel", "contact_2_channel") if k in link]
    for other in profile.links.values():   # SG-Ready contacts beside another control link
        if other.get("protocol") == "sg_ready_contacts" and not channels:
            channels = [other["contact_1_channel"], other["contact_2_channel"]]
    return {"kind": sim["device"], "parameters": sim.get("parameters", {}), "knobs": sim.get("knobs", {}),
            "map": sim.get("map", {}), "unit_id": link.get("unit_id", 1), "contact_channels": channels or None,
            "links": {name: dict(cfg) for name, cfg in (links_runtime or profile.links).items()},
            "nameplate": {**profile.identity, "rated_power_w": profile.rated_power_w,
                          "rated_apparent_power_va": float(profile.ratings.get(
                              "rated_apparent_power_va", profile.rated_power_w)),
                          "nominal_voltage_v": profile.nominal_voltage_v,
                          "nominal_frequency_hz": profile.nominal_frequency_hz,
                          "phase_count": profile.phase_count,
                          "phase_connection": profile.ratings.get("phase_connection")}}
