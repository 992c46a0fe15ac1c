"""EvChargerParameters / EvChargerKnobs parsing (simlab/devices/ev_charger/knobs.py)."""

from __future__ import annotations

from dataclasses import fields

import pytest

from simlab.devices.ev_charger.electrical import check_electrical_settings
from simlab.devices.ev_charger.knobs import (EvChargerKnobs, EvChargerParameters,
                                                parse_knobs, parse_parameters)
from simlab.devices.registry import SimSettingError


def test_defaults_are_compliant_and_accepted_by_the_power_stage():
    params, knobs = parse_parameters(None), parse_knobs(None)
    assert params == EvChargerParameters() and knobs == EvChargerKnobs()
    check_electrical_settings(params, knobs)
    # declared grid behaviour: keeps charging at 0.85 / 0.9 / 1.1 Un
    for volts in (195.5, 207.0, 253.0):
        assert params.undervoltage_stop_v < volts < params.overvoltage_stop_v


def test_values_are_parsed():
    params = parse_parameters({"ocpp_version": "2.0.1", "phase_count": 1, "rated_current_a": 32,
                               "measurands": "Power.Active.Import, Current.Import",
                               "max_offline_duration_s": 900, "offline_fallback_limit_a": 8})
    assert (params.ocpp_version, params.phase_count, params.rated_current_a) == ("2.0.1", 1, 32.0)
    assert params.measurands == ("Power.Active.Import", "Current.Import")
    assert (params.max_offline_duration_s, params.offline_fallback_limit_a) == (900.0, 8.0)
    knobs = parse_knobs({"wrong_unit_conversion": "single_phase", "wrong_stacking": None,
                         "overshoot_factor": 1.3, "ignores_min_current": True})
    assert (knobs.wrong_unit_conversion, knobs.wrong_stacking, knobs.overshoot_factor) == \
        ("single_phase", None, 1.3)
    assert knobs.keeps_minimum_instead_of_pause is True


def test_nameplate_gives_voltage_phases_and_rated_current():
    # 11 kW at 3 x 230 V: 11000 / 690 = 15.942 A
    params = parse_parameters({}, {"rated_power_w": 11000, "nominal_voltage_v": 230,
                                   "phase_count": 3, "manufacturer": "ACME"})
    assert params.rated_current_a == pytest.approx(15.942)
    # a flat key wins over the nameplate
    assert parse_parameters({"rated_current_a": 20}, {"rated_power_w": 11000}).rated_current_a == 20.0
    assert parse_parameters({"nameplate": {"phase_count": 1}}).phase_count == 1


@pytest.mark.parametrize("raw, key, words", [
    ({"colour": "red"}, "colour", "unknown key"),
    ({"ocpp_version": "1.6"}, "ocpp_version", "'1.6J', '2.0.1'"),
    ({"phase_count": 2}, "phase_count", "1, 3"),
    ({"rated_current_a": 100}, "rated_current_a", "<= 80"),
    ({"min_current_a": 5}, "min_current_a", ">= 6"),
    ({"rated_current_a": 10, "min_current_a": 12}, "rated_current_a", "min_current_a"),
    ({"meter_value_interval_s": -1}, "meter_value_interval_s", ">= 0"),
    ({"heartbeat_interval_s": 0}, "heartbeat_interval_s", "> 0"),
    ({"measurands": ["Power.Active.Import", "Colour"]}, "measurands[1]", "unknown measurand"),
    ({"phase_switching_supported": "yes"}, "phase_switching_supported", "true/false"),
    ({"undervoltage_stop_v": 240}, "undervoltage_stop_v", "below nominal"),
    ({"charge_profile_max_stack_level": 1.5}, "charge_profile_max_stack_level", "integer"),
    ({"max_offline_duration_s": 0}, "max_offline_duration_s", "> 0"),
    ({}, "nameplate.rated_power_w", "<= 80"),
])
def test_bad_parameters_name_the_key(raw, key, words):
    nameplate = {"rated_power_w": 100000} if key.startswith("nameplate") else None
    with pytest.raises(SimSettingError) as caught:
        parse_parameters(raw, nameplate)
    assert (caught.value.key, caught.value.section) == (key, "parameters")
    assert words in caught.value.problem


@pytest.mark.parametrize("raw, key, words", [
    ({"ignores_profile": True}, "ignores_profile", "unknown key"),
    ({"ignores_profiles": 1}, "ignores_profiles", "true/false"),
    ({"wrong_unit_conversion": "volts"}, "wrong_unit_conversion", "'w_as_a'"),
    ({"wrong_stacking": "random"}, "wrong_stacking", "'lowest_stack_wins'"),
    ({"overshoot_factor": 0.5}, "overshoot_factor", ">= 1"),
    ({"meter_error_factor": 0}, "meter_error_factor", "> 0"),
])
def test_bad_knobs_name_the_key(raw, key, words):
    with pytest.raises(SimSettingError) as caught:
        parse_knobs(raw)
    assert (caught.value.key, caught.value.section) == (key, "knobs")
    assert words in caught.value.problem


@pytest.mark.parametrize("cls", [EvChargerParameters, EvChargerKnobs])
def test_every_field_is_documented_in_the_class_docstring(cls):
    doc = cls.__doc__ or ""
    missing = [f.name for f in fields(cls) if f.name not in doc]
    assert missing == []
