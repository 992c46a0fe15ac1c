"""Fixtures of the suite proofs; the code they use lives in tests/proof_campaigns.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from proof_campaigns import CampaignResult, Lab, run_campaign, write_profile


@pytest.fixture
def campaign(tmp_path: Path):
    """``campaign(knobs=..., requirements=[...])`` -> CampaignResult of a fresh campaign."""
    counter = [0]

    def _run(*, knobs: dict[str, Any] | None = None, parameters: dict[str, Any] | None = None,
             requirements: list[str] | None = None, **kwargs: Any) -> CampaignResult:
        counter[0] += 1
        profile = write_profile(tmp_path, knobs=knobs, parameters=parameters, name=f"dut{counter[0]}")
        return run_campaign(tmp_path, profile=profile, requirements=requirements,
                            out_name=f"out{counter[0]}", **kwargs)

    return _run


@pytest.fixture
def lab(tmp_path: Path) -> Lab:
    return Lab(tmp_path)
