"""The simulated heat pump's randomised restart (HP-REBOUND): when the profile's parameters declare
``randomised_restart`` (simlab/devices/restart_delay.py), the compressor holds off for a drawn delay

* after an SG-Ready block is lifted (counted from the moment the unit takes the new state in, i.e.
  ``response_time_s`` after the contacts changed), and
* after AC returns from an outage (counted from the return; each return is a new boot; the first
  power-up is the installation, not an outage),

then starts with the soft-restart cap of device.py rising at the law's ramp (W/s), up to the power
drawn before the block / outage. Without the declaration nothing changes (blocks release at once).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simlab.devices.restart_delay import RandomisedRestart

if TYPE_CHECKING:
    from simlab.devices.heat_pump.device import HeatPumpSim

__all__ = ["rebound_of", "on_power_change", "on_block_lifted", "holds_off"]


def rebound_of(device: HeatPumpSim) -> RandomisedRestart | None:
    """The unit's randomised restart, None when its parameters declare none."""
    law = device.p.randomised_restart
    return None if law is None else RandomisedRestart(law, device.k.randomised_restart_faults)


def on_power_change(device: HeatPumpSim, rebound: RandomisedRestart, powered: bool, t_s: float) -> None:
    """AC lost: remember the power to return to; AC back: a new boot, hold off."""
    if not powered:
        device._pre_block_w = device.compressor_w if device.compressor_on else 0.0
        rebound.hold_until_s = None
        return
    rebound.power_up()
    if rebound.boots > 1:              # the first power-up is the installation, not an outage
        rebound.begin(t_s)


def on_block_lifted(device: HeatPumpSim, rebound: RandomisedRestart) -> None:
    """SG-Ready state 1 lifted (taken in now): hold off before the soft restart."""
    rebound.begin(device._t_s)


def holds_off(device: HeatPumpSim, rebound: RandomisedRestart, t_s: float) -> bool:
    """True while the compressor must stay off; starts the soft restart when the hold has passed."""
    if rebound.released(t_s):
        device._start_block_release()
    return rebound.hold_until_s is not None
