"""Requirement catalog: shipped content, schema/consistency errors, selection and overrides."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from bench.catalog import CATALOG_DIR, load_catalog, load_catalog_file
from bench.errors import ConfigError

EXPECTED_IDS = {
    "PV-PU-STEADY", "PV-PU-RESPONSE", "PV-ACTIVE-LIMITING", "PV-UMEAN-TRIP", "PV-UMAX-TRIP",
    "PV-UMIN-TRIP", "PV-UMINMIN-TRIP", "PV-FMAX-TRIP", "PV-FMIN-TRIP", "PV-RECONNECT-WINDOW",
    "PV-RECONNECT-DELAY", "PV-RECONNECT-RAMP", "PV-LFSM-O", "PV-REMOTE-LIMIT",
    "PV-SUNSPEC-DISCOVERY", "PV-SUNSPEC-READINGS", "PV-SUNSPEC-CONFORMANCE",
    "PV-QU-STEADY", "PV-QU-RESPONSE", "PV-COSPHI-P", "PV-FIXED-COSPHI", "PV-FIXED-Q", "PV-Q-PRIORITY",
    "PV-LVRT", "PV-HVRT", "PV-PHASE-JUMP", "PV-ROCOF",
    "PV-LFSM-U", "PV-PU-UNBALANCED", "PV-CURRENT-UNBALANCE",
    "PV-FEEDER-VOLTAGE", "PV-QU-UNBALANCED",
}


@pytest.fixture(scope="module")
def catalog():
    return load_catalog("pv_inverter")


def _raw() -> dict:
    return yaml.safe_load((CATALOG_DIR / "pv_inverter.yaml").read_text(encoding="utf-8"))


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_shipped_catalog_has_every_pv_requirement(catalog):
    assert catalog.name == "pv_inverter"
    assert catalog.version
    assert set(catalog.ids()) == EXPECTED_IDS
    assert catalog.markets == ("NL", "DE")


def test_every_requirement_has_nl_and_de_values(catalog):
    for rid in catalog.ids():
        req = catalog.requirement(rid)
        assert req.param_names(), rid
        for name in req.param_names():
            for market in ("NL", "DE"):
                assert req.param(name, market) is not None, (rid, name, market)
            assert req.unit(name)


def test_unverified_parameters_make_the_requirement_unverified(catalog):
    for rid in catalog.ids():
        req = catalog.requirement(rid)
        tags = {req.param_confidence(n, m) for n in req.param_names() for m in ("NL", "DE")}
        assert tags <= {"std", "impl", "unverified", "policy"}
        if "unverified" in tags:
            assert req.confidence == "unverified", rid
        if req.confidence == "unverified":
            assert req.note, f"{rid}: unverified values must be explained in a note"


def test_key_values(catalog):
    pu = catalog.requirement("PV-PU-STEADY")
    assert pu.param("volt_watt_points_pct", "NL") == [[106.0, 100.0], [110.0, 20.0]]
    assert catalog.requirement("PV-PU-RESPONSE").param("response_time_s", "DE") == 10.0
    umean = catalog.requirement("PV-UMEAN-TRIP")
    assert umean.param("threshold_pct_un", "NL") == 110.0
    assert umean.param("max_trip_delay_s", "NL") == 3.0
    assert umean.param_confidence("max_trip_delay_s", "NL") == "unverified"
    assert catalog.requirement("PV-UMAX-TRIP").param("threshold_pct_un", "DE") == 115.0
    assert catalog.requirement("PV-UMIN-TRIP").param("clearing_time_s", "NL") == 1.5
    assert catalog.requirement("PV-FMAX-TRIP").param("stages_hz_s", "NL") == [[51.5, 2.0], [52.0, 0.1]]
    assert catalog.requirement("PV-FMIN-TRIP").param("stages_hz_s", "NL") == [[47.5, 2.0], [47.0, 0.1]]
    win = catalog.requirement("PV-RECONNECT-WINDOW")
    assert (win.param("frequency_low_hz", "NL"), win.param("frequency_high_hz", "NL")) == (49.9, 50.1)
    assert catalog.requirement("PV-RECONNECT-DELAY").param("observation_time_s", "DE") == 60.0
    assert catalog.requirement("PV-RECONNECT-RAMP").param("ramp_max_pct_pn_per_min", "NL") == 10.0
    lfsm = catalog.requirement("PV-LFSM-O")
    assert (lfsm.param("f_start_hz", "NL"), lfsm.param("droop_pct", "NL")) == (50.2, 5.0)
    assert catalog.requirement("PV-ACTIVE-LIMITING").param("ten_minute_mean_max_v", "NL") == 253.0
    assert catalog.requirement("PV-ACTIVE-LIMITING").unit("ten_minute_mean_max_v") == "V"


def test_decision_sections_name_known_rules(catalog):
    rules = {catalog.requirement(r).decision["rule"] for r in catalog.ids()}
    assert rules <= {"band_1547", "first_order_response", "max_time", "min_time", "max_rate",
                     "within", "observed"}
    assert catalog.requirement("PV-PU-STEADY").decision["rule"] == "band_1547"
    assert catalog.requirement("PV-PU-RESPONSE").decision["rule"] == "first_order_response"


def test_param_returns_a_copy(catalog):
    req = catalog.requirement("PV-PU-STEADY")
    pts = req.param("volt_watt_points_pct", "NL")
    pts.append([120.0, 0.0])
    assert len(req.param("volt_watt_points_pct", "NL")) == 2


def test_for_market_shape_is_serialisable(catalog):
    sel = catalog.for_market("nl")
    json.dumps(sel)
    assert [r["id"] for r in sel] == catalog.ids()
    for r in sel:
        assert set(r) == {"id", "title", "source", "clause", "references", "mandatory", "confidence", "parameters"}
        assert r["references"] and all(set(x) >= {"document", "clause", "confidence"} for x in r["references"])
        for p in r["parameters"].values():
            assert set(p) == {"value", "unit"}
    de = {r["id"]: r for r in catalog.for_market("DE")}
    assert de["PV-UMIN-TRIP"]["parameters"]["threshold_pct_un"] == {"value": 80.0, "unit": "% Un"}


def test_unknown_market_and_ids(catalog):
    with pytest.raises(ConfigError, match="FR"):
        catalog.for_market("FR")
    with pytest.raises(ConfigError, match="FR"):
        catalog.requirement("PV-PU-STEADY").param("mra_voltage_pct_un", "FR")
    with pytest.raises(ConfigError, match="PV-NOPE"):
        catalog.requirement("PV-NOPE")
    with pytest.raises(ConfigError, match="nope_s"):
        catalog.requirement("PV-PU-STEADY").param("nope_s", "NL")
    with pytest.raises(ConfigError, match="heat_pump_xyz"):
        load_catalog("heat_pump_xyz")


def test_overrides_all_markets_and_per_market(catalog):
    c2 = catalog.overridden({"PV-UMEAN-TRIP": {"max_trip_delay_s": 5.0},
                             "PV-RECONNECT-DELAY": {"observation_time_s": {"de": 300.0}}})
    assert c2.requirement("PV-UMEAN-TRIP").param("max_trip_delay_s", "NL") == 5.0
    assert c2.requirement("PV-UMEAN-TRIP").param("max_trip_delay_s", "DE") == 5.0
    assert c2.requirement("PV-RECONNECT-DELAY").param("observation_time_s", "DE") == 300.0
    assert c2.requirement("PV-RECONNECT-DELAY").param("observation_time_s", "NL") == 60.0
    assert c2.overrides["PV-RECONNECT-DELAY"] == {"observation_time_s": {"DE": 300.0}}
    # the original is untouched
    assert catalog.requirement("PV-UMEAN-TRIP").param("max_trip_delay_s", "NL") == 3.0
    assert not catalog.overrides


@pytest.mark.parametrize("overrides, named", [
    ({"PV-NOPE": {"x": 1}}, "PV-NOPE"),
    ({"PV-UMEAN-TRIP": {"nope_s": 1}}, "nope_s"),
    ({"PV-UMEAN-TRIP": {"max_trip_delay_s": {"FR": 1}}}, "FR"),
    ({"PV-UMEAN-TRIP": {"max_trip_delay_s": "three"}}, "max_trip_delay_s"),
    ({"PV-PU-STEADY": {"volt_watt_points_pct": 3.0}}, "volt_watt_points_pct"),
])
def test_bad_overrides_name_the_culprit(catalog, overrides, named):
    with pytest.raises(ConfigError) as exc:
        catalog.overridden(overrides)
    assert named in str(exc.value)
    assert exc.value.field and named in exc.value.field


def test_schema_error_names_the_field_and_line(tmp_path):
    data = _raw()
    data["requirements"][3]["mandatory"] = "yes"
    with pytest.raises(ConfigError) as exc:
        load_catalog_file(_write(tmp_path, data))
    assert exc.value.field == "requirements.PV-UMEAN-TRIP.mandatory"
    assert exc.value.line is not None
    assert "broken.yaml" in str(exc.value)


def test_schema_error_bad_confidence_tag(tmp_path):
    data = _raw()
    data["requirements"][0]["parameters"]["mra_voltage_pct_un"]["confidence"] = "guess"
    with pytest.raises(ConfigError) as exc:
        load_catalog_file(_write(tmp_path, data))
    assert "PV-PU-STEADY.parameters.mra_voltage_pct_un" in exc.value.field


def test_missing_required_key(tmp_path):
    data = _raw()
    del data["requirements"][1]["decision"]
    with pytest.raises(ConfigError, match="decision") as exc:
        load_catalog_file(_write(tmp_path, data))
    assert exc.value.field == "requirements.PV-PU-RESPONSE"


def test_missing_market_value_names_parameter(tmp_path):
    data = _raw()
    del data["requirements"][0]["parameters"]["volt_watt_points_pct"]["values"]["DE"]
    with pytest.raises(ConfigError, match="DE") as exc:
        load_catalog_file(_write(tmp_path, data))
    assert exc.value.field == "requirements.PV-PU-STEADY.parameters.volt_watt_points_pct.values"


def test_unverified_parameter_needs_unverified_requirement(tmp_path):
    data = _raw()
    data["requirements"][0]["parameters"]["mra_voltage_pct_un"]["confidence"] = "unverified"
    with pytest.raises(ConfigError) as exc:
        load_catalog_file(_write(tmp_path, data))
    assert exc.value.field == "requirements.PV-PU-STEADY.confidence"


def test_duplicate_id_and_bad_decision_reference(tmp_path):
    data = _raw()
    data["requirements"].append(data["requirements"][0])
    with pytest.raises(ConfigError, match="duplicate"):
        load_catalog_file(_write(tmp_path, data))
    data = _raw()
    data["requirements"][4]["decision"]["limit_param"] = "nope_s"
    with pytest.raises(ConfigError, match="nope_s"):
        load_catalog_file(_write(tmp_path, data))


def test_wrong_format_and_invalid_yaml(tmp_path):
    data = _raw()
    data["format"] = "flexbench-catalog/2"
    with pytest.raises(ConfigError) as exc:
        load_catalog_file(_write(tmp_path, data))
    assert exc.value.field == "format"
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="YAML"):
        load_catalog_file(bad)


def test_market_values_must_have_the_same_kind(tmp_path):
    data = _raw()
    data["requirements"][6]["parameters"]["clearing_time_s"]["values"]["DE"] = "fast"
    with pytest.raises(ConfigError, match="differ in kind") as exc:
        load_catalog_file(_write(tmp_path, data))
    assert exc.value.field == "requirements.PV-UMINMIN-TRIP.parameters.clearing_time_s.values"
