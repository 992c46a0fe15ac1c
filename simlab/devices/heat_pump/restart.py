"""The simulated heat pump's randomised restart (HP-REBOUND): when the profile's parameters declare
``randomised_restart`` (simlab/devices/restart_delay.py), the unit waits a drawn delay

* after an SG-Ready block is lifted (counted from the moment the unit takes the new state in, i.e.
  ``response_time_s`` after the contacts changed): the compressor stays off;
* after AC returns from an outage (counted from the return; each return is a new boot; the first
  power-up is the installation, not an outage): the compressor stays off;
* after §14a dimming is lifted while it held the compressor back (counted from the moment the unit
  acts on it, ``limit_response_time_s`` after the contact opened): the compressor stays at its
  dimmed power;

then the soft-restart cap of device.py rises at the law's ramp (W/s) up to the power drawn before
the block / outage / dimming. Without the declaration nothing changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simlab.devices.restart_delay import RandomisedRestart

if TYPE_CHECKING:
    from simlab.devices.heat_pump.device import HeatPumpSim

__all__ = ["HeatPumpRebound", "rebound_of", "on_power_change", "on_block_lifted", "on_dimming_lifted",
           "holds_off", "release_ramp_w_per_s"]


class HeatPumpRebound(RandomisedRestart):
    """The law, and whether the running hold keeps the dimmed power (True) or the compressor off."""

    holds_level = False


def rebound_of(device: HeatPumpSim) -> HeatPumpRebound | None:
    """The unit's randomised restart, None when its parameters declare none."""
    law = device.p.randomised_restart
    return None if law is None else HeatPumpRebound(law, device.k.randomised_restart_faults)


def on_power_change(device: HeatPumpSim, rebound: HeatPumpRebound, powered: bool, t_s: float) -> None:
    """AC lost: remember the power to return to; AC back: a new boot, hold off."""
    rebound.holds_level = False
    if not powered:
        device._pre_block_w = device.compressor_w if device.compressor_on else 0.0
        rebound.hold_until_s = None
        return
    rebound.power_up()
    if rebound.boots > 1:              # the first power-up is the installation, not an outage
        rebound.begin(t_s)


def on_block_lifted(device: HeatPumpSim, rebound: HeatPumpRebound) -> None:
    """SG-Ready state 1 lifted (taken in now): hold off before the soft restart."""
    rebound.holds_level = False
    rebound.begin(device._t_s)


def on_dimming_lifted(device: HeatPumpSim, rebound: HeatPumpRebound) -> None:
    """§14a dimming lifted (acted on now): when it held the compressor back (a soft restart from the
    dimmed power is pending), keep that power for the delay."""
    if device._release_cap_w is not None:
        rebound.holds_level = True
        rebound.begin(device._t_s)


def holds_off(device: HeatPumpSim, rebound: HeatPumpRebound, t_s: float) -> bool:
    """True while the compressor must stay off; starts the soft restart when the hold has passed."""
    if rebound.holds_level:
        if rebound.released(t_s):
            rebound.holds_level = False
        return False
    if rebound.released(t_s):
        device._start_block_release()
    return rebound.hold_until_s is not None


def release_ramp_w_per_s(rebound: HeatPumpRebound) -> float:
    """How fast the soft-restart cap rises now: 0 while the dimmed power is held."""
    return 0.0 if rebound.holds_level else rebound.ramp_per_s
