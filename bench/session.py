"""A bench session: opens the lab (when simulated), instruments, DUT link, safety guard, recorder
and clock, and closes all of them on every exit path with the AC source in its safe state."""

from __future__ import annotations

import hashlib
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import __version__
from bench.clock import BenchClock, VirtualClock, WallClock
from bench.config import BenchConfig, DeviceProfile
from bench.errors import BenchError, ConfigError, SafetyLimitError
from bench.recorder import RECORD_FORMAT, Recorder
from bench.safety import GuardedAcSource, SafeStateGuard, guard_ac_source
from instruments.capabilities import (AcLoad, AnalyzerReading, DigitalIO, EvEmulator, PowerAnalyzer,
                                     PvSimulator)


@dataclass(frozen=True)
class Sample:
    """One recorder tick: analyzer reading at bench time t_s, plus DUT readings when taken."""

    t_s: float
    reading: AnalyzerReading
    dut: Any | None = None


def software_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).resolve().parent,
                             capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


ORDER_FILE = "order.json"


def read_order(out_dir: Path) -> dict[str, Any] | None:
    """The test order ``flexbench run --customer/--received`` leaves in the output folder
    (``order.json``: customer, received, reference): recorded in ``campaign_start.order`` for the
    report (ISO/IEC 17025 7.8.2.1 d) customer, h) date of receipt). None when there is none."""
    import json

    path = out_dir / ORDER_FILE
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"unreadable test order: {exc}", file=path) from None
    if not isinstance(data, dict):
        raise ConfigError("a test order is a JSON object", file=path)
    return {k: (None if data.get(k) is None else str(data[k])) for k in ("customer", "received", "reference")}


@dataclass
class BenchSession:
    config: BenchConfig
    profile: DeviceProfile
    out_dir: Path
    market: str
    decision_rule: str
    catalog_requirements: list[dict[str, Any]] = field(default_factory=list)
    catalog_name: str = ""
    catalog_version: str = ""

    def __post_init__(self) -> None:
        self.lab = None
        self.clock: BenchClock | None = None
        self.recorder: Recorder | None = None
        self.ac_source: GuardedAcSource | None = None
        self.power_analyzer: PowerAnalyzer | None = None
        self.pv_simulator: PvSimulator | None = None
        self.digital_io: DigitalIO | None = None
        self.ev_emulator: EvEmulator | None = None
        self.ac_load: AcLoad | None = None
        self.dut_link: Any = None                      # = dut_links["control"]
        self.dut_links: dict[str, Any] = {}
        self._link_openers: dict[str, Any] = {}
        self.samples: list[Sample] = []
        self._guard: SafeStateGuard | None = None
        self._raw_instruments: list[Any] = []
        self._last_dut_sample_s = -1e9
        self.broken: BaseException | None = None   # set after a bench error that ends the campaign

    # ------------------------------------------------------------------------------------------
    @property
    def simulated(self) -> bool:
        return self.config.lab.simulated

    def now_s(self) -> float:
        return self.clock.now_s() if self.clock else 0.0

    def open(self) -> "BenchSession":
        self.out_dir.mkdir(parents=True, exist_ok=True)
        record_path = self.out_dir / "record.jsonl"
        if record_path.exists():
            record_path.unlink()   # a new campaign starts a new record
        self.recorder = Recorder(record_path, self.now_s)
        campaign_id = hashlib.sha256(
            f"{self.profile.file}|{self.config.file}|{self.market}|{record_path.resolve()}".encode()).hexdigest()[:16]
        self.recorder.write(
            "campaign_start", format=RECORD_FORMAT, campaign_id=campaign_id,
            software={"name": "flexbench", "version": __version__, "commit": software_commit()},
            bench={"file": str(self.config.file), "name": self.config.name, "config": self.config.raw},
            profile={"file": str(self.profile.file), "config": self.profile.raw},
            market=self.market,
            catalog={"name": self.catalog_name, "version": self.catalog_version,
                     "requirements": self.catalog_requirements},
            clock={"mode": "virtual" if self.simulated else "wall",
                   "start_calendar": self.config.start_calendar,
                   "sample_period_s": self.config.sample_period_s},
            simulated=self.simulated or self.profile.simulation is not None,
            decision_rule=self.decision_rule,
            laboratory=self.config.laboratory.as_record() if self.config.laboratory else None,
            order=read_order(self.out_dir),
            dut_condition=self.profile.raw.get("device", {}).get("condition"),
            catalog_overrides=dict(getattr(getattr(self, "catalog", None), "overrides", None)
                                   or self.config.catalog_overrides))
        try:
            runtime = self._prepare_dut_links()
            self._open_lab_and_clock(runtime)
            self._open_instruments()
            self._open_dut_links()
        except BaseException as exc:
            # the record still ends with a campaign_end saying why nothing could be tested
            error = f"{type(exc).__name__}: {exc}"
            try:
                self.recorder.write("event", level="error", message=f"bench could not be opened: {error}")
            except Exception:
                pass
            self.close(campaign_end={"verdict": "INCONCLUSIVE", "counts": {}, "bench_time_s": self.now_s(),
                                     "error": error})
            raise
        return self

    def _prepare_dut_links(self) -> dict[str, dict[str, Any]]:
        """Build every declared link's opener and run its ``before_lab`` (servers the DUT dials)."""
        from links.openers import opener_class

        runtime: dict[str, dict[str, Any]] = {}
        for name, cfg in self.profile.links.items():
            opener = opener_class(cfg["protocol"])(self, name, cfg)
            self._link_openers[name] = opener
            runtime[name] = {**cfg, **(opener.before_lab() or {})}
        return runtime

    def _open_lab_and_clock(self, links_runtime: dict[str, dict[str, Any]] | None = None) -> None:
        cfg = self.config
        if cfg.lab.simulated:
            from simlab.lab import LabSpec
            from simlab.launcher import SimLabProcess

            device = device_spec(self.profile, links_runtime or {})
            spec = LabSpec(host=cfg.lab.host, seed=cfg.lab.seed, step_s=cfg.lab.step_s,
                           feeder_resistance_ohm=cfg.lab.feeder_resistance_ohm,
                           feeder_reactance_ohm=cfg.lab.feeder_reactance_ohm, ports=dict(cfg.lab.ports),
                           instruments={role: {"model": inst.model,
                                               "faults": cfg.lab.instrument_faults.get(role, {})}
                                        for role, inst in cfg.instruments.items()},
                           device=device, start_calendar=cfg.start_calendar)
            try:
                self.lab = SimLabProcess(spec, config_file=str(self.profile.file))
            except ConfigError as exc:
                raise self.profile.doc.error(exc.field or "simulation", exc.detail) from None
            self.clock = VirtualClock(self.lab.advance_to, sample_period_s=cfg.sample_period_s,
                                      start_calendar=cfg.start_calendar)
            self.recorder.write("event", level="info",
                                message=f"simulated lab started (pid {self.lab.pid}, ports {self.lab.ports})")
        else:
            self.clock = WallClock(sample_period_s=cfg.sample_period_s)
        self.clock.add_sampler(self._sample)

    def _resource(self, role: str, resource: str) -> str:
        if "{port}" in resource:
            if self.lab is None or role not in self.lab.ports:
                raise ConfigError("resource has '{port}' but no simulated instrument serves this role",
                                  file=self.config.file, field=f"instruments.{role}.resource")
            return resource.replace("{port}", str(self.lab.ports[role]))
        return resource

    def _open_instruments(self) -> None:
        from instruments.registry import open_instrument

        for role, inst in self.config.instruments.items():
            resource = self._resource(role, inst.resource)

            def trace(direction: str, text: str, _role: str = role) -> None:
                if direction == "out":
                    self.recorder.write("command", target=_role, text=text)
                elif direction == "event":   # transport events: link lost, reconnected, retried
                    self.recorder.write("event", level="warning", message=f"{_role}: {text}")

            driver = open_instrument(inst.model, resource, name=role, timeout_ms=inst.timeout_ms, trace=trace)
            self._raw_instruments.append(driver)
            idn = driver.identify()
            driver.check_errors()
            self.recorder.write("instrument", role=role, model=inst.model, resource=resource, idn=idn,
                                calibration_due=inst.calibration_due, simulated=self.simulated)
            if role == "ac_source":
                self.ac_source = guard_ac_source(driver, self.config.safety)
                self._guard = SafeStateGuard(self.ac_source.go_safe, self._safe_state_failed)
                self.ac_source.go_safe()
            elif role == "power_analyzer":
                self.power_analyzer = driver
            elif role == "pv_simulator":
                self.pv_simulator = driver
            elif role == "digital_io":
                self.digital_io = driver
            elif role == "ev_emulator":
                self.ev_emulator = driver
            elif role == "ac_load":
                self.ac_load = driver

    def _safe_state_failed(self, exc: BaseException) -> None:
        if self.recorder is not None:
            try:
                self.recorder.write("event", level="error", message=f"could not reach the safe state: {exc!r}")
            except Exception:
                pass

    def _open_dut_links(self) -> None:
        """Open every declared link (control first); ``dut_link`` is the control link."""
        for name in sorted(self._link_openers, key=lambda n: (n != "control", n)):
            self.dut_links[name] = self._link_openers[name].open()
        self.dut_link = self.dut_links.get("control")

    # ------------------------------------------------------------------------------------------
    def _sample(self, t_s: float) -> None:
        reading = self.power_analyzer.read()
        dut = None
        if hasattr(self.dut_link, "read_ac") and t_s - self._last_dut_sample_s >= self.config.dut_sample_period_s - 1e-9:
            dut = self.dut_link.read_ac()
            self._last_dut_sample_s = t_s
        self.samples.append(Sample(t_s, reading, dut))
        fields: dict[str, Any] = {
            "phases": [[p.voltage_v, p.current_a, p.active_power_w, p.reactive_power_var,
                        p.apparent_power_va, p.power_factor] for p in reading.phases],
            "frequency_hz": reading.frequency_hz, "active_power_w": reading.active_power_w}
        if dut is not None:
            fields["dut"] = _dut_fields(dut)
        self.recorder.write("sample", **fields)
        worst_a = max(p.current_a for p in reading.phases)
        if worst_a > self.config.safety.current_max_a:
            self.ac_source.go_safe()
            raise SafetyLimitError(f"measured current {worst_a:.2f} A above the bench limit "
                                   f"{self.config.safety.current_max_a:g} A: source switched to its safe state")

    def samples_since(self, t0_s: float) -> list[Sample]:
        return [s for s in self.samples if s.t_s >= t0_s - 1e-9]

    def step(self, nodeid: str, text: str) -> None:
        self.recorder.write("step", nodeid=nodeid, text=text)

    def make_safe(self) -> None:
        """Send the AC source to its safe state (once per session; failures are recorded)."""
        if self._guard is not None:
            self._guard.make_safe()

    def close(self, campaign_end: dict[str, Any] | None = None) -> None:
        """Safe state first, then links, instruments, lab; ``campaign_end`` is the record's last
        line. Never raises."""
        errors: list[str] = []
        if self._guard is not None:
            self._guard.release()
        for closer in [o.close for o in self._link_openers.values()] + [i.close for i in self._raw_instruments]:
            if closer is None:
                continue
            try:
                closer()
            except Exception as exc:
                errors.append(repr(exc))
        if self.lab is not None:
            self.lab.stop()
        if self.recorder is not None:
            for err in errors:
                self.recorder.write("event", level="warning", message=f"while closing: {err}")
            if campaign_end is not None:
                self.recorder.write("campaign_end", **campaign_end)
            self.recorder.close()


def device_spec(profile: DeviceProfile, links_runtime: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """The lab spec's ``device`` entry of a simulated DUT (None for a real one): kind, parameters,
    knobs, nameplate, and every link's settings merged with the runtime info of its opener."""
    if profile.simulation is None:
        return None
    sim = profile.simulation
    link = profile.control_link
    channels = [link[k] for k in ("contact_1_channel", "contact_2_channel") if k in link]
    for other in profile.links.values():   # SG-Ready contacts beside another control link
        if other.get("protocol") == "sg_ready_contacts" and not channels:
            channels = [other["contact_1_channel"], other["contact_2_channel"]]
    return {"kind": sim["device"], "parameters": sim.get("parameters", {}), "knobs": sim.get("knobs", {}),
            "map": sim.get("map", {}), "unit_id": link.get("unit_id", 1), "contact_channels": channels or None,
            "links": links_runtime or {name: dict(cfg) for name, cfg in profile.links.items()},
            "nameplate": {**profile.identity, "rated_power_w": profile.rated_power_w,
                          "rated_apparent_power_va": float(profile.ratings.get(
                              "rated_apparent_power_va", profile.rated_power_w)),
                          "nominal_voltage_v": profile.nominal_voltage_v,
                          "nominal_frequency_hz": profile.nominal_frequency_hz,
                          "phase_count": profile.phase_count}}


def _dut_fields(dut: Any) -> dict[str, Any]:
    if hasattr(dut, "__dataclass_fields__"):
        from dataclasses import asdict

        out = asdict(dut)
        return {k: (v.value if hasattr(v, "value") else v) for k, v in out.items()}
    return {"value": repr(dut)}


