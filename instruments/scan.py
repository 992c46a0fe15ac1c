"""``flexbench instruments scan``: find instruments, recognise them, propose a bench config.

1. Resources: what pyvisa-py's ``ResourceManager('@py').list_resources()`` finds (serial ports,
   VXI-11 instruments answering a broadcast, USBTMC/GPIB when their backends are installed), plus
   resources given explicitly (a raw ``SOCKET`` port cannot be discovered), plus, with ``--sim``,
   the ports of a simulated lab started for the scan.
2. Each resource is asked ``*IDN?`` through a :class:`~instruments.transport.ReadOnlyTransport`
   (nothing but queries reaches the instrument) and recognised with
   :func:`instruments.identify.model_key_for_idn`.
3. Recognised instruments are given bench roles by the capability their driver fills
   (:data:`CAPABILITY_ROLES`), and a ``flexbench-bench/1`` config is proposed with conservative
   safety limits and a comment asking for review.

Instruments of a simulated lab are proposed the way ``bench/configs/simulated.yaml`` names them:
``lab.simulated: true`` and ``resource: "TCPIP::127.0.0.1::{port}::SOCKET"``, because the lab
picks free ports each time it starts; the ports seen during the scan would be stale by the next
run. Real instruments keep the resource string they were found at.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bench.errors import FlexbenchError

from instruments.identify import model_key_for_idn

if TYPE_CHECKING:
    from bench.config import BenchConfig
    from simlab import SimLabProcess

__all__ = ["ScanResult", "CAPABILITY_ROLES", "role_for_model", "discover_resources", "ask_idn",
           "scan_resources", "assign_roles", "propose_bench_yaml", "bench_roles"]


@dataclass
class ScanResult:
    """What one resource answered."""

    resource: str
    idn: str | None = None
    model_key: str | None = None
    error: str | None = None
    simulated: bool = False
    """Found on the simulated lab started by ``--sim``."""
    role: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"resource": self.resource, "idn": self.idn, "model": self.model_key,
                "role": self.role, "simulated": self.simulated, "error": self.error}


CAPABILITY_ROLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ac_source", ("set_voltage_v", "set_frequency_hz", "output_is_on")),         # AcSource
    ("power_analyzer", ("read",)),                                                 # PowerAnalyzer
    ("pv_simulator", ("set_iv_curve", "max_power_w")),                             # PvSimulator
    ("ac_load", ("set_load", "load_is_on")),                                       # AcLoad
    ("rlc_load", ("set_inductive_current_a", "set_capacitive_current_a")),         # RlcLoad
    ("switch", ("all_open", "output_state")),                                      # DigitalIO
    ("ev_emulator", ("read_pilot", "read_draw")),                                  # EvEmulator
)
"""Bench role <- the capability's distinguishing methods (``instruments.capabilities``)."""


def role_for_model(model_key: str) -> str | None:
    """The bench role a registered driver's capability fills, or None."""
    from instruments.registry import DRIVERS

    if model_key not in DRIVERS:
        return None
    driver = DRIVERS.get(model_key)
    for role, methods in CAPABILITY_ROLES:
        if all(callable(getattr(driver, method, None)) for method in methods):
            return role
    return None


def bench_roles() -> tuple[str, ...]:
    """The instrument roles the bench config format accepts (from its schema)."""
    from bench.config import _schema

    return tuple(_schema("bench-1.schema.json")["properties"]["instruments"]["properties"])


def discover_resources() -> tuple[list[str], list[str]]:
    """``(resources, notes)``: every ``::INSTR`` resource pyvisa-py lists; ``notes`` carries its
    warnings (e.g. a discovery that needs ``psutil`` or ``zeroconf``)."""
    import pyvisa

    notes: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        manager = pyvisa.ResourceManager("@py")
        try:
            found = manager.list_resources("?*::INSTR")
        except pyvisa.errors.VisaIOError as exc:
            found = ()
            notes.append(f"resource listing failed: {exc}")
        finally:
            manager.close()
    notes.extend(str(w.message) for w in caught)
    return list(found), notes


def ask_idn(resource: str, *, timeout_ms: int) -> ScanResult:
    """Open ``resource`` read-only (no reconnection), ask ``*IDN?``, recognise the model."""
    from instruments.transport import NO_RECONNECT, ReadOnlyTransport, VisaTransport

    result = ScanResult(resource)
    try:
        transport = ReadOnlyTransport(VisaTransport(resource, timeout_ms=timeout_ms,
                                                    reconnect=NO_RECONNECT))
    except FlexbenchError as exc:
        result.error = str(exc)
        return result
    try:
        result.idn = transport.query("*IDN?")
        result.model_key = model_key_for_idn(result.idn)
        if result.model_key is None:
            result.error = "no driver recognises this *IDN? answer"
    except FlexbenchError as exc:
        result.error = str(exc)
    except ValueError as exc:
        result.error = str(exc)
    finally:
        transport.close()
    return result


def scan_resources(resources: Iterable[str], *, timeout_ms: int,
                   simulated: Iterable[str] = ()) -> list[ScanResult]:
    """Ask every resource (duplicates once) for its identity."""
    simulated_set = set(simulated)
    results: list[ScanResult] = []
    seen: set[str] = set()
    for resource in resources:
        if resource in seen:
            continue
        seen.add(resource)
        result = ask_idn(resource, timeout_ms=timeout_ms)
        result.simulated = resource in simulated_set
        results.append(result)
    return results


def assign_roles(results: list[ScanResult], *, simulated_lab: bool) -> list[str]:
    """Give the first recognised instrument of each capability its role (in scan order);
    return notes on instruments left without a role. With ``simulated_lab`` only the lab's
    instruments are placed (a proposal is either a simulated or a real bench)."""
    allowed = set(bench_roles())
    taken: set[str] = set()
    notes: list[str] = []
    for result in results:
        if result.model_key is None:
            continue
        if simulated_lab and not result.simulated:
            notes.append(f"{result.resource} ({result.model_key}): real instrument left out of a "
                         "simulated-lab proposal")
            continue
        role = role_for_model(result.model_key)
        if role is None:
            notes.append(f"{result.resource} ({result.model_key}): its driver fills no known capability")
        elif role not in allowed:
            notes.append(f"{result.resource} ({result.model_key}): role '{role}' is not in the bench "
                         f"format yet (roles: {', '.join(sorted(allowed))})")
        elif role in taken:
            notes.append(f"{result.resource} ({result.model_key}): a second {role}; only the first is used")
        else:
            result.role = role
            taken.add(role)
    return notes


def _q(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid YAML scalar


def propose_bench_yaml(results: list[ScanResult], *, simulated_lab: bool, timeout_ms: int = 2000,
                       notes: Iterable[str] = ()) -> str:
    """A ``flexbench-bench/1`` document for the instruments that got a role."""
    placed = [r for r in results if r.role is not None]
    lines = [
        "# Proposed by `flexbench instruments scan`: REVIEW BEFORE USE.",
        "# Check every model and resource, fill in calibration_due from the calibration certificates,",
        "# and set the safety limits to what your bench wiring and the DUT tolerate",
        "# (docs/hardware-first-connection.md).",
        "format: flexbench-bench/1",
        f"name: {_q('proposed simulated lab' if simulated_lab else 'proposed bench')}",
        "lab:",
        f"  simulated: {'true' if simulated_lab else 'false'}",
    ]
    if simulated_lab:
        lines += ["  host: 127.0.0.1",
                  "  # the simulated lab picks its ports when it starts: resources say {port}"]
    lines.append("instruments:")
    for result in placed:
        resource = "TCPIP::127.0.0.1::{port}::SOCKET" if result.simulated else result.resource
        lines += [f"  {result.role}:",
                  f"    model: {result.model_key}",
                  f"    resource: {_q(resource)}",
                  f"    timeout_ms: {int(timeout_ms)}",
                  f"    # *IDN?: {result.idn}",
                  "    # calibration_due: \"YYYY-MM-DD\"   <- from the calibration certificate"]
    lines += [
        "safety:                     # CONSERVATIVE defaults: review each one for your bench and DUT",
        "  voltage_max_v: 253.0      # 230 V + 10 %; over-voltage trip suites need more (e.g. 276 V = 1.2 Un)",
        "  voltage_min_v: 0.0",
        "  current_max_a: 16.0       # the wiring's and the DUT's rating, whichever is lower",
        "  frequency_min_hz: 47.5    # widen for under-frequency trip tests",
        "  frequency_max_hz: 52.5    # widen for over-frequency trip tests",
        "  voltage_slew_max_v_per_s: 1000.0",
        "  safe_state:",
        "    output: \"off\"",
        "    voltage_v: 0.0",
        "    frequency_hz: 50.0",
        "market: NL                  # NL or DE: the market parameter set of the catalog",
        "decision_rule: guard_band",
    ]
    leftovers = [f"# {r.resource}: {r.idn or '-'} ({r.error or 'no role'})"
                 for r in results if r.role is None]
    extra = [f"# note: {n}" for n in notes]
    if leftovers or extra:
        lines += ["", "# Found but not placed:"] + leftovers + extra
    return "\n".join(lines) + "\n"


@dataclass
class SimLabScan:
    """The simulated lab started for ``scan --sim``: its SOCKET resources, stopped on exit."""

    bench: str | None = None
    resources: list[str] = field(default_factory=list)
    _lab: SimLabProcess | None = None

    def __enter__(self) -> "SimLabScan":
        from bench.config import load_bench_config

        config = load_bench_config(self.bench)
        self._lab = start_sim_lab(config)
        self.resources = [f"TCPIP::{config.lab.host}::{self._lab.ports[role]}::SOCKET"
                          for role in config.instruments if role in self._lab.ports]
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._lab is not None:
            self._lab.stop()


def start_sim_lab(config: BenchConfig) -> SimLabProcess:
    """Start the simulated lab of a bench config with its instruments only (no device)."""
    from simlab import LabSpec, SimLabProcess

    return SimLabProcess(LabSpec.from_config(config), config_file=str(config.file))
