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
from instruments.capabilities import AnalyzerReading, DigitalIO, PowerAnalyzer, PvSimulator


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
        self.dut_link: Any = None
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
            self._open_lab_and_clock()
            self._open_instruments()
            self._open_dut_link()
        except BaseException:
            self.close()
            raise
        return self

    def _open_lab_and_clock(self) -> None:
        cfg = self.config
        if cfg.lab.simulated:
            from bench.sim.lab import LabSpec
            from bench.sim.launcher import SimLabProcess

            device = None
            if self.profile.simulation is not None:
                sim = self.profile.simulation
                device = {"kind": sim["device"], "parameters": sim.get("parameters", {}),
                          "knobs": sim.get("knobs", {}), "map": sim.get("map", {}),
                          "unit_id": self.profile.control_link.get("unit_id", 1),
                          "contact_channels": [self.profile.control_link[k] for k in
                                               ("contact_1_channel", "contact_2_channel")
                                               if k in self.profile.control_link] or None,
                          "nameplate": {**self.profile.identity,
                                        "rated_power_w": self.profile.rated_power_w,
                                        "rated_apparent_power_va": float(self.profile.ratings.get(
                                            "rated_apparent_power_va", self.profile.rated_power_w)),
                                        "nominal_voltage_v": self.profile.nominal_voltage_v,
                                        "nominal_frequency_hz": self.profile.nominal_frequency_hz,
                                        "phase_count": self.profile.phase_count}}
            spec = LabSpec(host=cfg.lab.host, seed=cfg.lab.seed, step_s=cfg.lab.step_s,
                           feeder_resistance_ohm=cfg.lab.feeder_resistance_ohm,
                           feeder_reactance_ohm=cfg.lab.feeder_reactance_ohm, ports=dict(cfg.lab.ports),
                           instruments={role: {"model": inst.model,
                                               "faults": cfg.lab.instrument_faults.get(role, {})}
                                        for role, inst in cfg.instruments.items()},
                           device=device)
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

    def _safe_state_failed(self, exc: BaseException) -> None:
        if self.recorder is not None:
            try:
                self.recorder.write("event", level="error", message=f"could not reach the safe state: {exc!r}")
            except Exception:
                pass

    def _open_dut_link(self) -> None:
        link_cfg = self.profile.control_link
        if link_cfg["protocol"] == "sg_ready_contacts":
            self._open_sg_ready_link(link_cfg)
            return
        if link_cfg["protocol"] != "sunspec_modbus_tcp":
            raise ConfigError(f"unsupported protocol {link_cfg['protocol']!r}", file=self.profile.file,
                              field="links.control.protocol")
        from links.sunspec_modbus import SunSpecLink

        port = link_cfg.get("port")
        if port == "sim":
            port = self.lab.ports["dut"] if self.lab else None
        if port is None:
            raise ConfigError("no port for the DUT link", file=self.profile.file, field="links.control.port")

        def trace(direction: str, text: str) -> None:
            self.recorder.write("command", target="dut", text=text)

        self.dut_link = SunSpecLink(link_cfg.get("host", "127.0.0.1"), int(port),
                                    unit_id=int(link_cfg.get("unit_id", 1)),
                                    timeout_s=float(link_cfg.get("timeout_s", 2.0)), trace=trace)
        self.dut_link.connect()
        self.dut_link.discover()
        identity = self.dut_link.read_identity()
        read = {k: getattr(identity, k) for k in ("manufacturer", "model", "serial_number", "firmware_version")}
        self.recorder.write("dut_identity", declared=self.profile.identity, read=read)

    def _open_sg_ready_link(self, link_cfg: dict[str, Any]) -> None:
        """SG-Ready needs no network link: its "link" is two channels of the digital_io unit."""
        from links.sg_ready_contacts import SgReadyContactsLink, SgReadyState

        if self.digital_io is None:
            raise ConfigError("SG-Ready contacts need a 'digital_io' instrument in the bench config",
                              file=self.config.file, field="instruments.digital_io")
        for key in ("contact_1_channel", "contact_2_channel"):
            if link_cfg[key] not in self.digital_io.channels:
                raise ConfigError(f"channel {link_cfg[key]} is not a contact of the digital_io unit "
                                  f"(it has {len(self.digital_io.channels)} channels)",
                                  file=self.profile.file, field=f"links.control.{key}")

        def trace(direction: str, text: str) -> None:
            self.recorder.write("command", target="dut", text=text)

        self.dut_link = SgReadyContactsLink(self.digital_io, int(link_cfg["contact_1_channel"]),
                                            int(link_cfg["contact_2_channel"]), trace=trace)
        self.dut_link.set_state(SgReadyState.NORMAL)
        self.recorder.write("dut_identity", declared=self.profile.identity, read=None)

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
        for closer in [getattr(self.dut_link, "close", None)] + [i.close for i in self._raw_instruments]:
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


def _dut_fields(dut: Any) -> dict[str, Any]:
    if hasattr(dut, "__dataclass_fields__"):
        from dataclasses import asdict

        out = asdict(dut)
        return {k: (v.value if hasattr(v, "value") else v) for k, v in out.items()}
    return {"value": repr(dut)}


