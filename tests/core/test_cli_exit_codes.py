"""Issue 13 findings 7 and 9: exit codes mean one thing each. 1 is only NON_COMPLIANT; an unexpected
exception is 2 with a one-line message (traceback only with --verbose); unknown --requirements ids
are an input error (3) naming them, before anything is energised."""

from __future__ import annotations

import pytest

from bench import cli
from bench.campaign import check_requirement_ids
from bench.errors import ConfigError


def _crashing(**kwargs: object) -> int:
    raise TypeError("unsupported operand type(s)\nfor +: 'int' and 'str'")


def test_unexpected_exception_is_exit_2_with_one_line(monkeypatch, capsys):
    monkeypatch.setattr("bench.campaign.run_campaign", _crashing)
    assert cli.main(["run", "--profile", "sim-pv-inverter"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error: TypeError: unsupported operand type(s) for +" in err
    assert "Traceback" not in err and "--verbose" in err
    assert cli.main(["run", "--profile", "sim-pv-inverter", "--verbose"]) == 2
    assert "Traceback" in capsys.readouterr().err


@pytest.mark.parametrize("wanted", ["PV-PU-STEADY,PV-PU-STEADDY", "NOPE-1", " , "])
def test_unknown_requirement_ids_are_named(wanted):
    with pytest.raises(ConfigError, match="unknown requirement id") as err:
        check_requirement_ids(wanted, "pv_inverter")
    for bad in (w.strip() for w in wanted.split(",") if w.strip() and w.strip() != "PV-PU-STEADY"):
        assert bad in str(err.value)


def test_known_requirement_ids_pass():
    assert check_requirement_ids("PV-PU-STEADY, PV-LFSM-O", "pv_inverter") == ["PV-PU-STEADY", "PV-LFSM-O"]


def test_cli_run_with_a_typo_exits_3_before_any_test(capsys, tmp_path):
    code = cli.main(["run", "--profile", "sim-pv-inverter", "--requirements", "PV-PU-STEADDY",
                     "--out", str(tmp_path / "out"), "--quiet"])
    assert code == 3
    assert "PV-PU-STEADDY" in capsys.readouterr().err
    assert not (tmp_path / "out" / "record.jsonl").exists()
