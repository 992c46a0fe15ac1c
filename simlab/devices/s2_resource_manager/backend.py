"""What a simulated device must offer for the S2 resource manager to drive it (EN 50491-12-2).

The resource manager (simlab/devices/s2_resource_manager/resource_manager.py) owns the S2 session; the device only
answers these calls, all made on the lab's event loop at the bench time the lab is stopped at:

* PEBC (power envelope based control): :meth:`S2DeviceBackend.apply_pebc_envelope` with the limits
  of the envelope element now in force (``None``: no limit, e.g. after the envelope ends or when
  PEBC is deselected);
* DDBC (demand driven based control, e.g. a hybrid heat pump choosing electric or gas heating):
  :meth:`S2DeviceBackend.apply_ddbc_mode` with the backend's own mode id;
* failsafe: :meth:`S2DeviceBackend.on_connection_lost` when the S2 WebSocket is gone (what the
  device then does, including a deliberately missing failsafe, is the device's knob, not the RM's),
  :meth:`S2DeviceBackend.on_connection_restored` once a new session has completed its handshake.

Sign convention is S2's: consumption positive, in W.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class DdbcModeSpec:
    """One DDBC operation mode as the device sees it (the RM derives the S2 ids from ``mode_id``).

    ``power_w``: electric consumption range (factor 0 -> first, factor 1 -> second);
    ``supply_rate``: the demand-rate range the mode can supply (the device's own unit, e.g. W heat);
    ``gas_flow_l_per_s``: natural gas flow range for a gas mode (NATURAL_GAS.FLOW_RATE), if any.
    """

    mode_id: str
    label: str
    power_w: tuple[float, float]
    supply_rate: tuple[float, float]
    gas_flow_l_per_s: tuple[float, float] | None = None
    abnormal_condition_only: bool = False


@dataclass(frozen=True)
class DdbcDescription:
    """The device's DDBC actuator: its modes and the present demand rate range."""

    modes: tuple[DdbcModeSpec, ...]
    present_demand_rate: tuple[float, float]
    actuator_label: str = "heat generator"


class S2DeviceBackend(Protocol):
    """The device side of the simulated S2 resource manager (see the module docstring).

    A backend that offers only PEBC may raise NotImplementedError from the DDBC methods: they are
    called only when :meth:`control_types` lists "DDBC".
    """

    def control_types(self) -> Sequence[str]:
        """Short names of the control types the device offers: "PEBC", "DDBC"."""
        ...

    def power_w(self) -> float:
        """Present electric consumption in W (consumption positive), for PowerMeasurement."""
        ...

    def pebc_upper_limit_range_w(self) -> tuple[float, float]:
        """The lowest and highest consumption upper limit the device accepts (PEBC.PowerConstraints)."""
        ...

    def apply_pebc_envelope(self, upper_w: float | None, lower_w: float | None) -> None:
        """Follow these consumption limits from now on (None: unlimited on that side)."""
        ...

    def ddbc_description(self) -> DdbcDescription:
        ...

    def ddbc_active_mode(self) -> tuple[str, float]:
        """(mode_id, factor) now active, for DDBC.ActuatorStatus."""
        ...

    def apply_ddbc_mode(self, mode_id: str, factor: float) -> None:
        ...

    def on_connection_lost(self) -> None:
        ...

    def on_connection_restored(self) -> None:
        ...


__all__ = ["DdbcModeSpec", "DdbcDescription", "S2DeviceBackend"]
