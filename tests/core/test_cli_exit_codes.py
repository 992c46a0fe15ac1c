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


def test_out_naming_a_file_or_a_non_empty_folder_exits_3(capsys, tmp_path):
    (tmp_path / "a-file").write_text("x")
    assert cli.main(["run", "--profile", "sim-pv-inverter", "--out", str(tmp_path / "a-file"), "--quiet"]) == 3
    assert "names a file" in capsys.readouterr().err
    old = tmp_path / "old-report"
    old.mkdir()
    (old / "foreign.txt").write_text("would be signed into the new manifest")
    assert cli.main(["run", "--profile", "sim-pv-inverter", "--out", str(old), "--quiet"]) == 3
    err = capsys.readouterr().err
    assert "not empty" in err and "--force" in err and str(old) in err
    assert (old / "foreign.txt").exists()                      # nothing touched without --force


def test_force_replaces_the_folder_contents_and_says_what_it_removed(tmp_path):
    from bench.campaign import prepare_out_dir

    out = tmp_path / "out"
    (out / "raw").mkdir(parents=True)
    (out / "foreign.txt").write_text("x")
    (out / "raw" / "old.csv").write_text("x")
    assert prepare_out_dir(out, force=True) == "2 entries: foreign.txt, raw"
    assert not list(out.iterdir())
    assert prepare_out_dir(out, force=False) == "" and prepare_out_dir(tmp_path / "new", force=False) == ""
