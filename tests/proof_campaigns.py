"""Running suite proofs: real campaigns (a `flexbench run` process with its own simulated lab) on a
reference profile, with and without fault knobs, and their verdicts read from report.json. Imported by
the proofs and by tests/suites/conftest.py (which only defines the fixtures)."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
                     decision_rule: str | None = None) -> list[str]:
    """The ``flexbench run`` command line of one campaign writing to ``out``."""
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
    return cmd


def run_campaign(tmp_path: Path, *, profile: Path | None = None, requirements: list[str] | None = None,
                 bench: Path | None = None, market: str | None = None, decision_rule: str | None = None,
                 out_name: str = "out", timeout_s: float = 900.0) -> CampaignResult:
    out = tmp_path / out_name
    cmd = campaign_command(out, profile=profile, requirements=requirements, bench=bench, market=market,
                           decision_rule=decision_rule)
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
