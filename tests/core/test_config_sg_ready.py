"""Device profiles with SG-Ready contacts as their control link, and the digital_io bench role."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bench.config import load_bench_config, load_device_profile
from bench.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]
HP_PROFILE = REPO / "device_profiles" / "sim-heat-pump-sgready.yaml"


def _profile(tmp_path: Path, **link: object) -> Path:
    data = yaml.safe_load(HP_PROFILE.read_text())
    data["links"]["control"].update(link)
    data["links"]["control"] = {k: v for k, v in data["links"]["control"].items() if v is not None}
    path = tmp_path / "hp.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_reference_heat_pump_profile_needs_no_network_link():
    profile = load_device_profile("sim-heat-pump-sgready")
    assert profile.device_class == "heat_pump"
    assert profile.control_link == {"protocol": "sg_ready_contacts", "contact_1_channel": 301,
                                    "contact_2_channel": 302}


@pytest.mark.parametrize(("link", "field"), [({"contact_2_channel": None}, "links.control.contact_2_channel"),
                                             ({"contact_2_channel": 301}, "links.control.contact_2_channel")])
def test_bad_contact_channels_name_the_field(tmp_path, link, field):
    with pytest.raises(ConfigError) as exc:
        load_device_profile(_profile(tmp_path, **link))
    assert exc.value.field == field


def test_simulated_bench_has_a_daq970a_as_digital_io():
    assert load_bench_config().instruments["digital_io"].model == "keysight_daq970a"
