"""The suites' strategy records every catalog parameter and declared value it reads (``parameter``
record lines), so the report can tell exercised values from values not verified."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from bench.catalog import load_catalog
from test_suites.common import DutStrategy
from fake_recorder import ListRecorder


class _Profile:
    nominal_voltage_v, nominal_frequency_hz, rated_power_w, phase_count = 230.0, 50.0, 10000.0, 3
    ratings = {"phase_count": 3}

    def __init__(self, declared: dict[str, Any]) -> None:
        self.declared = declared

    def declared_value(self, name: str, default: Any = None) -> Any:
        return self.declared.get(name, default)


def _strategy(recorder: ListRecorder, declared: dict[str, Any]) -> DutStrategy:
    bench = SimpleNamespace(recorder=recorder, config=SimpleNamespace(
        instruments={"power_analyzer": SimpleNamespace(accuracy={"voltage_v": 0.1})}))
    return DutStrategy(ac_source=None, clock=None, dut_profile=_Profile(declared), catalog=load_catalog("pv_inverter"),
                       market="NL", bench=bench, step=lambda _text: None)


def test_param_declared_and_profile_reads_are_recorded() -> None:
    rec = ListRecorder()
    dut = _strategy(rec, {"power_limit_response_time_s": 5.0, "readings_accuracy": {"voltage_v": 2.3}})
    ramp = dut.param("PV-RECONNECT-RAMP", "ramp_max_pct_pn_per_min")
    assert dut.declared("power_limit_response_time_s", "PV-REMOTE-LIMIT", "response_time_s") == 5.0
    assert dut.declared("not_declared_s", "PV-REMOTE-LIMIT", "response_time_s") > 0     # the catalog's
    assert dut.profile.declared_value("readings_accuracy") == {"voltage_v": 2.3}
    assert dut.profile.declared_value("absent", 7) == 7                                  # nothing declared: no line
    assert dut.profile.rated_power_w == 10000.0                                          # the rest is the profile's
    assert [(x["kind"], x["requirement"], x["name"], x["source"], x["value"]) for x in rec.lines] == [
        ("parameter", "PV-RECONNECT-RAMP", "ramp_max_pct_pn_per_min", "catalog", ramp),
        ("parameter", "PV-REMOTE-LIMIT", "power_limit_response_time_s", "declared", 5.0),
        ("parameter", "PV-REMOTE-LIMIT", "response_time_s", "catalog", rec.lines[2]["value"]),
        ("parameter", "", "readings_accuracy", "declared", {"voltage_v": 2.3}),
    ]
