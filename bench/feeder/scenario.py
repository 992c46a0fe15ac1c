"""A feeder scenario: the street, its neighbours and the part of a day, declared in YAML.

Format ``flexbench-feeder-scenario/1`` (schema: bench/schemas/feeder-scenario-1.schema.json; how to
declare one: docs/feeder.md). A scenario is named by path or by its stem in bench/scenarios/. Every
problem is a :class:`~bench.errors.ConfigError` naming the file, the field and its line.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from bench.yamlconf import LoadedYaml, load_yaml, resolve_named_path, validate

SCENARIO_FORMAT = "flexbench-feeder-scenario/1"
SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"
DEFAULT_PROFILE = {"pv": "irradiance", "charger": "arrivals", "heat_pump": "heat_demand"}
DEFAULT_MV_VOLTAGE_PU = 1.0
DEFAULT_MV_KV = 10.0


def clock_s(text: str) -> float:
    """Seconds of the day of an ``HH:MM`` clock time."""
    hours, minutes = text.split(":")
    return 3600.0 * int(hours) + 60.0 * int(minutes)


def clock_text(day_s: float) -> str:
    """``HH:MM`` of a second of the day."""
    minutes = int(round(day_s / 60.0))
    return f"{minutes // 60 % 24:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class Cable:
    r_ohm_per_km: float
    x_ohm_per_km: float
    max_i_ka: float


@dataclass(frozen=True)
class Transformer:
    rated_kva: float
    vk_pct: float
    vkr_pct: float
    mv_kv: float = DEFAULT_MV_KV


@dataclass(frozen=True)
class Feeder:
    """A radial LV feeder: transformer, main cable in ``segments_m`` (node i at the end of segment i)
    and the DUT on ``dut_node`` through its service cable."""

    transformer: Transformer
    cable: Cable
    segments_m: tuple[float, ...]
    dut_node: int
    dut_service_cable_m: float
    dut_service_cable: Cable
    mv_voltage_pu: float = DEFAULT_MV_VOLTAGE_PU

    @property
    def node_count(self) -> int:
        return len(self.segments_m)


@dataclass(frozen=True)
class NetAware:
    """A charger's declared net-aware window: no charging from ``pause_start_s`` to ``pause_end_s``
    (seconds of the day), then restarts spread evenly over ``restart_spread_s``."""

    pause_start_s: float
    pause_end_s: float
    restart_spread_s: float = 0.0


@dataclass(frozen=True)
class NeighbourGroup:
    """``count`` alike neighbours of one ``kind`` (pv, charger, heat_pump) on ``nodes`` (round robin)."""

    kind: str
    count: int
    rated_kw: float
    nodes: tuple[int, ...]
    profile: str
    volt_watt_points_pct: tuple[tuple[float, float], ...] | None = None
    net_aware: NetAware | None = None

    def describe(self) -> str:
        behaviour = {"pv": "P(U)" if self.volt_watt_points_pct else "no P(U)",
                     "charger": "net-aware" if self.net_aware else "charges on arrival",
                     "heat_pump": "follows heat demand"}[self.kind]
        return f"{self.count} x {self.kind.replace('_', ' ')} {self.rated_kw:g} kW ({behaviour})"


@dataclass(frozen=True)
class Scenario:
    file: Path
    name: str
    description: str
    device_class: str
    requirement: str
    start_s: float                  # seconds of the day the scenario starts
    end_s: float
    time_scale: float               # scenario day seconds per bench second
    step_s: float                   # feeder step, bench seconds
    feeder: Feeder
    profiles: dict[str, tuple[tuple[float, float], ...]]
    neighbours: tuple[NeighbourGroup, ...]
    dut_profile: str | None = None  # the day profile the DUT's own source follows (PV: irradiance)
    dut_net_aware: NetAware | None = None   # the net-aware window the bench gives the DUT (a charger)
    sha256: str = field(default="")

    @property
    def bench_duration_s(self) -> float:
        return (self.end_s - self.start_s) / self.time_scale

    @property
    def neighbour_count(self) -> int:
        return sum(g.count for g in self.neighbours)

    def day_s(self, elapsed_bench_s: float) -> float:
        """The scenario's time of day ``elapsed_bench_s`` after its start."""
        return self.start_s + elapsed_bench_s * self.time_scale

    def describe(self) -> str:
        return (f"scenario {self.name} ({self.file.name}, sha256 {self.sha256[:12]}): "
                f"{clock_text(self.start_s)}-{clock_text(self.end_s)}, feeder step {self.step_s:g} s"
                + (f", day x{self.time_scale:g}" if self.time_scale != 1.0 else "")
                + f"; {len(self.feeder.segments_m)} nodes, {self.feeder.transformer.rated_kva:g} kVA; DUT on node "
                f"{self.feeder.dut_node}; neighbours: {'; '.join(g.describe() for g in self.neighbours) or 'none'}")

    def as_record(self) -> dict[str, Any]:
        """What the record keeps of the scenario (the file's hash identifies its whole content)."""
        return {"name": self.name, "file": str(self.file), "sha256": self.sha256, "requirement": self.requirement,
                "day": [clock_text(self.start_s), clock_text(self.end_s)], "time_scale": self.time_scale,
                "step_s": self.step_s, "neighbours": self.neighbour_count}


def _schema() -> dict[str, Any]:
    text = resources.files("bench.schemas").joinpath("feeder-scenario-1.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def _cable(d: dict[str, Any]) -> Cable:
    return Cable(float(d["r_ohm_per_km"]), float(d["x_ohm_per_km"]), float(d["max_i_ka"]))


def _profiles(doc: LoadedYaml) -> dict[str, tuple[tuple[float, float], ...]]:
    out = {}
    for name, points in doc.data.get("profiles", {}).items():
        times = [clock_s(p[0]) for p in points]
        if any(b <= a for a, b in zip(times, times[1:], strict=False)):
            raise doc.error(f"profiles.{name}", "clock times must increase")
        out[name] = tuple((t, float(p[1])) for t, p in zip(times, points, strict=True))
    return out


def _net_aware(doc: LoadedYaml, where: str, na: dict[str, Any]) -> NetAware:
    start, end = (clock_s(c) for c in na["pause"])
    if end <= start:
        raise doc.error(f"{where}.pause", "the pause must end after it starts")
    return NetAware(start, end, 60.0 * float(na.get("restart_spread_min", 0.0)))


def _group(doc: LoadedYaml, i: int, d: dict[str, Any], node_count: int,
           profiles: dict[str, Any]) -> NeighbourGroup:
    where = f"neighbours[{i}]"
    kind = d["kind"]
    nodes = tuple(int(n) for n in d.get("nodes", range(1, node_count + 1)))
    for j, n in enumerate(nodes):
        if n > node_count:
            raise doc.error(f"{where}.nodes[{j}]", f"node {n} does not exist (the feeder has nodes 1-{node_count})")
    profile = str(d.get("profile", DEFAULT_PROFILE[kind]))
    if profile not in profiles:
        raise doc.error(f"{where}.profile" if "profile" in d else where,
                        f"day profile {profile!r} is not declared under 'profiles' "
                        f"(declared: {', '.join(sorted(profiles)) or 'none'})")
    curve = None
    if "volt_watt_points_pct" in d:
        if kind != "pv":
            raise doc.error(f"{where}.volt_watt_points_pct", "P(U) applies to pv neighbours only")
        curve = tuple((float(u), float(p)) for u, p in d["volt_watt_points_pct"])
        if any(b[0] <= a[0] for a, b in zip(curve, curve[1:], strict=False)):
            raise doc.error(f"{where}.volt_watt_points_pct", "voltages (% Un) must increase")
    net_aware = None
    if "net_aware" in d:
        if kind != "charger":
            raise doc.error(f"{where}.net_aware", "net-aware behaviour applies to charger neighbours only")
        net_aware = _net_aware(doc, f"{where}.net_aware", d["net_aware"])
    return NeighbourGroup(kind=kind, count=int(d["count"]), rated_kw=float(d["rated_kw"]), nodes=nodes,
                          profile=profile, volt_watt_points_pct=curve, net_aware=net_aware)


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Load and validate a scenario (schema, then consistency: nodes exist, profiles declared, the
    day runs forward)."""
    path = resolve_named_path(name_or_path, SCENARIO_DIR)
    doc = load_yaml(path)
    validate(doc, _schema(), SCENARIO_FORMAT)
    d = doc.data
    start_s, end_s = clock_s(d["day"]["start"]), clock_s(d["day"]["end"])
    if end_s <= start_s:
        raise doc.error("day.end", "the scenario must end after it starts (same day)")
    f = d["feeder"]
    segments = tuple(float(s) for s in f["segments_m"])
    dut = f["dut"]
    if int(dut["node"]) > len(segments):
        raise doc.error("feeder.dut.node",
                        f"node {dut['node']} does not exist (the feeder has nodes 1-{len(segments)})")
    t = f["transformer"]
    if float(t["vkr_pct"]) >= float(t["vk_pct"]):
        raise doc.error("feeder.transformer.vkr_pct", "the resistive part must be below vk_pct")
    cable = _cable(f["cable"])
    feeder = Feeder(transformer=Transformer(float(t["rated_kva"]), float(t["vk_pct"]), float(t["vkr_pct"]),
                                            float(t.get("mv_kv", DEFAULT_MV_KV))),
                    cable=cable, segments_m=segments, dut_node=int(dut["node"]),
                    dut_service_cable_m=float(dut.get("service_cable_m", 0.0)),
                    dut_service_cable=_cable(dut["service_cable"]) if "service_cable" in dut else cable,
                    mv_voltage_pu=float(f.get("mv_voltage_pu", DEFAULT_MV_VOLTAGE_PU)))
    profiles = _profiles(doc)
    groups = tuple(_group(doc, i, g, len(segments), profiles) for i, g in enumerate(d["neighbours"]))
    dut_profile = dut.get("profile")
    dut_net_aware = _net_aware(doc, "feeder.dut.net_aware", dut["net_aware"]) if "net_aware" in dut else None
    if dut_profile is not None and dut_profile not in profiles:
        raise doc.error("feeder.dut.profile", f"day profile {dut_profile!r} is not declared under 'profiles'")
    return Scenario(file=path, name=d["name"], description=d.get("description", ""),
                    device_class=d["device_class"], requirement=d["requirement"], start_s=start_s, end_s=end_s,
                    time_scale=float(d["day"].get("time_scale", 1.0)), step_s=float(d["step_s"]), feeder=feeder,
                    profiles=profiles, neighbours=groups, dut_profile=dut_profile,
                    dut_net_aware=dut_net_aware,
                    sha256=hashlib.sha256(path.read_bytes()).hexdigest())
