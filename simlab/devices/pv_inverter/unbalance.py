"""The simulated PV inverter under an unbalanced grid: the voltage its P(U) and Q(U) responses are
based on, and how its power is shared over the phases.

The response basis is the one home of that vocabulary (:data:`RESPONSE_BASES`), one device
parameter per law (``simulation.parameters.volt_watt_basis`` for P(U), ``volt_var_basis`` for
Q(U)): ``highest_phase`` (the curve at the highest phase voltage, for the whole device),
``per_phase`` (each phase's share of the rating at its own voltage) or ``positive_sequence`` (the
curve at the positive-sequence voltage; the simulated source keeps its phases at 120°, so that is
the mean of the magnitudes). The knobs ``volt_watt_wrong_basis`` / ``volt_var_wrong_basis`` make
the device use another basis than the one it declares; ``phase_power_shares`` makes it share its
power unequally over the phases (a current unbalance).
"""

from __future__ import annotations

from typing import Any, Callable, Literal, Sequence, cast

ResponseBasis = Literal["highest_phase", "per_phase", "positive_sequence"]
RESPONSE_BASES: tuple[ResponseBasis, ...] = ("highest_phase", "per_phase", "positive_sequence")


def parse_basis(key: str, value: Any) -> ResponseBasis:
    from simlab.devices.pv_inverter.knobs import SimSettingError

    if value not in RESPONSE_BASES:
        raise SimSettingError(key, f"expected one of {', '.join(RESPONSE_BASES)}, got {value!r}")
    return cast(ResponseBasis, value)


def basis_volts_pct(volts_pct: Sequence[float], basis: ResponseBasis) -> tuple[float, ...]:
    """The voltage (% Un) each phase's share of a voltage law is evaluated at under ``basis``:
    its own (``per_phase``), else the highest phase or the positive sequence for all of them."""
    if basis == "per_phase":
        return tuple(volts_pct)
    v = max(volts_pct) if basis == "highest_phase" else sum(volts_pct) / len(volts_pct)
    return (v,) * len(volts_pct)


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


def volt_watt_targets_pct(volts_pct: Sequence[float], basis: ResponseBasis,
                          curve: Callable[[float], float]) -> tuple[float, ...]:
    """The P(U) curve's value (% of rated power) for each phase under ``basis``; ``curve`` maps a
    voltage in % Un to % of rated power."""
    return tuple(curve(v) for v in basis_volts_pct(volts_pct, basis))


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
