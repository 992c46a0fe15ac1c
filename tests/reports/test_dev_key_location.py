"""Issue 13 finding 8: the development key lives in one documented per-user place, not under the
working directory."""

from __future__ import annotations

from reports.integrity import DEV_KEY_DIR_ENV, load_signing_key


def test_dev_key_goes_to_the_users_config_dir_whatever_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.delenv(DEV_KEY_DIR_ENV, raising=False)
    monkeypatch.delenv("FLEXBENCH_LAB_KEY", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    for cwd in ("a", "b"):
        (tmp_path / cwd).mkdir()
        monkeypatch.chdir(tmp_path / cwd)
        key = load_signing_key()
        assert key.kind == "development"
        assert not list((tmp_path / cwd).iterdir())            # nothing under the working directory
    assert list((tmp_path / "config" / "flexbench" / "dev-key").iterdir())
