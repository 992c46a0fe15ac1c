"""Bench config and device profile: versioned YAML, validated, errors naming file, line and field."""

from __future__ import annotations

import datetime as _dt

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from bench.errors import ConfigError
from bench.places.config import PlaceConfig, parse_place
from bench.yamlconf import LoadedYaml, load_yaml, resolve_named_path, validate

BENCH_FORMAT = "flexbench-bench/1"
PROFILE_FORMAT = "flexbench-device-profile/1"
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BENCH = REPO_ROOT / "bench" / "configs" / "simulated.yaml"
PROFILE_DIR = REPO_ROOT / "device_profiles"


def _schema(name: str) -> dict[str, Any]:
    return json.loads(resources.files("bench.schemas").joinpath(name).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class InstrumentConfig:
    role: str
    model: str
    resource: str
    timeout_ms: int = 2000
    calibration_due: str | None = None
    accuracy: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class SafetyLimits:
    """The bench's declared limits; enforced before any command reaches an instrument."""

    voltage_max_v: float
    voltage_min_v: float
    current_max_a: float
    frequency_min_hz: float
    frequency_max_hz: float
    voltage_slew_max_v_per_s: float
    safe_output_on: bool
    safe_voltage_v: float
    safe_frequency_hz: float


@dataclass(frozen=True)
class LabConfig:
    simulated: bool = False
    host: str = "127.0.0.1"
    seed: int = 1
    step_s: float = 0.02
    ports: dict[str, int] = field(default_factory=dict)
    feeder_resistance_ohm: float = 0.0
    feeder_reactance_ohm: float = 0.0
    instrument_faults: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class LaboratoryInfo:
    """Who issues the report (ISO/IEC 17025 7.8.2.1 b) lab name and address, o) the authoriser)."""

    name: str
    address: str
    accreditation_id: str | None = None
    report_title: str | None = None
    authoriser_name: str | None = None
    authoriser_role: str | None = None

    def as_record(self) -> dict[str, Any]:
        """The ``campaign_start.laboratory`` shape (docs/record-format.md)."""
        return {"name": self.name, "address": self.address, "accreditation_id": self.accreditation_id,
                "report_title": self.report_title,
                "authoriser": ({"name": self.authoriser_name, "role": self.authoriser_role}
                               if self.authoriser_name else None)}


@dataclass(frozen=True)
class BenchConfig:
    file: Path
    name: str
    lab: LabConfig
    sample_period_s: float
    start_calendar: str
    instruments: dict[str, InstrumentConfig]
    safety: SafetyLimits
    market: str
    decision_rule: str
    catalog_overrides: dict[str, Any]
    raw: dict[str, Any]
    laboratory: LaboratoryInfo | None = None
    place: PlaceConfig | None = None
    """``place``: the labgrid place that holds the bench's instruments (bench/places), None: not shared."""
    acquisition: bool = True
    """``clock.acquisition``: on a virtual clock, advance in large steps with the analyzer's own
    acquisition when it has one (default); false forces tick-by-tick polling (for comparison)."""


def load_bench_config(file: str | Path | None = None) -> BenchConfig:
    doc = load_yaml(file or DEFAULT_BENCH)
    validate(doc, _schema("bench-1.schema.json"), BENCH_FORMAT)
    d = doc.data
    s = d["safety"]
    if s["frequency_min_hz"] >= s["frequency_max_hz"]:
        raise doc.error("safety.frequency_min_hz", "must be below safety.frequency_max_hz")
    safe = s["safe_state"]
    safe_on = safe["output"] == "on"
    safe_v = float(safe.get("voltage_v", 0.0))
    safe_f = float(safe.get("frequency_hz", 50.0))
    if s.get("voltage_min_v", 0.0) >= s["voltage_max_v"]:
        raise doc.error("safety.voltage_min_v", "must be below safety.voltage_max_v")
    if safe_v > s["voltage_max_v"]:
        raise doc.error("safety.safe_state.voltage_v", "safe voltage is above safety.voltage_max_v")
    if not s["frequency_min_hz"] <= safe_f <= s["frequency_max_hz"]:
        raise doc.error("safety.safe_state.frequency_hz", "safe frequency is outside the frequency limits")
    limits = SafetyLimits(
        voltage_max_v=float(s["voltage_max_v"]), voltage_min_v=float(s.get("voltage_min_v", 0.0)),
        current_max_a=float(s["current_max_a"]), frequency_min_hz=float(s["frequency_min_hz"]),
        frequency_max_hz=float(s["frequency_max_hz"]),
        voltage_slew_max_v_per_s=float(s["voltage_slew_max_v_per_s"]),
        safe_output_on=safe_on, safe_voltage_v=safe_v, safe_frequency_hz=safe_f)
    lab_d = d.get("lab", {})
    feeder = lab_d.get("feeder", {})
    lab = LabConfig(simulated=bool(lab_d.get("simulated", False)), host=lab_d.get("host", "127.0.0.1"),
                    seed=int(lab_d.get("seed", 1)), step_s=float(lab_d.get("step_s", 0.02)),
                    ports=dict(lab_d.get("ports", {})),
                    feeder_resistance_ohm=float(feeder.get("resistance_ohm", 0.0)),
                    feeder_reactance_ohm=float(feeder.get("reactance_ohm", 0.0)),
                    instrument_faults=dict(lab_d.get("instrument_faults", {})))
    from instruments.registry import DRIVERS, PORT_DRIVERS

    known_models = DRIVERS.keys() + PORT_DRIVERS.keys()
    instruments = {}
    for role, inst in d["instruments"].items():
        if inst["model"] not in known_models:
            raise doc.error(f"instruments.{role}.model", f"unknown instrument model {inst['model']!r} (known: "
                                                         f"{', '.join(sorted(known_models))})")
        if lab.simulated is False and "{port}" in inst["resource"]:
            raise doc.error(f"instruments.{role}.resource",
                            "'{port}' is filled only by the simulated lab; set lab.simulated: true or a real resource")
        instruments[role] = InstrumentConfig(role=role, model=inst["model"], resource=inst["resource"],
                                             timeout_ms=int(inst.get("timeout_ms", 2000)),
                                             calibration_due=inst.get("calibration_due"),
                                             accuracy=dict(inst.get("accuracy", {})))
    for role in lab.instrument_faults:
        if role not in instruments:
            raise doc.error(f"lab.instrument_faults.{role}", "no instrument with this role in 'instruments'")
    clock = d.get("clock", {})
    start_calendar = str(clock.get("start_calendar", "2026-06-21T12:00:00+02:00"))
    try:
        calendar = _dt.datetime.fromisoformat(start_calendar)
    except ValueError:
        raise doc.error("clock.start_calendar", f"{start_calendar!r} is not an ISO 8601 date and time") from None
    if calendar.tzinfo is None:
        raise doc.error("clock.start_calendar", f"{start_calendar!r} has no UTC offset (e.g. +02:00)")
    lab_info = None
    if "laboratory" in d:
        li = d["laboratory"]
        auth = li.get("authoriser") or {}
        lab_info = LaboratoryInfo(name=li["name"], address=li["address"],
                                  accreditation_id=li.get("accreditation_id"), report_title=li.get("report_title"),
                                  authoriser_name=auth.get("name"), authoriser_role=auth.get("role"))
    return BenchConfig(file=doc.file, name=d["name"], lab=lab,
                       sample_period_s=float(clock.get("sample_period_s", 0.2)),
                       start_calendar=start_calendar,
                       instruments=instruments, safety=limits, market=d["market"],
                       decision_rule=d.get("decision_rule", "guard_band"),
                       catalog_overrides=dict(d.get("catalog_overrides", {})), raw=d, laboratory=lab_info,
                       acquisition=bool(clock.get("acquisition", True)),
                       place=parse_place(d.get("place"), file=str(doc.file)))


@dataclass(frozen=True)
class DeviceProfile:
    file: Path
    device_class: str
    identity: dict[str, str]
    ratings: dict[str, Any]
    functions: dict[str, bool]
    declared: dict[str, Any]
    control_link: dict[str, Any]
    links: dict[str, dict[str, Any]]
    simulation: dict[str, Any] | None
    raw: dict[str, Any]
    doc: LoadedYaml

    @property
    def rated_power_w(self) -> float:
        return float(self.ratings["rated_power_w"])

    @property
    def nominal_voltage_v(self) -> float:
        return float(self.ratings["nominal_voltage_v"])

    @property
    def nominal_frequency_hz(self) -> float:
        return float(self.ratings["nominal_frequency_hz"])

    @property
    def phase_count(self) -> int:
        return int(self.ratings["phase_count"])

    def claims(self, function: str) -> bool:
        return bool(self.functions.get(function, False))

    def declared_value(self, name: str, default: Any = None) -> Any:
        return self.declared.get(name, default)


def resolve_profile_path(name_or_path: str | Path) -> Path:
    """A profile may be named by path or by its stem in device_profiles/ (e.g. 'sim-pv-inverter')."""
    return resolve_named_path(name_or_path, PROFILE_DIR)


def load_device_profile(file: str | Path) -> DeviceProfile:
    doc = load_yaml(resolve_profile_path(file))
    validate(doc, _schema("device-profile-1.schema.json"), PROFILE_FORMAT)
    d = doc.data
    from links.openers import validate_link

    link = d["links"]["control"]
    sim = d.get("simulation")
    for name, cfg in d["links"].items():
        validate_link(doc, name, cfg)
        for key in ("port", "serial_port"):
            if cfg.get(key) == "sim" and sim is None:
                raise doc.error(f"links.{name}.{key}", "'sim' needs a 'simulation' section (a simulated device)")
    if "pv_array" not in d["ratings"] and d["device"]["class"] == "pv_inverter":
        raise doc.error("ratings.pv_array", "a PV inverter profile declares the PV array the lab simulates")
    if "phase_connection" in d["ratings"] and d["ratings"]["phase_count"] != 1:
        raise doc.error("ratings.phase_connection", "only a single-phase device (phase_count 1) is connected "
                        "to one phase; a three-phase device is on L1, L2 and L3")
    identity = {k: str(d["device"][k]) for k in ("manufacturer", "model", "serial_number", "firmware_version")}
    return DeviceProfile(file=doc.file, device_class=d["device"]["class"], identity=identity,
                         ratings=d["ratings"], functions=d["functions"], declared=d.get("declared", {}),
                         control_link=link, links=dict(d["links"]), simulation=sim, raw=d, doc=doc)


def config_error_from_value_error(doc: LoadedYaml, prefix: str, exc: ValueError) -> ConfigError:
    """Turn a ValueError naming a key (``"knob 'x': ..."``) into a ConfigError on ``prefix.x``."""
    text = str(exc)
    key = text.split("'")[1] if text.count("'") >= 2 else ""
    return doc.error(f"{prefix}.{key}" if key else prefix, text)
