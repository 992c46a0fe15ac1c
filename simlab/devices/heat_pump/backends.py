"""Protocol backends of the simulated heat pump: its Modbus ``MapBackend`` (the point roles of
simlab/devices/heat_pump/lab_wiring.py) and its S2 ``S2DeviceBackend`` (PEBC power envelopes, DDBC
operation modes of the hybrid variant; EN 50491-12-2)."""

from __future__ import annotations

from typing import Any, Callable

from links.sg_ready_contacts import SgReadyState
from simlab.devices.heat_pump.device import HeatPumpMode, HeatPumpSim, HeatPumpStatus
from simlab.devices.map_backend import PointBackend

__all__ = ["HeatPumpMapBackend", "HeatPumpS2Backend"]

_MODE_LABELS: dict[int, tuple[str, ...]] = {HeatPumpMode.ELECTRIC: ("electric", "heat_pump", "hp"),
                                           HeatPumpMode.GAS: ("gas", "boiler")}
_SG_READY_LABELS: dict[int, tuple[str, ...]] = {
    SgReadyState.BLOCKED: ("blocked", "block", "state_1"), SgReadyState.NORMAL: ("normal", "state_2"),
    SgReadyState.RECOMMENDED_ON: ("recommended_on", "boost", "state_3"),
    SgReadyState.FORCED_ON: ("forced_on", "forced", "state_4")}
_STATUS_LABELS: dict[int, tuple[str, ...]] = {s.value: (s.name.lower(),) for s in HeatPumpStatus}


def _code_of(value: Any, labels: dict[int, tuple[str, ...]], what: str) -> int:
    """The device code of a written value: a code, or one of its labels."""
    if isinstance(value, str):
        for code, names in labels.items():
            if value.lower() in names:
                return code
        raise ValueError(f"unknown {what} {value!r} (known: {', '.join(n[0] for n in labels.values())})")
    code = int(value)
    if code not in labels:
        raise ValueError(f"unknown {what} {value!r} (known codes: {', '.join(map(str, labels))})")
    return code


class HeatPumpMapBackend(PointBackend):
    """The heat pump's ``MapBackend``: the point roles of the module docstring -> device."""

    labels = {"operating_mode": _MODE_LABELS, "sg_ready_mode": _SG_READY_LABELS, "status": _STATUS_LABELS}

    def __init__(self, device: HeatPumpSim, register_map: Any | None = None) -> None:
        self.device = hp = device
        readers: dict[str, Callable[[], Any]] = {
            "power_limit_w": lambda: hp.modbus_limit_w if hp.modbus_limit_w is not None else hp.max_consumption_w,
            "power_limit_enabled": lambda: int(hp.modbus_limit_w is not None),
            "effective_limit_w": lambda: hp.effective_limit_w if hp.effective_limit_w is not None
            else hp.max_consumption_w,
            "failsafe_limit_w": lambda: hp.failsafe_limit_w,
            "failsafe_active": lambda: int(hp.failsafe_active),
            "operating_mode": lambda: int(hp.requested_mode),
            "sg_ready_mode": lambda: int(hp.effective_state()),
            "active_power_w": lambda: -hp.consumption_w() * hp.k.readback_power_factor,
            "consumption_w": lambda: hp.consumption_w() * hp.k.readback_power_factor,
            "heat_output_w": hp.heat_output_w,
            "compressor_power_w": lambda: hp.compressor_w,
            "status": lambda: int(hp.status()),
            "dimming_active": lambda: int(hp.limit.acting[2]),
            "outdoor_temperature_c": lambda: hp.outdoor_c,
            "buffer_temperature_c": lambda: hp.t_buffer_c,
            "indoor_temperature_c": lambda: hp.t_house_c,
            "rated_power_w": lambda: hp.p.rated_power_w,
        }
        writers: dict[str, Callable[[Any], None]] = {
            "power_limit_w": lambda v: hp.write_power_limit(float(v)),
            "power_limit_enabled": lambda v: None if v else hp.write_power_limit(None),
            "failsafe_limit_w": lambda v: hp.write_failsafe_limit(float(v)),
            "operating_mode": lambda v: hp.write_operating_mode(
                HeatPumpMode(_code_of(v, _MODE_LABELS, "operating mode"))),
            "sg_ready_mode": lambda v: hp.write_sg_ready_mode(
                SgReadyState(_code_of(v, _SG_READY_LABELS, "SG-Ready mode"))),
        }
        super().__init__(register_map, readers, writers, hp.heartbeat)


_NATURAL_GAS_J_PER_L = 35.17e3         # gross calorific value of natural gas, ~35.17 MJ/m³
_BOILER_EFFICIENCY = 0.95


class HeatPumpS2Backend:
    """The ``S2DeviceBackend`` (simlab/devices/s2_resource_manager/backend.py) of the heat pump: PEBC power
    envelopes and, for the hybrid variant, DDBC operation modes ``electric`` / ``gas`` (EN 50491-12-2). Power is
    consumption positive, W; the DDBC supply rate is heat to the buffer, W. The DDBC factor is not
    followed: the unit modulates itself within the chosen mode."""

    def __init__(self, device: HeatPumpSim) -> None:
        self.device = device

    def control_types(self) -> list[str]:
        return ["PEBC", "DDBC"] if self.device.p.hybrid else ["PEBC"]

    def power_w(self) -> float:
        return self.device.consumption_w() * self.device.k.readback_power_factor

    def pebc_upper_limit_range_w(self) -> tuple[float, float]:
        return (self.device.p.standby_power_w, self.device.max_consumption_w)

    def apply_pebc_envelope(self, upper_w: float | None, lower_w: float | None) -> None:
        self.device.apply_pebc_envelope(upper_w, lower_w)

    def ddbc_description(self) -> Any:
        from simlab.devices.s2_resource_manager.backend import DdbcDescription, DdbcModeSpec

        p = self.device.p
        min_w = p.min_modulation * p.rated_power_w
        gas_l_per_s = p.boiler_max_heat_w / _BOILER_EFFICIENCY / _NATURAL_GAS_J_PER_L
        demand_w = self.device.heat_demand_w()
        return DdbcDescription(modes=(
            DdbcModeSpec("electric", "heat pump", (p.standby_power_w + min_w, self.device.max_consumption_w),
                         (min_w * p.cop, p.rated_power_w * p.cop)),
            DdbcModeSpec("gas", "gas boiler", (p.standby_power_w, p.standby_power_w), (0.0, p.boiler_max_heat_w),
                         gas_flow_l_per_s=(0.0, gas_l_per_s)),
        ), present_demand_rate=(demand_w, demand_w))

    def ddbc_active_mode(self) -> tuple[str, float]:
        hp = self.device
        p = hp.p
        if hp.mode.acting == HeatPumpMode.GAS:
            return "gas", min(hp.boiler_w / p.boiler_max_heat_w, 1.0)
        min_w = p.min_modulation * p.rated_power_w
        return "electric", min(max((hp.compressor_w - min_w) / (p.rated_power_w - min_w), 0.0), 1.0) \
            if p.rated_power_w > min_w else 1.0

    def apply_ddbc_mode(self, mode_id: str, factor: float = 1.0) -> None:
        self.device.apply_ddbc_mode(HeatPumpMode(_code_of(mode_id, _MODE_LABELS, "DDBC operation mode")))

    def on_connection_lost(self) -> None:
        self.device.s2_connection_lost()

    def on_connection_restored(self) -> None:
        self.device.s2_connection_restored()
