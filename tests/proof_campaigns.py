"""Running suite proofs: real campaigns (a `flexbench run` process with its own simulated lab) on a
reference profile, with and without fault knobs, and their verdicts read from report.json. Imported by
the proofs and by tests/suites/conftest.py (which only defines the fixtures)."""

from __future__ import annotations

import fcntl
import hashlib
import json
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
REFERENCE_PROFILE = REPO / "device_profiles" / "sim-pv-inverter.yaml"
DEFAULT_BENCH = REPO / "bench" / "configs" / "simulated.yaml"


@dataclass
class CampaignResult:
    exit_code: int
    out_dir: Path
    stdout: str
    stderr: str

    @property
    def report(self) -> dict[str, Any]:
        path = self.out_dir / "report.json"
        assert path.exists(), f"no report.json; exit {self.exit_code}\n{self.stdout}\n{self.stderr[-3000:]}"
        return json.loads(path.read_text())

    def verdicts(self) -> dict[str, str]:
        return {r["id"]: r["verdict"] for r in self.report["requirements"]}

    def verdict(self, requirement_id: str) -> str:
        return self.verdicts()[requirement_id]


def scenario_requirements() -> set[str]:
    """The requirements only a campaign with ``--scenario`` runs (bench/scenarios/*.yaml): a
    campaign without a scenario reports them NOT_TESTED (they are not mandatory)."""
    from bench.feeder.scenario import SCENARIO_DIR, load_scenario
    return {load_scenario(path).requirement for path in SCENARIO_DIR.glob("*.yaml")}


def reference_verdicts(ids: list[str] | set[str], not_applicable: set[str]) -> dict[str, str]:
    """The verdicts of a compliant reference campaign without a scenario: NOT_APPLICABLE for
    ``not_applicable``, NOT_TESTED for the scenario requirements, PASS for the rest."""
    scenario = scenario_requirements()
    return {rid: ("NOT_APPLICABLE" if rid in not_applicable else "NOT_TESTED" if rid in scenario else "PASS")
            for rid in ids}


def plots_lacking_evidence(report: Mapping[str, Any]) -> list[str]:
    """Every plot of ``report`` that does not show what proves its verdict (issue 14): a time
    series without its stimulus (second axis, at least one value), the limit applied (a limit
    line or a constant limit) or an instant that matters; a characteristic without measured
    points or its band (its x axis is the stimulus, the band its limit). One line per plot."""
    lacking = []
    plots = [(r["id"], c["name"], c["plot"]) for r in report["requirements"] for c in r["checks"] if "plot" in c]
    for rid, name, plot in plots:
        if plot["type"] == "curve":
            missing = [k for k in ("points", "band_low", "band_high") if not plot.get(k)]
        else:
            stimulus = plot.get("stimulus") or {}
            missing = [what for what, shown in (
                ("stimulus", any(v is not None for v in stimulus.get("values", []))),
                ("applied limit", bool(plot.get("limits")) or any(v is not None for v in plot.get("limit") or [])),
                ("instants", bool(plot.get("instants")))) if not shown]
        if missing:
            lacking.append(f"{rid}: {name}: no {', '.join(missing)}")
    return lacking


def write_profile(tmp_path: Path, *, knobs: dict[str, Any] | None = None,
                  parameters: dict[str, Any] | None = None, edit: dict[str, Any] | None = None,
                  name: str = "dut", reference: Path = REFERENCE_PROFILE) -> Path:
    """A copy of the reference profile (the PV inverter's unless ``reference`` names another) with
    simulation knobs/parameters and top-level edits."""
    data = yaml.safe_load(reference.read_text())
    data["simulation"]["knobs"] = dict(knobs or {})
    data["simulation"]["parameters"] = dict(parameters or {})
    for dotted, value in (edit or {}).items():
        node = data
        *parents, leaf = dotted.split(".")
        for key in parents:
            node = node[key]
        node[leaf] = value
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def write_bench(tmp_path: Path, edit: dict[str, Any], name: str = "bench") -> Path:
    data = yaml.safe_load(DEFAULT_BENCH.read_text())
    for dotted, value in edit.items():
        node = data
        *parents, leaf = dotted.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def campaign_command(out: Path, *, profile: Path | None = None, requirements: list[str] | None = None,
                     bench: Path | None = None, market: str | None = None,
                     decision_rule: str | None = None, scenario: Path | None = None) -> list[str]:
    """The ``flexbench run`` command line of one campaign writing to ``out`` (``scenario``: a
    feeder scenario, ``--scenario``)."""
    cmd = [sys.executable, "-m", "bench.cli", "run", "--profile", str(profile or REFERENCE_PROFILE),
           "--out", str(out), "--quiet"]
    if requirements:
        cmd += ["--requirements", ",".join(requirements)]
    if bench:
        cmd += ["--bench", str(bench)]
    if market:
        cmd += ["--market", market]
    if decision_rule:
        cmd += ["--decision-rule", decision_rule]
    if scenario:
        cmd += ["--scenario", str(scenario)]
    return cmd


def run_campaign(tmp_path: Path, *, profile: Path | None = None, requirements: list[str] | None = None,
                 bench: Path | None = None, market: str | None = None, decision_rule: str | None = None,
                 out_name: str = "out", timeout_s: float = 900.0, scenario: Path | None = None) -> CampaignResult:
    out = tmp_path / out_name
    cmd = campaign_command(out, profile=profile, requirements=requirements, bench=bench, market=market,
                           decision_rule=decision_rule, scenario=scenario)
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout_s)
    return CampaignResult(proc.returncode, out, proc.stdout, proc.stderr)


class Lab:
    """Bound helpers for tests that need more than the ``campaign`` fixture."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path

    def profile(self, **kwargs: Any) -> Path:
        return write_profile(self.tmp_path, **kwargs)

    def bench(self, edit: dict[str, Any], name: str = "bench") -> Path:
        return write_bench(self.tmp_path, edit, name)

    def run(self, **kwargs: Any) -> CampaignResult:
        return run_campaign(self.tmp_path, **kwargs)

    def run_reference(self, reference: Path, knobs: dict[str, Any],
                      requirements: list[str] | None = None) -> CampaignResult:
        """A campaign on a copy of the ``reference`` profile with ``knobs`` (its simulation parameters kept)."""
        parameters = yaml.safe_load(reference.read_text())["simulation"]["parameters"]
        return self.run(profile=self.profile(knobs=knobs, parameters=parameters, reference=reference),
                        requirements=requirements)

    def command(self, *, profile: Path | None = None, bench: Path | None = None,
                requirements: list[str] | None = None, out_name: str = "out") -> list[str]:
        return campaign_command(self.tmp_path / out_name, profile=profile, bench=bench, requirements=requirements)


# --- campaigns shared by several proofs --------------------------------------------------------
# Proofs that judge different requirements of the SAME device (reference PV profile, same knobs)
# read one campaign that runs all of those requirements, instead of one campaign each. Each entry:
# knobs -> the requirements that campaign runs (None: the whole catalog, as `flexbench run` does).
# A proof asking for a knob set not listed, or for a requirement outside the listed set, gets a
# fresh campaign of its own, exactly as before.
SHARED_PV_CAMPAIGNS: list[tuple[dict[str, Any], list[str] | None]] = [
    ({}, None),                                                    # the compliant reference, all of it
    ({"lfsm_o_ignored": True}, None),                              # test_full_campaign + the LFSM-O proof
    ({"volt_watt_ignored": True}, ["PV-PU-STEADY", "PV-ACTIVE-LIMITING"]),
]

def campaign_group(name: str) -> pytest.MarkDecorator:
    """Marks the proofs that read one shared campaign: tests/suites/conftest.py collects each group
    together and before every other test, so that under ``--dist worksteal`` (pyproject.toml) one
    worker takes the whole group from the front of its queue (running the campaign once, the
    others reading it) while the other worker starts on other campaigns instead of waiting for it.
    (pytest-xdist's own ``xdist_group`` / ``--dist loadgroup`` does not group under pytest 9.)"""
    return pytest.mark.campaign_group(name)


SHARED_REFERENCE_GROUP = campaign_group("pv-reference")
LFSM_O_IGNORED_GROUP = campaign_group("pv-lfsm-o-ignored")
VOLT_WATT_IGNORED_GROUP = campaign_group("pv-volt-watt-ignored")


def shared_plan(knobs: Mapping[str, Any], requirements: list[str] | None) -> list[str] | None | bool:
    """The requirements of the shared campaign that serves ``knobs`` / ``requirements``
    (None: the whole catalog), or False when no shared campaign covers them."""
    for shared_knobs, shared_requirements in SHARED_PV_CAMPAIGNS:
        if dict(knobs) != shared_knobs:
            continue
        if shared_requirements is None:
            return None
        if requirements is not None and set(requirements) <= set(shared_requirements):
            return shared_requirements
    return False


class SharedCampaigns:
    """Campaigns run once per test session, whichever proof (on whichever xdist worker) asks first.

    ``root`` is a folder all workers of the session see; each campaign lives in a sub-folder named
    by the hash of what it runs, and is run under an exclusive file lock: a second worker asking
    for it waits, then reads the same report."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def get(self, knobs: Mapping[str, Any], requirements: list[str] | None, *, reference: Path | None = None,
            parameters: Mapping[str, Any] | None = None) -> CampaignResult:
        """``reference``/``parameters``: another reference profile and its simulation parameters
        (default the PV inverter's, without parameters)."""
        what: dict[str, Any] = {"knobs": dict(knobs), "requirements": requirements}
        if reference is not None or parameters is not None:
            what.update(reference=str(reference), parameters=dict(parameters or {}))
        key = hashlib.sha256(json.dumps(what, sort_keys=True).encode("utf-8")).hexdigest()[:16]
        folder = self.root / f"shared-{key}"
        folder.mkdir(parents=True, exist_ok=True)
        done = folder / "result.json"
        with (folder / "lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not done.exists():
                profile = write_profile(folder, knobs=dict(knobs), parameters=dict(parameters or {}) or None,
                                        reference=reference or REFERENCE_PROFILE)
                result = run_campaign(folder, profile=profile, requirements=requirements)
                done.write_text(json.dumps({"exit_code": result.exit_code, "stdout": result.stdout,
                                            "stderr": result.stderr}))
            saved = json.loads(done.read_text())
        return CampaignResult(saved["exit_code"], folder / "out", saved["stdout"], saved["stderr"])


# --- the connection-point charger campaigns (issue 16 items 1 and 2) ------------------------------
# EV-LOADBAL-P1 and EV-PHASE-SWITCH run together on the reference OCPP 2.0.1 charger, one fault knob of
# each per campaign (the two requirements cannot mask each other: separate tests, separate knobs), so
# test_proof_load_balancing.py and test_proof_phase_switching.py share four campaigns.
SITE_REFERENCE = REPO / "device_profiles" / "sim-ev-charger-201.yaml"
SITE_REQUIREMENTS = ["EV-LOADBAL-P1", "EV-PHASE-SWITCH"]
SITE_CAMPAIGNS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    # name: (knobs, parameter overrides of the reference)
    "just-inside": ({"p1_response_delay_factor": 4.0}, {"phase_switch_min_interval_s": 31.0}),
    "ignores": ({"ignores_p1": True, "ignores_number_phases": True}, {}),
    "wrong-phase": ({"p1_reads_phase": "L1", "lands_on_wrong_phase": True}, {}),
    "too-slow-too-fast": ({"p1_response_delay_factor": 7.0, "phase_switch_too_fast": True}, {}),
}


def site_campaign(shared: SharedCampaigns, name: str) -> CampaignResult:
    """One of :data:`SITE_CAMPAIGNS`, run once per session whichever proof asks first."""
    knobs, overrides = SITE_CAMPAIGNS[name]
    parameters = {**yaml.safe_load(SITE_REFERENCE.read_text())["simulation"]["parameters"], **overrides}
    return shared.get(knobs, SITE_REQUIREMENTS, reference=SITE_REFERENCE, parameters=parameters)


def failed_check_names(result: CampaignResult, requirement: str) -> list[str]:
    """The names of ``requirement``'s failed checks."""
    return [c["name"] for entry in result.report["requirements"] if entry["id"] == requirement
            for c in entry.get("checks", []) if c.get("verdict") == "FAIL"]
