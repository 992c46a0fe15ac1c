"""Which store a command uses (--db > $FLEXBENCH_DB > the lab dir's SQLite file) and the errors that
name a malformed or unreachable URL."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab.store import StoreError, open_store, resolve_url
from lab.store.url import parse_url


def test_db_option_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FLEXBENCH_DB", f"sqlite:///{tmp_path / 'env.sqlite3'}")
    monkeypatch.setenv("FLEXBENCH_LAB_DIR", str(tmp_path / "lab"))
    assert resolve_url(f"sqlite:///{tmp_path / 'opt.sqlite3'}").database == str(tmp_path / "opt.sqlite3")
    assert resolve_url(None).database == str(tmp_path / "env.sqlite3")


def test_default_is_the_lab_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, no_store_env: None) -> None:
    monkeypatch.chdir(tmp_path)
    assert resolve_url(None).database == str(tmp_path / "out" / "lab" / "results.sqlite3")
    monkeypatch.setenv("FLEXBENCH_LAB_DIR", str(tmp_path / "envlab"))
    assert resolve_url(None).database == str(tmp_path / "envlab" / "results.sqlite3")
    assert resolve_url(None, tmp_path / "optlab").database == str(tmp_path / "optlab" / "results.sqlite3")


@pytest.mark.parametrize("text", ["postgresql://u@h:5/db", "postgres://u@h:5/db", "postgresql+psycopg://u@h:5/db"])
def test_postgresql_urls_use_psycopg_3(text: str) -> None:
    assert parse_url(text).drivername == "postgresql+psycopg"


@pytest.mark.parametrize(("text", "says"), [("not a url", "malformed"), ("mysql://u@h/db", "unsupported"),
                                            ("sqlite://", "names no SQLite file")])
def test_a_bad_url_is_a_usage_error_naming_it(text: str, says: str) -> None:
    with pytest.raises(StoreError, match=says) as caught:
        parse_url(text)
    assert text.split(":")[0] in str(caught.value)


def test_an_unreachable_store_is_named_without_its_password() -> None:
    with pytest.raises(StoreError, match="cannot reach the results store") as caught:
        open_store("postgresql://lab:secret@127.0.0.1:1/results")
    assert "127.0.0.1:1/results" in str(caught.value) and "secret" not in str(caught.value)


def test_an_uncreatable_sqlite_file_is_named(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(StoreError, match="cannot create the results store") as caught:
        open_store(f"sqlite:///{blocker / 'sub' / 'results.sqlite3'}")
    assert str(blocker) in str(caught.value)
