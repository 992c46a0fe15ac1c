"""Report package integrity: SHA-256 manifest + Ed25519 signature, `flexbench verify`, `flexbench report`."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from bench.cli import main as flexbench
from bench.errors import ConfigError
from reports.integrity import (LAB_KEY_ENV, MANIFEST_NAME, SIGNATURE_NAME, development_public_key, load_public_key,
                               load_signing_key, verify_folder, write_manifest)
from reports.package import build_package


@pytest.fixture
def lab_key(tmp_path: Path) -> Path:
    key = tmp_path / "keys" / "lab.pem"
    assert flexbench(["keygen", str(key)]) == 0
    return key


@pytest.fixture
def package(record: Any, helpers: Any, tmp_path: Path, lab_key: Path) -> Path:
    helpers.write_all_pass(record)
    out = tmp_path / "pkg"
    build_package(record.path, out, key_path=lab_key)
    return out


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def test_package_holds_every_format_and_lists_every_file(package: Path) -> None:
    names = {p.relative_to(package).as_posix() for p in _files(package)}
    assert {"report.json", "report.html", "report.pdf", "record.jsonl", MANIFEST_NAME, SIGNATURE_NAME} <= names
    manifest = json.loads((package / MANIFEST_NAME).read_text(encoding="utf-8"))
    listed = [f["path"] for f in manifest["files"]]
    assert listed == sorted(names - {MANIFEST_NAME, SIGNATURE_NAME})
    assert manifest["signer"]["kind"] == "lab"
    assert manifest["report_id"].startswith("FBR-")
    assert manifest["simulated"] is True


def test_final_lines_of_a_run_name_every_file_of_the_package(package: Path) -> None:
    """`flexbench run` ends listing the package from its manifest: the PDF first, whatever else it holds."""
    from bench.campaign import package_lines

    (package / "results.csv").write_text("id,verdict\n", encoding="utf-8")     # a file a later version adds
    key = package.parent / "keys" / "lab.pem"
    build_package(package / "record.jsonl", package, key_path=key)
    lines = package_lines(package)
    listed = [line.strip() for line in lines[1:]]
    assert lines[0].startswith(f"flexbench: report package {package}/")
    assert listed[:3] == [str(package / name) for name in ("report.pdf", "report.html", "report.json")]
    for name in ("results.csv", "record.jsonl", MANIFEST_NAME, SIGNATURE_NAME):
        assert str(package / name) in listed
    assert package_lines(package.parent / "nowhere") == [f"flexbench: report package {package.parent / 'nowhere'}/ "
                                                         "(0 files):"]


def test_untouched_folder_verifies_only_against_a_trusted_key(package: Path, lab_key: Path) -> None:
    result = verify_folder(package)
    assert result.intact and not result.ok and result.status == "UNTRUSTED", result.lines()
    lab_pub = load_public_key(lab_key.with_name("lab.pub.pem"))
    pinned = verify_folder(package, public_key_raw=lab_pub)
    assert pinned.ok, pinned.lines()
    trusted = verify_folder(package, trusted_keys=[lab_pub])
    assert trusted.ok and trusted.lines()[0].startswith("OK"), trusted.lines()


def test_one_changed_byte_in_any_file_fails_and_names_that_file(package: Path) -> None:
    files = _files(package)
    assert len(files) >= 6
    for path in files:
        rel = path.relative_to(package).as_posix()
        original = path.read_bytes()
        flipped = bytearray(original)
        middle = len(flipped) // 2
        flipped[middle] ^= 0x01
        path.write_bytes(bytes(flipped))
        try:
            result = verify_folder(package)
            assert not result.intact, rel
            text = "\n".join(result.lines())
            assert text.startswith("FAILED"), rel
            if rel in (MANIFEST_NAME, SIGNATURE_NAME):
                assert "bad signature" in text and rel in text, text
            else:
                assert result.changed == [rel], (rel, result.lines())
                assert f"changed: {rel}" in text
        finally:
            path.write_bytes(original)
    assert verify_folder(package).intact


def test_missing_and_added_files_are_named(package: Path) -> None:
    (package / "report.pdf").unlink()
    (package / "notes.txt").write_text("added after signing\n", encoding="utf-8")
    result = verify_folder(package)
    assert not result.intact
    assert result.missing == ["report.pdf"]
    assert result.added == ["notes.txt"]
    assert result.signature_ok   # the manifest itself is intact: only the folder changed


def test_resigned_manifest_is_caught_by_the_lab_public_key(package: Path, lab_key: Path, tmp_path: Path) -> None:
    """Someone edits a file and re-signs with their own key: the embedded key verifies, the lab's does not."""
    (package / "report.html").write_text("<p>forged</p>", encoding="utf-8")
    forger = load_signing_key(dev_key_dir=tmp_path / "forger")
    write_manifest(package, forger)
    forged = verify_folder(package)
    assert forged.intact and not forged.ok               # self-consistent, but by a key nobody trusts ...
    assert forged.status == "UNTRUSTED" and forged.fingerprint == forger.fingerprint
    pinned = verify_folder(package, public_key_raw=load_public_key(lab_key.with_name("lab.pub.pem")))
    assert not pinned.ok                                  # ... which the lab's published key exposes
    assert not pinned.signature_ok
    assert any("different key" in p for p in pinned.problems)


def test_development_key_is_created_once_and_labelled(record: Any, helpers: Any, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(LAB_KEY_ENV, raising=False)
    helpers.write_all_pass(record)
    dev_dir = tmp_path / "dev"
    first = build_package(record.path, tmp_path / "a", dev_key_dir=dev_dir)
    second = build_package(record.path, tmp_path / "b", dev_key_dir=dev_dir)
    assert first.signer_kind == second.signer_kind == "development"
    assert first.signer_fingerprint == second.signer_fingerprint
    key_files = list(dev_dir.glob("*.pem"))
    assert len(key_files) == 1 and "DEVELOPMENT" in key_files[0].name
    assert stat.S_IMODE(key_files[0].stat().st_mode) == 0o600
    signer = json.loads((tmp_path / "a" / MANIFEST_NAME).read_text(encoding="utf-8"))["signer"]
    assert signer["kind"] == "development" and "NOT" in signer["note"]
    assert not list((tmp_path / "a").rglob("*.pem"))      # the private key never lands in the report folder
    result = verify_folder(tmp_path / "a")
    assert result.status == "UNTRUSTED" and "DEVELOPMENT key" in "\n".join(result.lines())
    trusted = verify_folder(tmp_path / "a", trusted_keys=[development_public_key(dev_dir)])
    assert trusted.ok


def test_lab_key_from_environment(record: Any, helpers: Any, tmp_path: Path, lab_key: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(LAB_KEY_ENV, str(lab_key))
    helpers.write_all_pass(record)
    result = build_package(record.path, tmp_path / "a", dev_key_dir=tmp_path / "dev")
    assert result.signer_kind == "lab"
    assert not (tmp_path / "dev").exists()


def test_unreadable_lab_key_is_a_configuration_error(record: Any, helpers: Any, tmp_path: Path) -> None:
    helpers.write_all_pass(record)
    bad = tmp_path / "bad.pem"
    bad.write_text("not a key\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="bad.pem"):
        build_package(record.path, tmp_path / "a", key_path=bad)
    assert not (tmp_path / "a").exists()                  # nothing written before the key is known


def test_verify_command_exit_codes_and_output(package: Path, lab_key: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    lab_pub = str(lab_key.with_name("lab.pub.pem"))
    assert flexbench(["verify", str(package), "--trusted-keys", lab_pub]) == 0
    assert capsys.readouterr().out.startswith("OK")
    assert flexbench(["verify", str(package), "--trusted-keys", str(lab_key.parent)]) == 0   # a folder of keys
    capsys.readouterr()
    assert flexbench(["verify", str(package)]) == 4                      # intact, but nobody said whom to trust
    assert capsys.readouterr().out.startswith("UNTRUSTED")
    with (package / "report.json").open("ab") as fh:
        fh.write(b" ")
    assert flexbench(["verify", str(package), "--trusted-keys", lab_pub]) == 5
    out = capsys.readouterr().out
    assert out.startswith("FAILED") and "changed: report.json" in out
    assert flexbench(["verify", str(package.parent / "nowhere")]) == 7   # not a report folder: not tampered
    assert capsys.readouterr().out.startswith("NOT_A_REPORT")


def test_a_folder_that_is_no_report_is_told_apart_from_a_tampered_one(package: Path, tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    stranger = tmp_path / "holiday-photos"
    stranger.mkdir()
    (stranger / "beach.jpg").write_bytes(b"x")
    (tmp_path / "a-file").write_text("x")
    for folder in (stranger, tmp_path / "a-file"):
        assert flexbench(["verify", str(folder)]) == 7
        assert capsys.readouterr().out.startswith("NOT_A_REPORT")
    (package / MANIFEST_NAME).unlink()              # a report whose manifest was deleted IS tampered with
    assert flexbench(["verify", str(package)]) == 5
    out = capsys.readouterr().out
    assert out.startswith("FAILED") and f"missing: {MANIFEST_NAME}" in out


def test_symlinks_and_fifos_in_a_report_folder_fail_verification(package: Path, lab_key: Path) -> None:
    lab_pub = load_public_key(lab_key.with_name("lab.pub.pem"))
    (package / "looks-like-evidence.csv").symlink_to(package / "report.json")
    os.mkfifo(package / "pipe")
    result = verify_folder(package, trusted_keys=[lab_pub])
    assert result.status == "FAILED"
    assert {"not a regular file: looks-like-evidence.csv", "not a regular file: pipe"} <= \
        {p.split(" (")[0] for p in result.problems}


def test_report_command_regenerates_identical_report_json(package: Path, lab_key: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    before = {p.name: p.read_bytes() for p in package.iterdir() if p.is_file()}
    assert flexbench(["report", str(package / "record.jsonl"), "--key", str(lab_key)]) == 0
    after = {p.name: p.read_bytes() for p in package.iterdir() if p.is_file()}
    assert after["report.json"] == before["report.json"]
    assert after["report.pdf"] == before["report.pdf"]
    assert after["report.html"] == before["report.html"]
    assert verify_folder(package).intact
    assert "signed with the lab key" in capsys.readouterr().out


def test_report_command_into_another_folder_copies_the_raw_record(package: Path, lab_key: Path,
                                                                  tmp_path: Path) -> None:
    other = tmp_path / "rebuilt"
    assert flexbench(["report", str(package / "record.jsonl"), "--out", str(other), "--key", str(lab_key)]) == 0
    assert (other / "report.json").read_bytes() == (package / "report.json").read_bytes()
    assert (other / "record.jsonl").read_bytes() == (package / "record.jsonl").read_bytes()
    assert verify_folder(other).intact
    assert not os.path.samefile(other / "record.jsonl", package / "record.jsonl")
