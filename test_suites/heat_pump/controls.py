"""The heat pump's control paths shared by several suites: lifting the Modbus map's consumption
limit, the §14a dimming signal and the S2 resource manager's PEBC (power envelope based control)."""

from __future__ import annotations

from typing import Any

import pytest

from bench.errors import BenchError, ConfigError
from links.s2.capability import ControlTypeSupport


def lift_modbus_limit(link: Any) -> None:
    """Lift the map's consumption limit: ``power_limit_enabled`` 0, else the point's maximum."""
    names = {p.name: p for p in link.register_map.points}
    if "power_limit_enabled" in names and names["power_limit_enabled"].writable:
        link.write("power_limit_enabled", 0)
        return
    point = names["power_limit_w"]
    if point.max is None:
        raise BenchError("the map's power_limit_w declares no max and no power_limit_enabled: "
                         "the bench cannot lift the limit")
    link.write("power_limit_w", point.max)


def pebc_max_upper_w(s2: Any, fallback_w: float) -> float:
    """The highest consumption upper limit the RM's latest PEBC.PowerConstraints allow."""
    found = s2.received("PEBC.PowerConstraints")
    if found:
        for limit in found[-1].raw.get("allowed_limit_ranges", []):
            if limit.get("limit_type") == "UPPER_LIMIT":
                return float(limit["range_boundary"]["end_of_range"])
    return fallback_w


def s2_offering_pebc(dut: Any, no_pebc: str) -> tuple[Any, Any]:
    """The profile's S2 link and the RM's details when the RM offers PEBC. NOT_APPLICABLE (skip)
    without an S2 link, or with ``no_pebc`` as the reason when the RM offers no PEBC and the profile
    does not declare it; DeviceLacksFunction (FAIL, the RM's ResourceManagerDetails as evidence)
    when the profile declares PEBC and the RM does not offer it (links/s2/capability.py)."""
    s2 = dut.s2
    if s2 is None:
        pytest.skip("NOT_APPLICABLE: the profile declares no S2 link")
    if s2.control_type_support("PEBC") is not ControlTypeSupport.OFFERED:
        pytest.skip(f"NOT_APPLICABLE: {no_pebc} and the profile declares no PEBC")
    return s2, s2.details()


def ensure_control_type(s2: Any, short: str) -> None:
    """Select the S2 control type ``short`` (e.g. "PEBC", "DDBC") unless it is selected already."""
    if s2.selected_control_type() != short:
        s2.select_control_type(short)


class HybridSwitch:
    """The switch-to-gas path the profile offers (S2 DDBC first, else the Modbus operating mode)."""

    def __init__(self, dut: Any) -> None:
        self.dut = dut
        s2 = dut.s2
        self.via = None
        # A declared DDBC the RM does not offer raises DeviceLacksFunction (links/s2/capability.py).
        if s2 is not None and s2.control_type_support("DDBC") is ControlTypeSupport.OFFERED:
            self.via = "S2 DDBC"
        elif dut.modbus_point("operating_mode", writable=True) is not None:
            self.via = "Modbus operating_mode"

    def _ddbc_modes(self) -> tuple[Any, Any]:
        s2 = self.dut.s2
        ensure_control_type(s2, "DDBC")
        modes = s2.ddbc_modes()
        if not modes:
            return None, None

        def electric_max(mode: Any) -> float:
            return max((hi for q, lo, hi in mode.power_ranges_w if q.startswith("ELECTRIC")), default=0.0)

        named = [m for m in modes if "gas" in (m.label or "").lower() or "gas" in m.operation_mode_id.lower()]
        gas = named[0] if named else min(modes, key=electric_max)
        others = [m for m in modes if m is not gas]
        electric = max(others, key=electric_max) if others else None
        return gas, electric

    def to_gas(self) -> str:
        if self.via == "S2 DDBC":
            gas, _ = self._ddbc_modes()
            if gas is None:
                return "the RM's DDBC.SystemDescription has no operation modes"
            iid = self.dut.s2.send_ddbc_instruction(gas.actuator_id, gas.operation_mode_id)
            record = self.dut.s2.instruction(iid)
            status = record.reception.status if record is not None and record.reception else "none"
            if status == "OK":
                return ""
            return f"DDBC instruction to {gas.label or gas.operation_mode_id}: ReceptionStatus {status}"
        self.dut.modbus.write("operating_mode", "gas")
        return ""

    def to_electric(self) -> None:
        if self.via == "S2 DDBC":
            _, electric = self._ddbc_modes()
            if electric is not None:
                self.dut.s2.send_ddbc_instruction(electric.actuator_id, electric.operation_mode_id)
        elif self.via is not None:
            self.dut.modbus.write("operating_mode", "electric")


class DimmingSignal:
    """The declared §14a control input, applied and released."""

    def __init__(self, dut: Any, floor_w: float) -> None:
        self.dut, self.floor_w = dut, floor_w
        self.kind = str(dut.profile.declared_value("dimming_14a_input", "contact"))
        if self.kind == "contact":
            channel = dut.profile.declared_value("dimming_14a_contact_channel")
            if not isinstance(channel, int) or dut.digital_io is None or channel not in dut.digital_io.channels:
                raise ConfigError(f"§14a contact channel {channel!r} is not a contact of the bench's digital_io",
                                  file=dut.profile.file, field="declared.dimming_14a_contact_channel")
            self.channel = channel
        elif self.kind == "modbus_limit":
            self.link = dut.modbus_point("power_limit_w", writable=True)
            if self.link is None:
                raise ConfigError("dimming_14a_input modbus_limit needs a Modbus map with a writable power_limit_w",
                                  file=dut.profile.file, field="declared.dimming_14a_input")
        else:
            raise ConfigError(f"unknown §14a input {self.kind!r} (contact or modbus_limit)",
                              file=dut.profile.file, field="declared.dimming_14a_input")

    def apply(self) -> None:
        if self.kind == "contact":
            self.dut.digital_io.set_output(self.channel, True)
            if not self.dut.digital_io.output_state(self.channel):
                raise BenchError(f"§14a contact {self.channel} did not close")
        else:
            self.link.write("power_limit_w", self.floor_w)

    def release(self) -> None:
        if self.kind == "contact":
            self.dut.digital_io.set_output(self.channel, False)
        else:
            lift_modbus_limit(self.link)
        self.dut.note_rebound_event()
