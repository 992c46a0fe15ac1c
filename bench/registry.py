"""One registration mechanism: a named table of key -> entry, for every pluggable kind of thing.

flexbench has four such tables, all of this type:

==========================================  ==============================  ============================
table                                       key                             entry
==========================================  ==============================  ============================
``instruments.registry.DRIVERS``            instrument model                driver class
``simlab.SIM_INSTRUMENTS``                  simulated instrument model      factory of the simulation
``simlab.SIM_DEVICES``                      simulated device kind           ``lab_device(ctx)`` builder
``links.openers.OPENERS``                   DUT link protocol               opener class
==========================================  ==============================  ============================

An entry is registered eagerly (the object) or lazily as ``"package.module:attribute"``, imported
on first :meth:`Registry.get` (so a campaign imports only the drivers and protocol stacks it uses).
A registry given an ``entry_point_group`` also takes third-party plugins: every entry point of that
group (``[project.entry-points."flexbench.instrument_drivers"] acme_x1 = "acme_bench.x1:AcmeX1"``)
is registered lazily under its name the first time the registry is read. A plugin may not replace
a built-in entry.

An unknown key raises :class:`UnknownEntryError` (a ``ConfigError``) naming the known keys.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from importlib.metadata import entry_points
from typing import Any, Generic, TypeVar, cast

from bench.errors import ConfigError

__all__ = ["Registry", "UnknownEntryError"]

T = TypeVar("T")


class UnknownEntryError(ConfigError):
    """A key no entry is registered under (an unknown model, device kind or protocol)."""

    def __init__(self, registry: str, key: str, known: list[str]) -> None:
        self.registry, self.key, self.known = registry, key, known
        super().__init__(f"unknown {registry} {key!r} (known: {', '.join(known) or 'none'})")


class Registry(Generic[T]):
    """Key -> entry of one kind; ``name`` says what a key is (used in error messages), ``lazy``
    registers ``{key: "package.module:attribute"}`` (see :meth:`register_lazy`)."""

    def __init__(self, name: str, *, lazy: Mapping[str, str] | None = None,
                 entry_point_group: str | None = None) -> None:
        self.name = name
        self.entry_point_group = entry_point_group
        self._loaded: dict[str, T] = {}
        self._lazy: dict[str, str] = {}
        self._plugins_found = entry_point_group is None
        for key, target in (lazy or {}).items():
            self.register_lazy(key, target)

    def __repr__(self) -> str:
        return f"Registry({self.name!r}, {len(self)} entries)"

    # ---- registration ----------------------------------------------------------------------------
    def register(self, key: str, entry: T) -> T:
        """Register ``entry`` under ``key`` (returns it, so a definition can register itself)."""
        self._claim(key)
        self._loaded[key] = entry
        return entry

    def register_lazy(self, key: str, target: str) -> None:
        """Register ``"package.module:attribute"`` under ``key``; imported on first :meth:`get`."""
        module, sep, attribute = target.partition(":")
        if not sep or not module or not attribute:
            raise ValueError(f"{self.name} {key!r}: a lazy entry is 'package.module:attribute', got {target!r}")
        self._claim(key)
        self._lazy[key] = target

    def _claim(self, key: str) -> None:
        if not key:
            raise ValueError(f"{self.name}: an empty key")
        if key in self._loaded or key in self._lazy:
            raise ValueError(f"{self.name} {key!r} is registered twice")

    # ---- lookup ----------------------------------------------------------------------------------
    def get(self, key: str) -> T:
        """The entry of ``key``; :class:`UnknownEntryError` when there is none."""
        self._find_plugins()
        if key in self._loaded:
            return self._loaded[key]
        target = self._lazy.get(key)
        if target is None:
            raise UnknownEntryError(self.name, key, self.keys())
        module, _, attribute = target.partition(":")
        try:
            found: Any = importlib.import_module(module)
            for name in attribute.split("."):
                found = getattr(found, name)
        except (ImportError, AttributeError) as exc:
            raise ImportError(f"{self.name} {key!r}: cannot load {target!r}: {exc}") from exc
        entry = cast(T, found)
        del self._lazy[key]
        self._loaded[key] = entry
        return entry

    def keys(self) -> list[str]:
        """Every registered key, sorted."""
        self._find_plugins()
        return sorted(self._loaded.keys() | self._lazy.keys())

    def __contains__(self, key: object) -> bool:
        self._find_plugins()
        return key in self._loaded or key in self._lazy

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self.keys())

    def _find_plugins(self) -> None:
        if self._plugins_found:
            return
        points = list(entry_points(group=cast(str, self.entry_point_group)))
        for point in points:
            if point.name in self._loaded or point.name in self._lazy:
                raise ValueError(f"plugin {point.value!r} ({self.entry_point_group}) would replace "
                                 f"the built-in {self.name} {point.name!r}")
        for point in points:
            self.register_lazy(point.name, point.value)
        self._plugins_found = True
