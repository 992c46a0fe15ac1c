"""bench/registry.py: the one registration mechanism, and the four tables built on it."""

from __future__ import annotations

from importlib.metadata import EntryPoint

import pytest

import bench.registry as registry_module
from bench.errors import ConfigError
from bench.registry import Registry, UnknownEntryError


def test_eager_and_lazy_entries() -> None:
    reg: Registry[object] = Registry("thing", lazy={"path": "pathlib:Path", "join": "os.path:join"})
    marker = object()
    assert reg.register("eager", marker) is marker
    assert reg.keys() == ["eager", "join", "path"]
    assert list(reg) == reg.keys() and len(reg) == 3
    assert "path" in reg and "nope" not in reg
    import os.path
    import pathlib

    assert reg.get("eager") is marker
    assert reg.get("path") is pathlib.Path
    assert reg.get("join") is os.path.join
    assert reg.get("path") is pathlib.Path      # loaded once, then kept


def test_a_dotted_attribute_is_followed() -> None:
    reg: Registry[object] = Registry("thing", lazy={"now": "datetime:datetime.now"})
    import datetime

    assert reg.get("now") == datetime.datetime.now


def test_an_unknown_key_is_a_config_error_naming_the_known_keys() -> None:
    reg: Registry[object] = Registry("widget model", lazy={"b": "pathlib:Path", "a": "pathlib:PurePath"})
    with pytest.raises(UnknownEntryError) as info:
        reg.get("c")
    assert isinstance(info.value, ConfigError)
    assert str(info.value) == "unknown widget model 'c' (known: a, b)"
    assert (info.value.key, info.value.known) == ("c", ["a", "b"])


def test_registering_a_key_twice_or_a_bad_target_is_refused() -> None:
    reg: Registry[object] = Registry("thing", lazy={"a": "pathlib:Path"})
    with pytest.raises(ValueError, match="registered twice"):
        reg.register("a", object())
    with pytest.raises(ValueError, match="module:attribute"):
        reg.register_lazy("b", "pathlib.Path")


def test_a_lazy_target_that_cannot_be_loaded_says_which() -> None:
    reg: Registry[object] = Registry("thing", lazy={"gone": "pathlib:NoSuchThing"})
    with pytest.raises(ImportError, match="thing 'gone': cannot load 'pathlib:NoSuchThing'"):
        reg.get("gone")


def test_plugins_come_from_the_entry_point_group(monkeypatch: pytest.MonkeyPatch) -> None:
    points = {"flexbench.things": [EntryPoint("acme_x1", "pathlib:PurePosixPath", "flexbench.things")]}
    monkeypatch.setattr(registry_module, "entry_points", lambda group: points.get(group, []))
    reg: Registry[object] = Registry("thing", lazy={"path": "pathlib:Path"}, entry_point_group="flexbench.things")
    import pathlib

    assert reg.keys() == ["acme_x1", "path"]
    assert reg.get("acme_x1") is pathlib.PurePosixPath


def test_a_plugin_may_not_replace_a_built_in(monkeypatch: pytest.MonkeyPatch) -> None:
    points = [EntryPoint("path", "acme:Path", "flexbench.things")]
    monkeypatch.setattr(registry_module, "entry_points", lambda group: points)
    reg: Registry[object] = Registry("thing", lazy={"path": "pathlib:Path"}, entry_point_group="flexbench.things")
    with pytest.raises(ValueError, match="would replace the built-in thing 'path'"):
        reg.get("path")


def test_the_four_tables_share_the_mechanism() -> None:
    from instruments.registry import DRIVERS
    from links.openers import OPENERS
    from simlab import SIM_DEVICES, SIM_INSTRUMENTS

    for table, key in ((DRIVERS, "chroma_61845"), (SIM_INSTRUMENTS, "chroma_61845"),
                       (SIM_DEVICES, "pv_inverter"), (OPENERS, "sunspec_modbus_tcp")):
        assert isinstance(table, Registry)
        assert key in table and callable(table.get(key))
        with pytest.raises(UnknownEntryError, match=f"unknown {table.name} 'no_such_key'"):
            table.get("no_such_key")
    from instruments.registry import PORT_DRIVERS   # stream ports (P1) have drivers of their own

    assert set(SIM_INSTRUMENTS) <= set(DRIVERS) | set(PORT_DRIVERS), \
        "a simulated model is served to a registered driver"
