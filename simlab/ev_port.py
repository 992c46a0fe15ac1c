"""The charging cable between a simulated charger (EVSE) and the EV emulator, and the EV itself.

:class:`EvPort` is shared lab state (``physics.ev_port``, like ``physics.contacts``): the
charger writes the control pilot, contactor and supply; the EV-emulator instrument writes the
EV's settings; :class:`EvModel` computes what the EV draws.

Control pilot per IEC 61851-1:2017 Annex A:

* states (Table A.3): **A** EV not connected; **B** connected, S2 open (not ready to charge);
  **C** connected, S2 closed (ready to charge, no ventilation). States D/E/F are not modelled.
* the EV reads the maximum current from the PWM duty cycle (Table A.8, EV side):
  duty < 8 %: no charging (3-7 % asks for digital communication, which this EV does not speak);
  8 % <= duty < 10 %: 6 A; 10 % <= duty <= 85 %: duty x 0.6 A; 85 % < duty <= 96 %:
  (duty - 64) x 2.5 A; 96 % < duty <= 97 %: 80 A; above 97 % (or no PWM): no charging.
* the EVSE sets the duty for an offered current (Table A.7, EVSE side): 6 A ... 51 A:
  duty = I / 0.6; 51 A ... 80 A: duty = I / 2.5 + 64. 6 A is the lowest current a PWM can
  offer, so below it the EVSE pauses (no PWM) instead.
* the EV follows a duty change within 5 s (IEC 61851-1 Annex A; tagged 'unverified' in the
  project's requirement facts): :attr:`EvPort.ev_response_delay_s`, 2 s by default, settable
  beyond 5 s to emulate a slow EV.

Table numbers are those of the 2017 edition.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

__all__ = ["EvPort", "EvModel", "pilot_current_a", "duty_for_current_a", "MIN_CURRENT_A",
           "MAX_PILOT_CURRENT_A", "LIVE_PHASE_V", "FULL_MARGIN_S"]

MIN_CURRENT_A = 6.0
"""The lowest current a PWM pilot can offer (IEC 61851-1 Table A.7/A.8)."""
MAX_PILOT_CURRENT_A = 80.0
"""The highest current a PWM pilot can offer (96 % duty)."""
LIVE_PHASE_V = 50.0
"""A phase below this (V rms) is treated as dead: no EV current flows on it."""
FULL_MARGIN_S = 1.0
""":meth:`EvModel.quiet_until_s` ends this long before the battery could reach 100 %: one big step
and many small ones sum the state of charge with different roundings, so the instant it becomes
full is left to the fixed steps."""


def pilot_current_a(duty_pct: float | None) -> float:
    """The maximum current (A per phase) an EV may draw at ``duty_pct`` (IEC 61851-1 Table A.8).

    ``None`` (no PWM: steady +12/+9/+6 V) and every duty outside the charging ranges give 0 A.
    """
    if duty_pct is None or math.isnan(duty_pct):
        return 0.0
    if duty_pct < 8.0:
        return 0.0      # < 3 %: not allowed; 3-7 %: digital communication only; 7-8 %: not allowed
    if duty_pct < 10.0:
        return MIN_CURRENT_A
    if duty_pct <= 85.0:
        return duty_pct * 0.6
    if duty_pct <= 96.0:
        return (duty_pct - 64.0) * 2.5
    if duty_pct <= 97.0:
        return MAX_PILOT_CURRENT_A
    return 0.0


def duty_for_current_a(amps: float) -> float | None:
    """The PWM duty (%) an EVSE sets to offer ``amps`` per phase (IEC 61851-1 Table A.7).

    Below 6 A no PWM can express the offer: ``None`` (the EVSE pauses). Raises ``ValueError``
    above 80 A (no duty offers more) and for NaN.
    """
    if math.isnan(amps):
        raise ValueError("offered current is NaN")
    if amps < MIN_CURRENT_A:
        return None
    if amps <= 51.0:
        return amps / 0.6
    if amps <= MAX_PILOT_CURRENT_A:
        return amps / 2.5 + 64.0
    raise ValueError(f"{amps:g} A cannot be offered on a PWM pilot "
                     f"(at most {MAX_PILOT_CURRENT_A:g} A)")


@dataclass
class EvPort:
    """State of one charging cable (see the module docstring). Phases are 0-based here."""

    # written by the EVSE (charger)
    pilot_duty_pct: float | None = None    # PWM duty on the control pilot; None = no PWM (state x1)
    contactor_closed: bool = False
    supply_phases: int = 3                  # phases switched through to the EV (1 or 3)
    supply_voltage_v: tuple[float, ...] = (0.0, 0.0, 0.0)   # at the EV inlet, per phase
    # written by the EV (emulator instrument settings)
    ev_connected: bool = False              # state A (False) vs B/C (True)
    ev_requests_charge: bool = False        # the operator's S2 request: state C when connected
    ev_max_current_a: float = 32.0          # the EV's own on-board charger limit, per phase
    ev_phases: int = 3
    ev_response_delay_s: float = 2.0        # EV follows a duty change after this (<= 5 s compliant)
    battery_capacity_wh: float = 60000.0
    soc_pct: float = 50.0
    stop_when_full: bool = True             # at 100 % SoC the EV opens S2 (state B) and draws 0 A
    # computed by EvModel.step
    ev_current_a: tuple[float, ...] = (0.0, 0.0, 0.0)   # drawn per phase (A rms)
    energy_charged_wh: float = field(default=0.0)        # into the EV since the port was created

    @property
    def full(self) -> bool:
        """The battery is full and the EV has stopped charging because of it."""
        return self.stop_when_full and self.soc_pct >= 100.0

    @property
    def s2_closed(self) -> bool:
        """The EV's S2 switch: closed while it is asked to charge and not stopped full."""
        return self.ev_connected and self.ev_requests_charge and not self.full

    def cp_state(self) -> str:
        """Control-pilot state A, B or C (IEC 61851-1 Table A.3)."""
        if not self.ev_connected:
            return "A"
        return "C" if self.s2_closed else "B"



def _drawn(port: EvPort) -> tuple[tuple[float, ...], bool, bool, bool, bool, float]:
    """What the EV draws under the port's present state, computed once per physics step: the supply
    voltage per phase (three), which phases carry current, whether the current is cut (S2 open,
    contactor open or no live phase in use) and the target current per phase."""
    used = min(port.supply_phases, port.ev_phases)
    volts = tuple(port.supply_voltage_v)
    if len(volts) < 3:
        volts = volts + (0.0,) * (3 - len(volts))
    on0 = used > 0 and volts[0] >= LIVE_PHASE_V
    on1 = used > 1 and volts[1] >= LIVE_PHASE_V
    on2 = used > 2 and volts[2] >= LIVE_PHASE_V
    cut = not port.s2_closed or not port.contactor_closed or not (on0 or on1 or on2)
    target = 0.0 if cut else min(port.ev_max_current_a, pilot_current_a(port.pilot_duty_pct))
    return volts, on0, on1, on2, cut, target


class EvModel:
    """The EV behind the port: draws what the pilot allows, with its response delay.

    Target per phase: ``min(ev_max_current_a, pilot_current_a(duty))`` on each live phase that
    both the supply (``supply_phases``) and the EV (``ev_phases``) use; 0 A in states A/B, with
    the contactor open, or when full. Physical cuts (contactor open, dead phase, S2 opened,
    unplugged, full) stop the current at once. A pilot change is followed with a first-order lag
    (time constant ``ev_response_delay_s / 5``) that is forced onto the target when
    ``ev_response_delay_s`` has passed since the target changed, so the EV is at the new value
    exactly within its delay. The state of charge integrates the AC energy drawn (on-board
    charger losses are not modelled).
    """

    def __init__(self) -> None:
        self._target_a = 0.0
        self._since_change_s = 0.0

    def target_current_a(self, port: EvPort) -> float:
        """What the EV wants per phase now, before its response lag."""
        if self._cut(port):
            return 0.0
        return min(port.ev_max_current_a, pilot_current_a(port.pilot_duty_pct))

    def _cut(self, port: EvPort) -> bool:
        """A physical reason for no current at all (applied at once, without the lag)."""
        return not port.s2_closed or not port.contactor_closed or not any(self.phases_drawn(port))

    def phases_drawn(self, port: EvPort) -> list[bool]:
        """Per phase: does the EV draw on it (phase used by both sides and live)."""
        used = min(port.supply_phases, port.ev_phases)
        volts = list(port.supply_voltage_v) + [0.0] * (3 - len(port.supply_voltage_v))
        return [i < used and volts[i] >= LIVE_PHASE_V for i in range(3)]

    def step(self, port: EvPort, dt_s: float) -> None:
        """Advance the EV by ``dt_s``: current per phase, then energy and state of charge."""
        # Runs every physics step: the logic of target_current_a / _cut / phases_drawn evaluated once
        # (_drawn: same operations in the same order, so the same floats).
        volts, on0, on1, on2, cut, target = _drawn(port)
        if target != self._target_a:
            self._target_a = target
            self._since_change_s = 0.0
        self._since_change_s += dt_s
        if cut:
            amps = 0.0
        elif self._since_change_s >= port.ev_response_delay_s - 1e-9:
            amps = target
        else:
            present = max(port.ev_current_a) if port.ev_current_a else 0.0
            tau_s = port.ev_response_delay_s / 5.0
            amps = target + (present - target) * math.exp(-dt_s / tau_s)
        i0 = amps if on0 else 0.0
        i1 = amps if on1 else 0.0
        i2 = amps if on2 else 0.0
        port.ev_current_a = (i0, i1, i2)
        energy_wh = (0 + volts[0] * i0 + volts[1] * i1 + volts[2] * i2) * dt_s / 3600.0
        port.energy_charged_wh += energy_wh
        if port.battery_capacity_wh > 0:
            port.soc_pct = min(100.0, port.soc_pct + 100.0 * energy_wh / port.battery_capacity_wh)

    def quiet_until_s(self, port: EvPort, t_s: float) -> float:
        """The latest bench time up to which one :meth:`step` from ``t_s`` ends as many would: the
        EV has settled on its target under the port's present pilot, contactor and supply (its
        response delay has passed, or the current is cut), so only energy and state of charge move,
        linearly; bounded :data:`FULL_MARGIN_S` before a battery that stops when full is full.
        ``t_s`` while the EV is still following a change (or the port was changed since its step)."""
        volts, on0, on1, on2, cut, target = _drawn(port)
        if target != self._target_a or (not cut and self._since_change_s < port.ev_response_delay_s - 1e-9):
            return t_s
        if port.ev_current_a != (target if on0 else 0.0, target if on1 else 0.0, target if on2 else 0.0):
            return t_s
        power_w = volts[0] * port.ev_current_a[0] + volts[1] * port.ev_current_a[1] + volts[2] * port.ev_current_a[2]
        if power_w > 0.0 and port.stop_when_full and port.battery_capacity_wh > 0 and port.soc_pct < 100.0:
            return t_s + (100.0 - port.soc_pct) / 100.0 * port.battery_capacity_wh * 3600.0 / power_w - FULL_MARGIN_S
        return math.inf
