"""The simulated PV inverter under an unbalanced grid: the voltage its P(U) response is based on,
and how its power is shared over the phases.

The response basis is a device parameter (``simulation.parameters.volt_watt_basis``, one of
:data:`VOLT_WATT_BASES`): ``highest_phase`` (the curve at the highest phase voltage, for the whole
device), ``per_phase`` (each phase limited to its share of the rating at its own voltage) or
``positive_sequence`` (the curve at the positive-sequence voltage; the simulated source keeps its
phases at 120°, so that is the mean of the magnitudes). The knob ``volt_watt_wrong_basis`` makes
the device use another basis than the one it declares; ``phase_power_shares`` makes it share its
power unequally over the phases (a current unbalance).
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

VOLT_WATT_BASES = ("highest_phase", "per_phase", "positive_sequence")


def parse_basis(key: str, value: Any) -> str:
    from simlab.devices.pv_inverter.knobs import SimSettingError

    if value not in VOLT_WATT_BASES:
        raise SimSettingError(key, f"expected one of {', '.join(VOLT_WATT_BASES)}, got {value!r}")
    return str(value)


def parse_phase_shares(key: str, value: Any) -> list[float]:
    """Three non-negative shares of the total power (normalised to sum 1)."""
    from simlab.devices.pv_inverter.knobs import SimSettingError, finite_number

    if not isinstance(value, (list, tuple)) or len(value) != 3:
        raise SimSettingError(key, f"expected three shares [L1, L2, L3], got {value!r}")
    shares = [finite_number(f"{key}[{i}]", v, minimum=0.0) for i, v in enumerate(value)]
    total = sum(shares)
    if total <= 0.0:
        raise SimSettingError(key, f"the shares must not all be 0, got {value!r}")
    return [v / total for v in shares]


def volt_watt_targets_pct(volts_pct: Sequence[float], basis: str,
                          curve: Callable[[float], float]) -> tuple[float, ...]:
    """The P(U) curve's value (% of rated power) for each phase under ``basis``; ``curve`` maps a
    voltage in % Un to % of rated power."""
    if basis == "per_phase":
        return tuple(curve(v) for v in volts_pct)
    basis_pct = max(volts_pct) if basis == "highest_phase" else sum(volts_pct) / len(volts_pct)
    return (curve(basis_pct),) * len(volts_pct)


def phase_shares(targets_pct: Sequence[float], knob_shares: Sequence[float] | None) -> tuple[float, ...]:
    """How the total power is shared over the phases: the knob's shares, else in proportion to each
    phase's P(U) target (equal when they are equal)."""
    if knob_shares is not None and len(knob_shares) == len(targets_pct):
        return tuple(knob_shares)
    total = sum(targets_pct)
    n = len(targets_pct)
    if total <= 0.0 or all(t == targets_pct[0] for t in targets_pct):
        return (1.0 / n,) * n
    return tuple(t / total for t in targets_pct)
