"""Issue 13 findings 5 and 7: hostile or broken YAML is a clear ConfigError naming the file (and line
and field where there is one), within a time and memory budget — never a hang, a traceback or a
silently accepted NaN."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from bench.errors import ConfigError
from bench.yamlconf import MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES, load_yaml

ALIAS_BOMB = "\n".join(
    ["format: flexbench-device-profile/1", 'a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    + [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]) + "\n"


def _write(tmp_path: Path, text: str | bytes, name: str = "profile.yaml") -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def test_alias_bomb_is_refused_quickly_and_in_little_memory(tmp_path):
    path = _write(tmp_path, ALIAS_BOMB)
    assert len(ALIAS_BOMB) < 1000          # a few hundred bytes that would expand to 9**9 strings
    tracemalloc.start()
    try:
        with pytest.raises(ConfigError, match=f"more than {MAX_NODES} values") as err:
            load_yaml(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert str(path) in str(err.value)
    assert peak < 100_000_000


def test_ordinary_aliases_still_load(tmp_path):
    doc = load_yaml(_write(tmp_path, "base: &b {x: 1}\nuse: *b\n"))
    assert doc.data == {"base": {"x": 1}, "use": {"x": 1}}


@pytest.mark.parametrize(("text", "needle", "line"), [
    ("voltage_v: .nan\n", "not a finite number", 1),
    ("a: 1\nvoltage_v: -.inf\n", "not a finite number", 2),
    ("when: !!timestamp 2026-13-45\n", "cannot read value", 1),
    ("? {complex: key}\n: 1\n", "plain scalar", 1),
    ("a: 1\na: 2\n", "duplicate key", 2),
], ids=["nan", "minus-inf", "bad-timestamp", "complex-key", "duplicate"])
def test_bad_values_name_file_and_line(tmp_path, text, needle, line):
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError, match=needle) as err:
        load_yaml(path)
    assert err.value.line == line and str(path) in str(err.value)


def test_binary_file_is_a_clear_error(tmp_path):
    path = _write(tmp_path, b"\x89PNG\r\n\x1a\n\x00\xff\xfe")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_yaml(path)


@pytest.mark.parametrize("kind", ["flow", "block"])
def test_deep_nesting_is_refused(tmp_path, kind):
    depth = 5000 if kind == "flow" else MAX_DEPTH + 5
    text = ("a: " + "[" * depth + "]" * depth + "\n") if kind == "flow" else \
        "".join("  " * i + f"k{i}:\n" for i in range(depth)) + "  " * depth + "v: 1\n"
    with pytest.raises(ConfigError, match="nested deeper"):
        load_yaml(_write(tmp_path, text))


def test_oversized_file_is_refused(tmp_path):
    path = _write(tmp_path, "# " + "x" * MAX_FILE_BYTES + "\na: 1\n")
    with pytest.raises(ConfigError, match="larger than"):
        load_yaml(path)
