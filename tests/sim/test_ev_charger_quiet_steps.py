"""Big physics steps of the simulated EV charger (``EvChargerSim.quiet_until_s`` with
simlab/physics.py ``Physics.advance_to``) end as fixed 0.1 s steps do: the same connector, pilot,
contactor, phases, transactions and currents at every observation, the same energy and state of
charge to well under a milliwatt-hour. The script runs the lab in process (``simlab.lab.Lab``, so the
charger's own timers stop the physics as in a campaign) through charging-profile boundaries, a switch
to one phase and back, a grid excursion with its restart delay, the offline fallback, a reset, an
outage with its randomised restart, a recurring window ending in a rebound hold and ramp, a battery
getting full, and an unplug. Each bound of the horizon is needed: without it the traces differ."""

from __future__ import annotations

import asyncio
import datetime as dt
import math
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from links.ocpp.smart_charging import ChargingProfile
from simlab.devices.ev_charger.charger import EvChargerSim
from simlab.devices.ev_charger.controller import ChargingController
from simlab.devices.ev_charger.electrical import EvseElectrical
from simlab.devices.ev_charger.rebound import ChargerRebound
from simlab.ev_port import EvModel
from simlab.lab import Lab, LabSpec

START = "2026-06-21T12:00:00+02:00"
UN_V = 230.0
OBSERVE_EVERY_S = 2.0
END_S = 3000.0
PARAMETERS = {"phase_switching_supported": True, "phase_switch_min_interval_s": 30.0,
              "max_offline_duration_s": 300.0, "offline_fallback_limit_a": 8.0,
              "randomised_restart": {"min_delay_s": 20.0, "max_delay_s": 60.0, "ramp_per_s": 0.5, "seed": 3}}


def _calendar(t_s: float) -> dt.datetime:
    return dt.datetime.fromisoformat(START) + dt.timedelta(seconds=t_s)


def _tx_default(profile_id: int, periods: list[tuple[Any, ...]], **kwargs: Any) -> ChargingProfile:
    return ChargingProfile(profile_id=profile_id, purpose="tx_default", stack_level=profile_id, unit="A",
                           periods=periods, start_schedule=_calendar(0.0), **kwargs)


Action = Callable[[Lab, EvChargerSim], None]


def _volts(volts: float) -> Action:
    def act(lab: Lab, _charger: EvChargerSim) -> None:
        lab.source.voltage_setpoint_v = [volts] * 3
    return act


def _install(profile: ChargingProfile) -> Action:
    def act(_lab: Lab, charger: EvChargerSim) -> None:
        assert charger.install_profile(profile, 0) == "Accepted"
    return act


def _offline_since(now: bool) -> Action:
    """The CSMS lost (offline from now: the fallback counts from here) or back (no fallback). The
    charger has no CSMS here, so this sets what its connection handling would: ``offline_since_s``."""
    def act(lab: Lab, charger: EvChargerSim) -> None:
        charger.offline_since_s = lab.physics.t_s if now else None
    return act


def _port(**settings: Any) -> Action:
    def act(lab: Lab, _charger: EvChargerSim) -> None:
        for name, value in settings.items():
            setattr(lab.physics.ev_port, name, value)
    return act


def _reset(_lab: Lab, charger: EvChargerSim) -> None:
    assert charger.request_reset("Hard") == "Accepted"


# (bench time, action). Profile offsets are from 12:00 local (bench time 0).
SCRIPT: list[tuple[float, Action]] = [
    (0.0, _offline_since(False)),
    (0.0, _port(ev_connected=True, ev_requests_charge=True, battery_capacity_wh=40000.0, soc_pct=20.0)),
    (100.0, _install(_tx_default(1, [(0, 16.0), (401, 10.0), (703, 12.0, 1), (905, 16.0, 3)]))),
    (1001.0, _volts(180.0)),                # below undervoltage_stop_v: stop, then the 60 s restart delay
    (1007.0, _volts(UN_V)),
    (1201.0, _offline_since(True)),         # fallback to 8 A after 300 s offline
    (1601.0, _offline_since(False)),
    (1701.0, _reset),                       # reboot for 5 s, a new transaction after it
    (1711.0, _offline_since(False)),
    (1801.0, _volts(0.0)),                  # an outage: the randomised restart holds, then ramps
    (1811.0, _volts(UN_V)),
    (2001.0, _install(_tx_default(2, [(0, 16.0), (2103, 6.0), (2403, 16.0)], kind="Recurring",
                                  recurrency="Daily"))),   # the window's end: hold and ramp
    (2601.0, _port(soc_pct=99.5)),          # full about 33 s later: the EV opens S2
    (2801.0, _port(ev_connected=False)),
    (2851.0, _port(ev_connected=True, soc_pct=50.0)),
]


def _observed(lab: Lab, charger: EvChargerSim) -> tuple[tuple[Any, ...], tuple[float, ...]]:
    """(discrete state, continuous state) of the charger and its EV now."""
    port, stage = lab.physics.ev_port, charger.electrical
    tx = charger.transaction
    discrete = (port.cp_state(), charger.connector_state(), tx.local_id if tx else None, port.pilot_duty_pct,
                port.contactor_closed, port.supply_phases, stage.phase_switching, stage.suspended_by_grid,
                charger.rebooting_until_s, len(charger.controller.store))
    reading = stage.meter()
    continuous = (*port.ev_current_a, reading.energy_import_wh, port.soc_pct, *charger.output().active_power_w)
    return discrete, continuous


def _run(quiet: bool = True) -> tuple[int, list[tuple[float, tuple[Any, ...], tuple[float, ...]]]]:
    """The script with big steps (``quiet``) or fixed ones: (device steps, observations)."""
    device = {"kind": "ev_charger", "parameters": PARAMETERS,
              "nameplate": {"manufacturer": "Flexbench", "model": "SimCharger"}}
    lab = Lab(LabSpec(start_calendar=START, device=device))
    charger = lab.device
    assert isinstance(charger, EvChargerSim) and lab.physics.step_s == pytest.approx(0.1)
    steps = 0
    step = charger.step

    def counted(t_s: float, dt_s: float, terminal: Any) -> None:
        nonlocal steps
        steps += 1
        step(t_s, dt_s, terminal)

    charger.step = counted                                              # type: ignore[method-assign]
    if not quiet:
        charger.quiet_until_s = lambda t_s, _terminal: t_s              # type: ignore[method-assign]
    lab.source.output_on, lab.source.voltage_setpoint_v = True, [UN_V] * 3
    loop = asyncio.new_event_loop()
    trace = []
    actions: Iterator[tuple[float, Action]] = iter(SCRIPT)
    next_action = next(actions, None)
    t_s = 0.0
    try:
        while t_s < END_S:
            while next_action is not None and next_action[0] <= t_s + 1e-9:
                next_action[1](lab, charger)
                next_action = next(actions, None)
            t_s = min(round(t_s + OBSERVE_EVERY_S, 9), next_action[0] if next_action else END_S)
            loop.run_until_complete(lab.advance(t_s))
            trace.append((t_s, *_observed(lab, charger)))
    finally:
        loop.close()
    return steps, trace


@pytest.fixture(scope="module")
def fixed() -> tuple[int, list[tuple[float, tuple[Any, ...], tuple[float, ...]]]]:
    return _run(quiet=False)


def _differences(fixed_trace: list[Any], trace: list[Any]) -> list[str]:
    assert len(trace) == len(fixed_trace)
    out = []
    for (t_s, discrete_f, cont_f), (_, discrete, cont) in zip(fixed_trace, trace, strict=True):
        if discrete != discrete_f or cont != pytest.approx(cont_f, abs=1e-6):
            out.append(f"at {t_s} s: {discrete_f} {cont_f} != {discrete} {cont}")
    return out


def test_big_steps_end_as_fixed_steps_do(fixed: Any) -> None:
    fixed_steps, fixed_trace = fixed
    big_steps, trace = _run()
    assert _differences(fixed_trace, trace) == []
    # the script reaches every transition it is meant to cover
    seen = {discrete for _, discrete, _ in fixed_trace}
    assert any(d[5] == 1 for d in seen) and any(d[6] for d in seen)       # one phase, a switch pause
    assert any(d[7] for d in seen) and any(d[8] is not None for d in seen)  # grid stop, reboot
    assert any(d[0] == "B" for d in seen) and any(d[0] == "A" for d in seen)  # full, unplugged
    fallback = [cont[0] for t_s, _, cont in fixed_trace if 1510.0 <= t_s <= 1600.0]
    assert fallback and all(amps == pytest.approx(8.0) for amps in fallback)
    # the point of it: far fewer device steps (fixed: one per 0.1 s)
    assert fixed_steps >= END_S / 0.1
    assert big_steps < fixed_steps / 3


# each bound of the horizon, removed: the big steps then run past what it guards
MUTANTS: dict[str, tuple[Any, str]] = {
    "profile boundaries and offline fallback": (ChargingController, "steady_for_s"),
    "EV settling and full battery": (EvModel, "quiet_until_s"),
    "restart delay after a grid excursion": (EvseElectrical, "_grid_quiet_until_s"),
    "randomised restart hold": (ChargerRebound, "quiet_until_s"),
}


@pytest.mark.parametrize("bound", list(MUTANTS))
def test_each_bound_is_needed(fixed: Any, bound: str, monkeypatch: pytest.MonkeyPatch) -> None:
    owner, name = MUTANTS[bound]
    monkeypatch.setattr(owner, name, lambda *_args: math.inf)
    _, trace = _run()
    assert _differences(fixed[1], trace), f"without the {bound} bound the big steps still end as fixed steps"
