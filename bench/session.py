"""A bench session: opens the lab (when simulated), instruments, DUT links, safety guard, recorder
and clock, and closes all of them on every exit path with the AC source in its safe state.

``BenchSession(...).open()`` returns an :class:`OpenBench`, whose parts are all there (only the
lab, on hardware, and the instruments a bench may lack are None).
"""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from bench import __version__
from bench.catalog import Catalog
from bench.clock import BenchClock, ClockMode, VirtualClock, WallClock, choose_clock_mode
from bench.config import BenchConfig, DeviceProfile
from bench.errors import BenchError, ConfigError, SafetyLimitError
from bench.recorder import RECORD_FORMAT, Recorder
from bench.redaction import redact_secrets
from bench.safety import GuardedAcSource, SafeStateGuard, guard_ac_source
from instruments.capabilities import (AcLoad, AcSource, AnalyzerAcquisition, AnalyzerReading, DigitalIO,
                                     EvEmulator, Instrument, PowerAnalyzer, PvSimulator, RlcLoad,
                                     SmartMeterP1)

if TYPE_CHECKING:
    from bench.places import PlaceHold
    from links.openers import LinkOpener
    from simlab import SimLabProcess


@dataclass(frozen=True)
class Sample:
    """One analyzer reading at bench time t_s (a clock tick, or the instrument's own timestamp of
    an acquired reading). The DUT's own readings are read over its link by the checks that use
    them, not sampled here."""

    t_s: float
    reading: AnalyzerReading


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
class LinkContext:
    """The bench as a DUT link opener sees it while the bench opens (links/openers.py): config,
    profile, output folder, recorder and clock mode from the start; the lab (None on hardware), the
    clock and the digital_io unit once they are up (None before)."""

    config: BenchConfig
    profile: DeviceProfile
    out_dir: Path
    clock_mode: ClockMode = "virtual"
    recorder: Recorder = field(init=False)
    lab: SimLabProcess | None = None
    clock: BenchClock | None = None
    digital_io: DigitalIO | None = None

    @property
    def simulated(self) -> bool:
        return self.config.lab.simulated

    def now_s(self) -> float:
        """Bench time (0 until the clock exists)."""
        return self.clock.now_s() if self.clock is not None else 0.0


class _Teardown:
    """What the bench has opened so far, closed in the safe order: safe state, links, instruments,
    lab, the labgrid place, then the record's last lines."""

    def __init__(self, recorder: Recorder, place: PlaceHold | None = None) -> None:
        self.recorder = recorder
        self.place = place
        self.guard: SafeStateGuard | None = None
        self.openers: list[LinkOpener] = []
        self.instruments: list[Instrument] = []
        self.lab: SimLabProcess | None = None

    def safe_state_failed(self, exc: BaseException) -> None:
        try:
            self.recorder.write("event", level="error", message=f"could not reach the safe state: {exc!r}")
        except Exception:  # noqa: BLE001 - safety path: a failing record write must not mask the safe-state failure
            pass

    def close(self, campaign_end: dict[str, Any] | None) -> None:
        """Never raises; ``campaign_end`` is the record's last line."""
        errors: list[str] = []
        if self.guard is not None:
            self.guard.release()
        # an analyzer left storing would keep filling its memory after the campaign: stop it first
        stoppers = [i.stop_acquisition for i in self.instruments if isinstance(i, AnalyzerAcquisition)]
        closers: list[Callable[[], None]] = ([o.close for o in self.openers] + stoppers
                                             + [i.close for i in self.instruments])
        for closer in closers:
            try:
                closer()
            except Exception as exc:  # noqa: BLE001 - close() never raises: every closer runs, failures are recorded
                errors.append(repr(exc))
        if self.lab is not None:
            self.lab.stop()
        for err in errors:
            self.recorder.write("event", level="warning", message=f"while closing: {err}")
        if self.place is not None:   # after the instruments: nobody else may drive them before
            try:
                self.place.release()     # its "released" line goes into the record
            except Exception as exc:  # noqa: BLE001 - close() never raises; the coordinator expires the hold
                self.recorder.write("event", level="warning", message=f"while releasing the place: {exc!r}")
            self.place.attach(None)
        if campaign_end is not None:
            self.recorder.write("campaign_end", **campaign_end)
        self.recorder.close()


_Capability = TypeVar("_Capability")


def _required(instrument: _Capability | None, role: str, config: BenchConfig) -> _Capability:
    if instrument is None:
        raise ConfigError(f"this needs a '{role}' instrument, and the bench config has none",
                          file=config.file, field=f"instruments.{role}")
    return instrument


@dataclass
class OpenBench:
    """An opened bench: what the fixtures hand to the suites. ``close`` ends the campaign."""

    config: BenchConfig
    profile: DeviceProfile
    out_dir: Path
    market: str
    decision_rule: str
    catalog: Catalog
    catalog_requirements: list[dict[str, Any]]     # the catalog's requirements for the market, as recorded
    recorder: Recorder
    clock: BenchClock
    lab: SimLabProcess | None                       # None: the bench drives real instruments
    ac_source: GuardedAcSource
    power_analyzer: PowerAnalyzer
    pv_simulator: PvSimulator | None
    digital_io: DigitalIO | None
    ev_emulator: EvEmulator | None
    ac_load: AcLoad | None
    dut_links: dict[str, Any]                       # every declared link by name; "control" first
    _guard: SafeStateGuard = field(repr=False)
    _teardown: _Teardown = field(repr=False)
    samples: list[Sample] = field(default_factory=list)
    household_load: RlcLoad | None = None           # beside the DUT at the connection point (docs/p1-meter.md)
    p1_meter: SmartMeterP1 | None = None            # the smart meter's P1 port at the connection point
    broken: BaseException | None = None             # set after a bench error that ends the campaign

    @property
    def simulated(self) -> bool:
        return self.config.lab.simulated

    @property
    def dut_link(self) -> Any:
        """The control link (``dut_links["control"]``)."""
        return self.dut_links["control"]

    def require_pv_simulator(self) -> PvSimulator:
        return _required(self.pv_simulator, "pv_simulator", self.config)

    def require_digital_io(self) -> DigitalIO:
        return _required(self.digital_io, "digital_io", self.config)

    def require_ev_emulator(self) -> EvEmulator:
        return _required(self.ev_emulator, "ev_emulator", self.config)

    def require_ac_load(self) -> AcLoad:
        return _required(self.ac_load, "ac_load", self.config)

    def require_household_load(self) -> RlcLoad:
        return _required(self.household_load, "household_load", self.config)

    def require_p1_meter(self) -> SmartMeterP1:
        return _required(self.p1_meter, "p1_meter", self.config)

    def now_s(self) -> float:
        return self.clock.now_s()

    def sample(self, t_s: float) -> None:
        """The clock's sampler: read the analyzer, record the reading, and refuse a current above
        the bench limit."""
        self._record_reading(t_s, self.power_analyzer.read())
        self._check_current(self.samples[-1])

    # the clock's BlockSampler (bench/clock.py): the analyzer's own acquisition, when it has one
    def acquisition_supports(self, period_s: float) -> bool:
        analyzer = self.power_analyzer
        return isinstance(analyzer, AnalyzerAcquisition) and period_s >= analyzer.min_acquisition_interval_s - 1e-12

    def start_acquisition(self, period_s: float) -> None:
        analyzer = cast(AnalyzerAcquisition, self.power_analyzer)
        analyzer.start_acquisition(period_s)
        if not self.clock.virtual:
            self._record_time_base(analyzer)

    def _record_time_base(self, analyzer: AnalyzerAcquisition) -> None:
        """On real time, record how instrument timestamps map to bench time: measured by the
        driver's ``measure_time_offset(now_s)`` (instrument time query against bench time; returns
        offset and uncertainty, the query's round trip) when it has one, else its declared
        ``instrument_time_offset_s``."""
        measure = getattr(analyzer, "measure_time_offset", None)
        if measure is not None:
            offset_s, uncertainty_s = measure(self.clock.now_s)
            how = f"measured at acquisition start, uncertainty {uncertainty_s:.6f} s (query round trip)"
        else:
            offset_s = float(getattr(analyzer, "instrument_time_offset_s", 0.0))
            how = ("declared by the driver, not measured" + (": the simulated lab's time axis starts at "
                                                             "bench time 0" if self.lab is not None else ""))
        self.recorder.write("event", level="info",
                            message=f"analyzer time base: instrument time - bench time = {offset_s:.6f} s ({how})")

    def stop_acquisition(self) -> None:
        cast(AnalyzerAcquisition, self.power_analyzer).stop_acquisition()

    def collect_acquired(self) -> None:
        """Record every reading the analyzer acquired since the last call (instrument timestamps),
        then refuse a current above the bench limit in any of them."""
        acquired = cast(AnalyzerAcquisition, self.power_analyzer).read_acquired()
        first = len(self.samples)
        for item in acquired:
            self._record_reading(item.t_s, item.reading)
        for sample in self.samples[first:]:
            self._check_current(sample)

    def _record_reading(self, t_s: float, reading: AnalyzerReading) -> None:
        self.samples.append(Sample(t_s, reading))
        self.recorder.write("sample", t_s=round(t_s, 6), **_sample_fields(reading))

    def record_captured(self, samples: Any, *, source: str) -> None:
        """Record readings the analyzer acquired in a triggered capture (``AcquiredSample``) as
        ``sample`` lines at their instrument instants, marked ``source``; they are judged by the suite
        from the capture itself, so they do not join :attr:`samples`."""
        for sample in samples:
            self.recorder.write("sample", t_s=round(sample.t_s, 6), source=source, **_sample_fields(sample.reading))

    def _check_current(self, sample: Sample) -> None:
        worst_a = max(p.current_a for p in sample.reading.phases)
        if worst_a > self.config.safety.current_max_a:
            self.ac_source.go_safe()
            raise SafetyLimitError(f"measured current {worst_a:.2f} A at {sample.t_s:g} s above the bench limit "
                                   f"{self.config.safety.current_max_a:g} A: source switched to its safe state")

    def samples_since(self, t0_s: float) -> list[Sample]:
        return [s for s in self.samples if s.t_s >= t0_s - 1e-9]

    def step(self, nodeid: str, text: str) -> None:
        self.recorder.write("step", nodeid=nodeid, text=text)

    def make_safe(self) -> None:
        """Send the AC source to its safe state (once per session; failures are recorded)."""
        self._guard.make_safe()

    def close(self, campaign_end: dict[str, Any] | None = None) -> None:
        """Safe state first, then links, instruments, lab; ``campaign_end`` is the record's last
        line. Never raises."""
        self._teardown.close(campaign_end)


def _sample_fields(reading: AnalyzerReading) -> dict[str, Any]:
    """The fields of a ``sample`` record line (docs/record-format.md)."""
    return {"phases": [[p.voltage_v, p.current_a, p.active_power_w, p.reactive_power_var, p.apparent_power_va,
                        p.power_factor] for p in reading.phases],
            "frequency_hz": reading.frequency_hz, "active_power_w": reading.active_power_w}


@dataclass
class BenchSession:
    """What to open: the validated bench config and device profile, the output folder, the market,
    the decision rule, the requirement catalog and the clock asked for (``--clock``; None: the
    default of :func:`bench.clock.choose_clock_mode`). :meth:`open` opens it."""

    config: BenchConfig
    profile: DeviceProfile
    out_dir: Path
    market: str
    decision_rule: str
    catalog: Catalog
    clock: str | None = None

    @property
    def simulated(self) -> bool:
        return self.config.lab.simulated

    @property
    def device_simulated(self) -> bool:
        """The device under test is the lab's (the profile has a ``simulation`` section)."""
        return self.profile.simulation is not None

    @property
    def clock_mode(self) -> ClockMode:
        """The clock this session runs on (ConfigError naming ``--clock`` when it cannot be)."""
        try:
            return choose_clock_mode(self.clock, device_simulated=self.device_simulated, lab_simulated=self.simulated)
        except ValueError as exc:
            raise ConfigError(str(exc), file=self.config.file, field="clock") from None

    @staticmethod
    def _record_sealer() -> Any:
        """The record's head is signed at campaign_end with the key the report will be signed with
        (the lab key of ``FLEXBENCH_LAB_KEY``, else this user's development key)."""
        from reports.integrity import load_signing_key, record_sealer

        return record_sealer(load_signing_key())

    def open(self) -> OpenBench:
        """Start the record, the DUT links' servers, the lab and clock, the instruments and the
        links. On any failure, close what was opened and end the record with a campaign_end
        saying why nothing could be tested, then raise."""
        self.out_dir.mkdir(parents=True, exist_ok=True)
        record_path = self.out_dir / "record.jsonl"
        if record_path.exists():
            record_path.unlink()   # a new campaign starts a new record
        context = LinkContext(self.config, self.profile, self.out_dir, clock_mode=self.clock_mode)
        place = self._hold_place()   # before the clock starts and anything opens: waiting is no bench time
        try:
            return self._open(context, record_path, place)
        except BaseException:
            if place is not None:
                place.release()      # its events are in the record when it was started
            raise

    def _hold_place(self) -> PlaceHold | None:
        """The labgrid place of the bench config, held for this campaign (``flexbench run`` holds it
        already: bench.places.hold_place returns that hold); None when the bench names none."""
        if self.config.place is None:
            return None
        from bench.places import hold_place

        return hold_place(self.config.place, self.config.name)

    def _open(self, context: LinkContext, record_path: Path, place: PlaceHold | None) -> OpenBench:
        # a wall clock starts now, with the real calendar; a virtual one when the lab is up
        wall = context.clock = WallClock(sample_period_s=self.config.sample_period_s) \
            if context.clock_mode == "wall" else None
        start_calendar = wall.start_calendar.isoformat() if wall is not None else self.config.start_calendar
        context.recorder = recorder = Recorder(record_path, context.now_s, sealer=self._record_sealer())
        catalog_requirements = self.catalog.for_market(self.market)
        self._write_campaign_start(recorder, record_path, catalog_requirements, context.clock_mode, start_calendar)
        teardown = _Teardown(recorder, place)
        if place is not None:
            from bench.places import RECORD_KIND

            place.attach(lambda event: recorder.write(RECORD_KIND, **event))
        try:
            openers, links_runtime = self._prepare_dut_links(context, teardown)
            context.lab, clock = self._open_lab_and_clock(recorder, links_runtime, wall)
            teardown.lab, context.clock = context.lab, clock
            bench = self._open_instruments(context.lab, clock, recorder, teardown, catalog_requirements)
            context.digital_io = bench.digital_io
            if place is not None:
                place.on_lost(lambda why: setattr(bench, "broken", bench.broken or BenchError(why)))
            clock.add_sampler(bench.sample)
            if isinstance(clock, (VirtualClock, WallClock)) and isinstance(bench.power_analyzer, AnalyzerAcquisition) \
                    and self.config.acquisition:    # clock.acquisition: false forces tick-by-tick polling
                clock.use_block_sampler(bench)
            for name in sorted(openers, key=lambda n: (n != "control", n)):   # control first
                bench.dut_links[name] = openers[name].open()
        except BaseException as exc:
            # the record still ends with a campaign_end saying why nothing could be tested
            error = f"{type(exc).__name__}: {exc}"
            try:
                recorder.write("event", level="error", message=f"bench could not be opened: {error}")
            except Exception:  # noqa: BLE001 - the original opening error is re-raised below, not this one
                pass
            teardown.close(campaign_end={"verdict": "INCONCLUSIVE", "counts": {}, "bench_time_s": context.now_s(),
                                         "error": error})
            raise
        return bench

    def _write_campaign_start(self, recorder: Recorder, record_path: Path, catalog_requirements: list[dict[str, Any]],
                              clock_mode: ClockMode, start_calendar: str) -> None:
        campaign_id = hashlib.sha256(
            f"{self.profile.file}|{self.config.file}|{self.market}|{record_path.resolve()}".encode()).hexdigest()[:16]
        recorder.write(
            "campaign_start", format=RECORD_FORMAT, campaign_id=campaign_id,
            software={"name": "flexbench", "version": __version__, "commit": software_commit()},
            bench={"file": str(self.config.file), "name": self.config.name, "config": redact_secrets(self.config.raw)},
            profile={"file": str(self.profile.file), "config": redact_secrets(self.profile.raw)},
            market=self.market,
            catalog={"name": self.catalog.name, "version": str(self.catalog.version),
                     "requirements": catalog_requirements},
            clock={"mode": clock_mode, "requested": self.clock, "start_calendar": start_calendar,
                   "sample_period_s": self.config.sample_period_s},
            simulated=self.simulated or self.device_simulated,
            simulated_parts={"instruments": self.simulated, "device": self.device_simulated},
            decision_rule=self.decision_rule,
            laboratory=self.config.laboratory.as_record() if self.config.laboratory else None,
            order=read_order(self.out_dir),
            writer={"host": socket.gethostname(), "pid": os.getpid()},
            dut_condition=self.profile.raw.get("device", {}).get("condition"),
            catalog_overrides=dict(self.catalog.overrides or self.config.catalog_overrides))

    def _prepare_dut_links(self, context: LinkContext,
                           teardown: _Teardown) -> tuple[dict[str, LinkOpener], dict[str, dict[str, Any]]]:
        """Build every declared link's opener (links/openers.py) and run its ``before_lab`` (servers
        the DUT dials); returns the openers and each link's settings merged with its runtime info."""
        from links.openers import OPENERS

        openers: dict[str, LinkOpener] = {}
        runtime: dict[str, dict[str, Any]] = {}
        for name, cfg in self.profile.links.items():
            opener = openers[name] = OPENERS.get(cfg["protocol"])(context, name, cfg)
            teardown.openers.append(opener)
            runtime[name] = {**cfg, **(opener.before_lab() or {})}
        return openers, runtime

    def _open_lab_and_clock(self, recorder: Recorder, links_runtime: dict[str, dict[str, Any]],
                            wall: WallClock | None) -> tuple[SimLabProcess | None, BenchClock]:
        """The simulated lab (None on hardware) and the bench clock: ``wall`` when given (the lab
        then runs in real time from the wall calendar), else virtual time driven by the lab."""
        cfg = self.config
        if not cfg.lab.simulated:
            if wall is None:    # choose_clock_mode never gives a virtual clock without the lab
                raise ConfigError("a virtual clock needs the simulated lab", file=cfg.file, field="clock")
            return None, wall
        from dataclasses import replace

        from simlab import LabSpec, SimLabProcess

        spec = LabSpec.from_config(cfg, self.profile, links_runtime=links_runtime,
                                   time_scale=None if wall is None else 1.0)
        if wall is not None:    # the lab's time axis starts at bench time 0: its timestamps are bench time
            spec = replace(spec, start_calendar=wall.calendar().isoformat(),
                           time_origin_monotonic_s=wall.origin_monotonic_s)
        try:
            lab = SimLabProcess(spec, config_file=str(self.profile.file))
        except ConfigError as exc:
            raise self.profile.doc.error(exc.field or "simulation", exc.detail) from None
        clock = wall or VirtualClock(lab.advance_to, sample_period_s=cfg.sample_period_s,
                                     start_calendar=cfg.start_calendar)
        recorder.write("event", level="info", message=f"simulated lab started (pid {lab.pid}, ports {lab.ports})"
                       + (" in real time" if wall is not None else ""))
        return lab, clock

    def _resource(self, role: str, resource: str, lab: SimLabProcess | None) -> str:
        if "{port}" in resource:
            if lab is None or role not in lab.ports:
                raise ConfigError("resource has '{port}' but no simulated instrument serves this role",
                                  file=self.config.file, field=f"instruments.{role}.resource")
            return resource.replace("{port}", str(lab.ports[role]))
        return resource

    def _open_instruments(self, lab: SimLabProcess | None, clock: BenchClock, recorder: Recorder,
                          teardown: _Teardown, catalog_requirements: list[dict[str, Any]]) -> OpenBench:
        """Open every instrument of the bench config (the AC source behind its safety guard, sent to
        its safe state at once) and return the bench they make (its links still to open)."""
        from instruments.command_sources import unconfirmed_commands
        from instruments.registry import open_instrument

        by_role: dict[str, Instrument] = {}
        guard: SafeStateGuard | None = None
        for role, inst in self.config.instruments.items():
            resource = self._resource(role, inst.resource, lab)

            def trace(direction: str, text: str, _role: str = role) -> None:
                if direction == "out":
                    recorder.write("command", target=_role, text=text)
                elif direction == "event":   # transport events: link lost, reconnected, retried
                    recorder.write("event", level="warning", message=f"{_role}: {text}")

            driver = open_instrument(inst.model, resource, name=role, timeout_ms=inst.timeout_ms, trace=trace)
            teardown.instruments.append(driver)
            idn = driver.identify()
            driver.check_errors()
            recorder.write("instrument", role=role, model=inst.model, resource=resource, idn=idn,
                           calibration_due=inst.calibration_due, simulated=self.simulated,
                           unconfirmed_commands=unconfirmed_commands(type(driver)))
            if role == "ac_source":
                ac_source = guard_ac_source(cast(AcSource, driver), self.config.safety)
                guard = teardown.guard = SafeStateGuard(ac_source.go_safe, teardown.safe_state_failed)
                ac_source.go_safe()
                driver = ac_source
            by_role[role] = driver
        if guard is None:    # the bench-config schema requires it
            raise ConfigError("no 'ac_source' instrument", file=self.config.file, field="instruments.ac_source")
        return OpenBench(
            config=self.config, profile=self.profile, out_dir=self.out_dir, market=self.market,
            decision_rule=self.decision_rule, catalog=self.catalog, catalog_requirements=catalog_requirements,
            recorder=recorder, clock=clock, lab=lab,
            ac_source=cast(GuardedAcSource, by_role["ac_source"]),
            power_analyzer=cast(PowerAnalyzer, by_role["power_analyzer"]),
            pv_simulator=cast("PvSimulator | None", by_role.get("pv_simulator")),
            digital_io=cast("DigitalIO | None", by_role.get("digital_io")),
            ev_emulator=cast("EvEmulator | None", by_role.get("ev_emulator")),
            ac_load=cast("AcLoad | None", by_role.get("ac_load")),
            household_load=cast("RlcLoad | None", by_role.get("household_load")),
            p1_meter=cast("SmartMeterP1 | None", by_role.get("p1_meter")),
            dut_links={}, _guard=guard, _teardown=teardown)
