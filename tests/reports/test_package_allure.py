"""Allure results: requirement ids as labels, plots / checks / wire trace / samples as attachments."""

from __future__ import annotations

import json
import textwrap
from typing import Any

import pytest

from fixtures.allure_evidence import MAX_TRACE_LINES, evidence_attachments

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
    csv_text = attachments["samples (raw data)"][0]
    assert csv_text.splitlines()[0] == "t_s,frequency_hz,active_power_w,u1_v"
    assert csv_text.splitlines()[1] == "1.0,50.0,2300.0,230.1"


def test_long_wire_trace_keeps_head_and_tail(helpers: Any) -> None:
    entries = _entries(helpers, n_commands=MAX_TRACE_LINES + 50)
    trace = {n: b for n, b, _ in evidence_attachments(entries)}["wire trace (SCPI / SunSpec)"]
    lines = trace.splitlines()
    assert len(lines) == MAX_TRACE_LINES + 1
    assert "VOLT 230" in lines[0] and f"VOLT {230 + MAX_TRACE_LINES + 49}" in lines[-1]
    assert "50 lines elided" in lines[MAX_TRACE_LINES // 2]


def test_no_evidence_without_record_lines() -> None:
    assert evidence_attachments([]) == []


def test_allure_results_carry_requirement_labels_and_attachments(pytester: pytest.Pytester) -> None:
    """A test run under allure-pytest with the plugin: the result names its requirement and carries
    the evidence its record lines hold."""
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
    plain = by_name["test_plain"]
    assert not any(lab["name"] == "requirement" for lab in plain["labels"])
    assert not plain.get("attachments")
