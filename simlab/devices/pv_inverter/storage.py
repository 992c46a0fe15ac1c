"""The simulated PV inverter's storage option: a hybrid (PV + battery) inverter that raises its
output on under-frequency (LFSM-U).

A profile declares the battery under ``simulation.parameters.storage`` (power and energy rating,
state of charge); without it the inverter has no storage and never raises its output. The battery
is idle at nominal frequency (the PV power is exported as before). Below f1 = fnom - DbUf (SunSpec
711, :class:`FrequencyDroopSettings`) it discharges by Pref·(f1 - f)/(fn·s), Pref the rated active
power (EN 50549-1 4.6.2 style; s = KUf as droop), limited by the battery's power, the inverter's
rating and a state of charge above the minimum, as a first-order lag with the 711 RspTms (90 % at
Tr). Above f1 the increase returns to zero with the same lag. Fault knobs (knobs.py, ``lfsm_u_*``):
ignored, another droop, a slower response.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from simlab.devices.pv_inverter.api import FrequencyDroopSettings

_LN10 = math.log(10.0)
_SETTLED_W = 1e-3       # below this the release is complete (exactly zero from then on)


@dataclass(frozen=True)
class StorageParameters:
    """The battery of a hybrid inverter (profile ``simulation.parameters.storage``)."""

    power_w: float                  # discharge power the battery can add (AC)
    energy_wh: float                # usable energy
    soc_pct: float = 60.0           # state of charge at start
    min_soc_pct: float = 10.0       # no discharge below


def parse_storage(key: str, raw: Any) -> StorageParameters:
    """Validate ``simulation.parameters.storage``; errors are SimSettingError naming ``key.<field>``."""
    from simlab.devices.pv_inverter.knobs import SimSettingError, finite_number

    if not isinstance(raw, dict):
        raise SimSettingError(key, f"expected a mapping power_w, energy_wh, soc_pct, min_soc_pct, got {raw!r}")
    known = {"power_w", "energy_wh", "soc_pct", "min_soc_pct"}
    for name in raw:
        if name not in known:
            raise SimSettingError(f"{key}.{name}", "unknown key")
    for name in ("power_w", "energy_wh"):
        if name not in raw:
            raise SimSettingError(f"{key}.{name}", "missing")
    values = {name: finite_number(f"{key}.{name}", raw[name], positive=name in ("power_w", "energy_wh"),
                                  minimum=0.0) for name in raw}
    for name in ("soc_pct", "min_soc_pct"):
        if values.get(name, 0.0) > 100.0:
            raise SimSettingError(f"{key}.{name}", f"must be <= 100, got {values[name]!r}")
    return StorageParameters(**values)


class LfsmUStorage:
    """The battery's state and its LFSM-U contribution (W added to the PV output)."""

    def __init__(self, parameters: StorageParameters) -> None:
        self.parameters = parameters
        self.energy_wh = parameters.energy_wh * parameters.soc_pct / 100.0
        self.added_w = 0.0

    @property
    def soc_pct(self) -> float:
        return self.energy_wh / self.parameters.energy_wh * 100.0

    def target_w(self, f_hz: float, output_w: float, rated_w: float, f_nom_hz: float,
                 droop: FrequencyDroopSettings, knobs: Any) -> float:
        """The increase the battery should deliver at ``f_hz`` on top of ``output_w`` (the PV path)."""
        if knobs.lfsm_u_ignored or not droop.enabled or self.soc_pct <= self.parameters.min_soc_pct:
            return 0.0
        f1_hz = f_nom_hz - droop.deadband_under_hz
        if f_hz >= f1_hz:
            return 0.0
        droop_pct = max(knobs.lfsm_u_droop_pct if knobs.lfsm_u_droop_pct is not None else droop.droop_under_pct,
                        1e-6)
        increase_w = rated_w * (f1_hz - f_hz) / (f_nom_hz * droop_pct / 100.0)
        return max(min(increase_w, self.parameters.power_w, rated_w - output_w), 0.0)

    def step(self, dt_s: float, f_hz: float, output_w: float, rated_w: float, f_nom_hz: float,
             droop: FrequencyDroopSettings, knobs: Any) -> float:
        """Advance by ``dt_s``; returns the output with the battery's increase added."""
        target_w = self.target_w(f_hz, output_w, rated_w, f_nom_hz, droop, knobs)
        tau_s = droop.response_time_s * knobs.lfsm_u_response_time_factor / _LN10
        if tau_s <= 0.0:
            self.added_w = target_w
        else:
            self.added_w = target_w + (self.added_w - target_w) * math.exp(-dt_s / tau_s)
        if target_w == 0.0 and self.added_w < _SETTLED_W:
            self.added_w = 0.0
        self.energy_wh = max(self.energy_wh - self.added_w * dt_s / 3600.0, 0.0)
        return output_w + self.added_w

    def quiet(self, f_hz: float, f_nom_hz: float, droop: FrequencyDroopSettings) -> bool:
        """True when nothing of the storage is in transition (no increase, frequency above f1), so
        the inverter's quiet horizon may span a big step."""
        return self.added_w == 0.0 and f_hz >= f_nom_hz - droop.deadband_under_hz

    def reset(self) -> None:
        """The inverter ceased: no increase (the state of charge is kept)."""
        self.added_w = 0.0
