"""Allure results: requirement ids as labels, plots / checks / wire trace / samples as attachments."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from fixtures.allure_evidence import (MAX_STEP_COMMANDS, MAX_TRACE_LINES, evidence_attachments,
                                      evidence_steps)

pytest_plugins = ["pytester"]


def _entries(helpers: Any, n_commands: int = 3) -> list[dict[str, Any]]:
    check = {"kind": "check", "t_s": 2.0, **helpers.make_check("PV-PU-01", plot=helpers.SERIES_PLOT)}
    return ([{"kind": "test_start", "nodeid": "t::x", "t_s": 0.0}]
            + [{"kind": "command", "t_s": 0.1 * i, "target": "ac_source", "text": f"VOLT {230 + i}"}
               for i in range(n_commands)]
            + [{"kind": "sample", "t_s": 1.0, "phases": [[230.1, 10.0, 2300.0, 0, 2300.0, 1.0]],
                "frequency_hz": 50.0, "active_power_w": 2300.0}, check])


def test_evidence_attachments_from_record_lines(helpers: Any) -> None:
    attachments = {name: (body, kind) for name, body, kind in evidence_attachments(_entries(helpers))}
    plot_body, plot_kind = attachments["plot: PV-PU-01 \u2013 PV-PU-01 check"]
    assert plot_kind == "svg" and plot_body.lstrip().startswith("<svg")
    checks = json.loads(attachments["checks"][0])
    assert checks[0]["requirement"] == "PV-PU-01" and "plot" not in checks[0]
    trace = attachments["wire trace (SCPI / SunSpec)"][0]
    assert "ac_source" in trace and "VOLT 232" in trace
    csv_text = attachments["samples (raw data)"][0]   # the layout of the report's raw/<test>.csv
    assert csv_text.splitlines()[0] == "t_s,frequency_hz,active_power_w,U1_V,I1_A,P1_W,Q1_var,S1_VA,PF1"
    assert csv_text.splitlines()[1] == "1.0,50.0,2300.0,230.1,10.0,2300.0,0,2300.0,1.0"
    assert len(csv_text.splitlines()) == 2


def test_long_wire_trace_keeps_head_and_tail(helpers: Any) -> None:
    entries = _entries(helpers, n_commands=MAX_TRACE_LINES + 50)
    trace = {n: b for n, b, _ in evidence_attachments(entries)}["wire trace (SCPI / SunSpec)"]
    lines = trace.splitlines()
    assert len(lines) == MAX_TRACE_LINES + 1
    assert "VOLT 230" in lines[0] and f"VOLT {230 + MAX_TRACE_LINES + 49}" in lines[-1]
    assert "50 lines elided" in lines[MAX_TRACE_LINES // 2]


def test_no_evidence_without_record_lines() -> None:
    assert evidence_attachments([]) == []
    assert evidence_steps([]) == []


def test_evidence_steps_tell_stimulus_then_judgement(helpers: Any) -> None:
    """Each logged step becomes a stimulus step naming the settings it sent (not the reads); each
    check a judgement step with its numbers; a FAIL or INCONCLUSIVE check shows as such."""
    failing = {**helpers.make_check("PV-VRT-01", "FAIL", measured=260.0), "kind": "check", "t_s": 3.0}
    observed = {"kind": "check", "t_s": 4.0, "requirement": "PV-VRT-01", "name": "trips", "quantity": "observed",
                "unit": "bool", "measured": False, "uncertainty": None, "low": None, "high": None,
                "verdict": "FAIL", "rule": "OBSERVATION", "detail": "observed: no",
                "observed_value": {"quantity": "lowest output power", "unit": "W", "value": 3120.0,
                                   "low": None, "high": 500.0, "uncertainty": 24.0}}
    entries = ([{"kind": "step", "t_s": 1.5, "text": "step the voltage to 260 V"},
                {"kind": "command", "t_s": 1.5, "target": "dut", "text": "<- [3,\"17\",{}]"},
                {"kind": "command", "t_s": 1.5, "target": "dut", "text": "-> read holding registers (0x03)"},
                {"kind": "command", "t_s": 1.5, "target": "power_analyzer", "text": "NUMERIC:VALUE?"}]
               + [{"kind": "command", "t_s": 1.6, "target": "ac_source", "text": f"VOLT {250 + i}"}
                  for i in range(MAX_STEP_COMMANDS + 2)]
               + [{"kind": "command", "t_s": 1.7, "target": "power_analyzer", "text": "NUMERIC:VALUE?"},
                  failing, observed])
    stimulus, judged, seen = evidence_steps(entries)
    assert stimulus.title == "stimulus: step the voltage to 260 V" and stimulus.verdict == "PASS"
    assert stimulus.parameters["bench time"] == "1.500 s"
    assert stimulus.parameters["commands"].startswith("ac_source: VOLT 250; ac_source: VOLT 251")
    assert "(+2 more)" in stimulus.parameters["commands"]
    assert not {"NUMERIC", "<-", "read"} & set(stimulus.parameters["commands"].replace(";", " ").split())
    assert judged.title == "judge: PV-VRT-01 check" and judged.verdict == "FAIL"
    assert judged.parameters["measured"] == "260.00 \u00b1 0.30 V"
    assert judged.parameters["required"] == "195.5 \u2026 253 V" and judged.parameters["margin"] == "-7.00 V"
    assert seen.verdict == "FAIL" and seen.parameters["measured"] == "no: lowest output power 3120 \u00b1 24 W"
    assert seen.parameters["margin"] == "-2620 W"


def test_allure_results_carry_requirement_labels_and_attachments(pytester: pytest.Pytester,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A test run under allure-pytest with the plugin: the result names its requirement, carries
    the evidence its record lines hold, and tells them as stimulus and judgement steps."""
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parents[2]))   # this checkout's plugin
    pytester.makeconftest(textwrap.dedent("""
        import types
        import pytest

        @pytest.fixture
        def bench(tmp_path):
            return types.SimpleNamespace(recorder=types.SimpleNamespace(path=tmp_path / "record.jsonl"))
    """))
    pytester.makepyfile(test_evidence=textwrap.dedent("""
        import json
        import pytest

        @pytest.mark.requirement("PV-PU-01", "PV-PU-02")
        def test_step(bench, request):
            lines = [
                {"kind": "test_start", "nodeid": request.node.nodeid, "t_s": 0.0},
                {"kind": "step", "t_s": 0.4, "text": "raise the voltage to 253 V"},
                {"kind": "command", "t_s": 0.5, "target": "ac_source", "text": "VOLT 253"},
                {"kind": "check", "t_s": 1.0, "requirement": "PV-PU-01", "name": "share at Tr",
                 "measured": 0.9, "verdict": "PASS",
                 "plot": {"type": "curve", "x_label": "U / V", "y_label": "P / Pn",
                          "points": [[250, 1.0], [255, 0.7]], "band_low": [], "band_high": []}},
            ]
            bench.recorder.path.write_text("".join(json.dumps(l) + "\\n" for l in lines))

        def test_plain():
            pass
    """))
    results = pytester.path / "allure-results"
    outcome = pytester.runpytest_subprocess("-p", "fixtures.allure_evidence", "--alluredir", str(results),
                                            "-p", "no:cacheprovider")
    outcome.assert_outcomes(passed=2)
    by_name = {}
    for path in results.glob("*-result.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        by_name[data["name"]] = data
    step = by_name["test_step"]
    labels = [(lab["name"], lab["value"]) for lab in step["labels"]]
    assert ("requirement", "PV-PU-01") in labels and ("requirement", "PV-PU-02") in labels
    assert ("story", "PV-PU-01") in labels
    names = {a["name"]: a for a in step["attachments"]}
    assert names["plot: PV-PU-01 \u2013 share at Tr"]["type"] == "image/svg+xml"
    assert "VOLT 253" in (results / names["wire trace (SCPI / SunSpec)"]["source"]).read_text(encoding="utf-8")
    stimulus, judged = step["steps"]
    assert stimulus["name"] == "stimulus: raise the voltage to 253 V" and stimulus["status"] == "passed"
    assert {"name": "commands", "value": "ac_source: VOLT 253"} in stimulus["parameters"]
    assert judged["name"] == "judge: share at Tr" and judged["status"] == "passed"
    assert {p["name"] for p in judged["parameters"]} >= {"measured", "U (k=2)", "required", "margin", "verdict"}
    plain = by_name["test_plain"]
    assert not any(lab["name"] == "requirement" for lab in plain["labels"])
    assert not plain.get("attachments") and not plain.get("steps")
