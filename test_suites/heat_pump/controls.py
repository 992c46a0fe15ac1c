"""The heat pump's control paths shared by several suites: lifting the Modbus map's consumption
limit and the S2 resource manager's PEBC (power envelope based control)."""

from __future__ import annotations

from typing import Any

import pytest

from bench.errors import BenchError

PEBC = "POWER_ENVELOPE_BASED_CONTROL"


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
    """The profile's S2 link and the RM's details; NOT_APPLICABLE (skip) without an S2 link, or with
    ``no_pebc`` as the reason when the resource manager offers no PEBC."""
    s2 = dut.s2
    if s2 is None:
        pytest.skip("NOT_APPLICABLE: the profile declares no S2 link")
    details = s2.details()
    if details is None or PEBC not in details.available_control_types:
        pytest.skip(f"NOT_APPLICABLE: {no_pebc}")
    return s2, details


def ensure_control_type(s2: Any, short: str) -> None:
    """Select the S2 control type ``short`` (e.g. "PEBC", "DDBC") unless it is selected already."""
    if s2.selected_control_type() != short:
        s2.select_control_type(short)
