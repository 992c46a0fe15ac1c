"""Fixtures of the suite proofs; the code they use lives in tests/proof_campaigns.py."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from proof_campaigns import CampaignResult, Lab, SharedCampaigns, run_campaign, shared_plan, write_profile


#: Tests that run whole campaigns (tens of seconds each): collected first, so that under
#: ``--dist worksteal`` (pyproject.toml) the workers start on them and the quick tests fill the end.
CAMPAIGN_TEST_DIRS = ("tests/suites/", "tests/thirdparty/", "tests/places/test_parallel_benches.py")


def _collection_rank(item: pytest.Item) -> tuple[int, str]:
    group = item.get_closest_marker("campaign_group")
    if group is not None:                      # proof_campaigns.campaign_group: together, first of all
        return 0, str(group.args[0])
    return (1 if item.nodeid.startswith(CAMPAIGN_TEST_DIRS) else 2), ""


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=_collection_rank)          # stable: the collection order is kept within each rank


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


@pytest.fixture(scope="session")
def shared_campaigns(tmp_path_factory: pytest.TempPathFactory) -> SharedCampaigns:
    """Campaigns shared by the proofs of one session (all xdist workers: their common temp root)."""
    base = tmp_path_factory.getbasetemp()
    return SharedCampaigns((base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "shared-campaigns")


@pytest.fixture
def shared_campaign(campaign, shared_campaigns: SharedCampaigns):
    """Like ``campaign``, but a knob set listed in proof_campaigns.SHARED_PV_CAMPAIGNS is read from
    the session's one campaign of that device (which runs every listed requirement) instead of a
    campaign of its own; anything else runs fresh through ``campaign``."""

    def _run(*, knobs: dict[str, Any] | None = None, requirements: list[str] | None = None,
             **kwargs: Any) -> CampaignResult:
        plan = False if kwargs else shared_plan(knobs or {}, requirements)
        if plan is False:
            return campaign(knobs=knobs, requirements=requirements, **kwargs)
        return shared_campaigns.get(knobs or {}, plan)

    return _run


@pytest.fixture
def lab(tmp_path: Path) -> Lab:
    return Lab(tmp_path)
