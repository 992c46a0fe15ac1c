"""The command line as people meet it (issue 14, item 6): --version, help on every option, output that
survives a closed pipe, colour only on a terminal, the start banner's estimate and the live progress."""

from __future__ import annotations

import argparse
import io
import os
import re
from pathlib import Path

import pytest

from bench import __version__, cli
from bench.console import PipeSafeStream, colour_enabled, format_duration_s, paint
from bench.estimate import BENCH_TIMES_FILE, estimate_bench_time, load_bench_times, measure_bench_times
from fixtures.progress import CampaignProgress

REPO = Path(__file__).resolve().parents[2]


def _walk(parser: argparse.ArgumentParser, path: str) -> list[tuple[str, argparse.Action]]:
    found: list[tuple[str, argparse.Action]] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helped = {a.dest for a in action._choices_actions if a.help}
            for name, sub in action.choices.items():
                assert name in helped, f"{path} {name}: subcommand without help"
                found += _walk(sub, f"{path} {name}")
        elif not isinstance(action, argparse._HelpAction):
            found.append((path, action))
    return found


def test_every_option_of_every_subcommand_has_help_text() -> None:
    actions = _walk(cli.build_parser(), "flexbench")
    assert len({path for path, _a in actions}) >= 8           # run, sim, report, verify, diff, keygen, instruments
    missing = [f"{path} {'/'.join(a.option_strings) or a.dest}" for path, a in actions
               if not a.help or a.help == argparse.SUPPRESS]
    assert not missing, f"options without help text: {missing}"


def test_version_names_the_package_and_the_catalogs(capsys: pytest.CaptureFixture[str]) -> None:
    import importlib.metadata

    assert cli.main(["--version"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"flexbench {importlib.metadata.version('flexbench')}") and __version__ in out
    assert re.search(r"catalogs: .*pv_inverter \d+\.\d+\.\d+", out) and "home_battery" in out


def test_verify_help_documents_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["verify", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert all(code in text for code in ("0 OK", "4 UNTRUSTED", "5 FAILED", "7 NOT_A_REPORT"))


def test_a_closed_pipe_swallows_the_rest_of_the_output() -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)
    raw = os.fdopen(write_end, "w")
    stream = PipeSafeStream(raw)          # type: ignore[arg-type]
    stream.write("x" * 200_000)           # more than a pipe holds: the write itself meets the closed pipe
    stream.flush()
    assert stream.broken and stream.write("more") == 4 and not stream.isatty()
    raw.close()                           # the descriptor now points at /dev/null: no error at exit either


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert colour_enabled(_Terminal()) and not colour_enabled(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not colour_enabled(_Terminal())
    assert paint("FAIL", "red", False) == "FAIL" and paint("FAIL", "red", True) == "\x1b[31mFAIL\x1b[0m"


@pytest.mark.parametrize(("seconds", "text"), [(0.4, "0 s"), (42, "42 s"), (278, "4 min 38 s"),
                                               (3 * 3600 + 5 * 60 + 10, "3 h 05 min")])
def test_durations_for_people(seconds: float, text: str) -> None:
    assert format_duration_s(seconds) == text


def test_every_suite_test_has_a_measured_bench_time() -> None:
    """The start banner's estimate covers every compliance test (refresh: python -m bench.estimate)."""
    known = load_bench_times()
    suite_tests = [f"{path.relative_to(REPO).as_posix()}::{name}"
                   for path in sorted((REPO / "test_suites").rglob("test_*.py"))
                   for name in re.findall(r"^def (test_\w+)\(", path.read_text(encoding="utf-8"), re.M)]
    assert suite_tests
    unmeasured = [t for t in suite_tests if not any(k == t or k.startswith(t + "[") for k in known)]
    assert not unmeasured, f"no bench time in {BENCH_TIMES_FILE.name} for {unmeasured}"
    stale = [k for k in known if k.split("[")[0] not in suite_tests]
    assert not stale, f"{BENCH_TIMES_FILE.name} names tests that no longer exist: {stale}"


def test_the_estimate_sums_measured_times_and_names_the_unmeasured(tmp_path: Path) -> None:
    times = {"a.py::test_one": 120.0, "a.py::test_two": 60.5}
    estimate = estimate_bench_time(["a.py::test_one", "a.py::test_two", "b.py::test_new"], times)
    assert estimate.total_s == 180.5 and estimate.unmeasured == ("b.py::test_new",)
    text = estimate.describe()
    assert text.startswith("estimate 3 min 00 s (") and "reference devices" in text and "test_new" in text
    record = tmp_path / "record.jsonl"
    record.write_text('{"kind":"test_start","t_s":10.0,"nodeid":"a.py::test_one"}\n'
                      '{"kind":"step","t_s":11.0,"nodeid":"a.py::test_one","text":"x"}\n'
                      '{"kind":"test_end","t_s":130.5,"nodeid":"a.py::test_one","outcome":"PASS"}\n')
    assert measure_bench_times([record]) == {"a.py::test_one": 120.5}


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _feed(progress: CampaignProgress, clock: _Clock) -> None:
    progress({"kind": "test_start", "t_s": 0.0, "nodeid": "t::a", "name": "test_a", "requirements": ["REQ-A"]})
    clock.now += 1.0
    progress({"kind": "step", "t_s": 50.0, "nodeid": "t::a", "text": "hold 253 V"})
    progress({"kind": "test_end", "t_s": 100.0, "nodeid": "t::a", "outcome": "PASS", "message": ""})
    clock.now += 1.0
    progress({"kind": "test_start", "t_s": 100.0, "nodeid": "t::b", "name": "test_b", "requirements": ["REQ-B"]})
    progress({"kind": "test_end", "t_s": 130.0, "nodeid": "t::b", "outcome": "FAIL",
              "message": "clearing time 1.65 s vs [1.385, 1.615]\nmore"})


def test_piped_progress_is_plain_lines_with_counter_and_eta(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    out, clock = io.StringIO(), _Clock()
    progress = CampaignProgress(["t::a", "t::b"], {"t::a": 100.0, "t::b": 300.0}, stream=lambda: out, wall_clock=clock)
    _feed(progress, clock)
    lines = out.getvalue().splitlines()
    assert "\x1b" not in out.getvalue() and "\r" not in out.getvalue()
    assert lines[0] == "[1/2] REQ-A test_a \u2014 starting \u2014 bench 0.0 s \u2014 ETA \u2014"
    # 1 wall s per 50 bench s so far; 50 s left of test_a + 300 s of test_b = 350 bench s -> 7 s
    assert lines[1] == "[1/2] REQ-A test_a \u2014 hold 253 V \u2014 bench 50.0 s \u2014 ETA 7 s"
    assert lines[2] == "[1/2] PASS REQ-A test_a (100.0 s bench time)"
    assert lines[-1] == "[2/2] FAIL REQ-B test_b (30.0 s bench time): clearing time 1.65 s vs [1.385, 1.615] more"


def test_terminal_progress_rewrites_one_line_and_keeps_the_outcomes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    out, clock = _Terminal(), _Clock()
    progress = CampaignProgress(["t::a", "t::b"], {"t::a": 100.0}, stream=lambda: out, wall_clock=clock)
    _feed(progress, clock)
    text = out.getvalue()
    kept = text.split("\n")
    assert kept[0].startswith("\r\x1b[K[1/2] REQ-A test_a \u2014 starting")      # the live line, rewritten
    assert "\r\x1b[K[1/2] REQ-A test_a \u2014 hold" in kept[0]                      # in place
    assert kept[0].endswith("[1/2] \x1b[32mPASS\x1b[0m REQ-A test_a (100.0 s bench time)")
    assert "\x1b[31mFAIL\x1b[0m REQ-B" in kept[1]
    progress.clear()
    assert out.getvalue() == text                                # nothing live left to clear


def test_no_color_keeps_the_terminal_progress_plain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    out, clock = _Terminal(), _Clock()
    _feed(CampaignProgress(["t::a", "t::b"], {}, stream=lambda: out, wall_clock=clock), clock)
    assert "\x1b[3" not in out.getvalue() and "PASS REQ-A" in out.getvalue()


def test_start_banner_names_dut_bench_market_and_requirements(tmp_path: Path) -> None:
    from bench.campaign import campaign_banner
    from bench.config import load_bench_config, load_device_profile

    config, dut = load_bench_config(None), load_device_profile("sim-home-battery")
    banner = campaign_banner(config=config, dut=dut, market="NL", clock_mode="virtual",
                             requirements=["BAT-SETPOINT"], out_dir=tmp_path / "out")
    text = "\n".join(banner)
    assert banner[0] == f"flexbench {__version__}: compliance campaign"
    assert "DUT          flexbench SIM-BAT-5K-2, serial SIMBAT00001, firmware 1.0.0 (home_battery" in text
    assert "virtual clock" in text and "market       NL, catalog home_battery" in text
    assert re.search(r"requirements 1 of \d+ \(BAT-SETPOINT\)", text)
