"""Serving a simulated device's profile-declared links from its ``serve()`` lab hook: a Modbus
register map (``links.<name>.register_map``, TCP or RTU) answered from per-role readers and writers
(:class:`PointBackend`), and the S2 resource manager dialing the bench's CEM (:class:`LinkServers`).
Shared by the heat pump and the home battery."""

from __future__ import annotations

from typing import Any, Callable

__all__ = ["PointBackend", "UnknownPointError", "LinkServers", "heartbeat_points_of"]


class UnknownPointError(KeyError):
    """A register map names a point role the simulated device does not implement."""


class PointBackend:
    """A ``MapBackend`` (links/modbus_map/server.py) built from per-role readers and writers.

    Values are engineering units. A point the map declares with an ``enum`` is translated: a written
    raw value becomes its label, and the label (``labels[role]``) the device code; a read gives the
    map's label of the device code (or the code when the map has no such label). A point used as a
    SunSpec scale factor (``scale: <point>``) and not served by the device reads 0 (values are sent
    unscaled). Heartbeat roles read back the last value written.
    """

    labels: dict[str, dict[int, tuple[str, ...]]] = {}

    def __init__(self, register_map: Any | None, readers: dict[str, Callable[[], Any]],
                 writers: dict[str, Callable[[Any], None]], heartbeat: Callable[[], None]) -> None:
        self.map = register_map
        self.readers = dict(readers)
        self.writers = dict(writers)
        self._heartbeat_value: Any = 0
        for name in heartbeat_points_of(register_map):
            self.readers[name] = lambda: self._heartbeat_value
            self.writers[name] = self._beat(heartbeat)
        points = getattr(register_map, "points", ())
        self._scale_points = {p.scale_point for p in points if p.scale_point} - set(self.readers)
        self._enums = {p.name: p for p in points if p.enum}

    def _beat(self, heartbeat: Callable[[], None]) -> Callable[[Any], None]:
        def write(value: Any) -> None:
            self._heartbeat_value = value
            heartbeat()
        return write

    def roles(self) -> set[str]:
        return set(self.readers) | set(self.writers)

    def unknown_points(self) -> list[tuple[int, str, str]]:
        """(index, role, problem) of every declared point the device cannot serve as declared."""
        out = []
        for i, point in enumerate(getattr(self.map, "points", ())):
            if point.name in self._scale_points:
                continue
            if point.name not in self.roles():
                out.append((i, point.name, f"the simulated device has no point role {point.name!r} "
                                           f"(it has: {', '.join(sorted(self.roles()))})"))
            elif point.writable and point.name not in self.writers:
                out.append((i, point.name, f"point role {point.name!r} is read-only on the simulated device"))
            elif point.readable and point.name not in self.readers:
                out.append((i, point.name, f"point role {point.name!r} is write-only on the simulated device"))
        return out

    def read_point(self, name: str) -> Any:
        if name in self._scale_points:
            return 0
        reader = self.readers.get(name)
        if reader is None:
            raise UnknownPointError(name)
        value = reader()
        point = self._enums.get(name)
        if point is not None and name in self.labels:
            declared = point.enum_values
            for label in self.labels[name].get(int(value), ()):
                if label in declared:
                    return label
        return value

    def write_point(self, name: str, value: Any) -> None:
        writer = self.writers.get(name)
        if writer is None:
            if name in self.readers:
                raise ValueError(f"point {name!r} is read-only on this device")
            raise UnknownPointError(name)
        point = self._enums.get(name)
        if point is not None and name in self.labels and not isinstance(value, bool):
            label = point.label_of(int(value))
            if label is not None:
                value = label
        writer(value)


class LinkServers:
    """Starts the protocol endpoints a simulated device's profile links ask for (Modbus map over TCP
    or RTU, the S2 resource manager dialing the bench's CEM) and closes them. ``map_backend`` builds
    the device's ``MapBackend`` for a parsed register map."""

    def __init__(self, links: dict[str, dict[str, Any]], map_backend: Callable[[Any], PointBackend],
                 resource_manager: Any | None = None) -> None:
        self.links = links
        self._map_backend = map_backend
        self.resource_manager = resource_manager      # simlab.devices.s2_resource_manager.SimResourceManager, or None
        self._handles: list[Any] = []

    def register_maps(self) -> dict[str, Any]:
        """The parsed register map of every Modbus-map link (the profile's, with the one parser
        links/modbus_map/register_map.py), checked against the device's point roles: a bad map or a
        point the device cannot serve raises :class:`~bench.errors.ConfigError` naming the field."""
        from bench.errors import ConfigError
        from links.modbus_map.register_map import parse_register_map

        maps = {}
        for name, link in self.links.items():
            if link.get("protocol") not in ("modbus_map_tcp", "modbus_map_rtu"):
                continue
            path = f"links.{name}.register_map"
            maps[name] = rmap = parse_register_map(link.get("register_map"), path=path)
            for index, _role, problem in self._map_backend(rmap).unknown_points():
                raise ConfigError(problem, field=f"{path}.points[{index}].name")
        return maps

    async def start(self, host: str) -> dict[str, int | str]:
        endpoints: dict[str, int | str] = {}
        maps = self.register_maps()
        for name, link in self.links.items():
            protocol = link.get("protocol")
            if protocol == "modbus_map_tcp":
                from links.modbus_map.server import start_modbus_map_tcp

                handle, port = await start_modbus_map_tcp(maps[name], self._map_backend(maps[name]), host, 0)
                self._handles.append(handle)
                endpoints.setdefault("dut_modbus", port)
            elif protocol == "modbus_map_rtu":
                from links.modbus_map.server import start_modbus_map_rtu

                handle, tty = await start_modbus_map_rtu(maps[name], self._map_backend(maps[name]))
                self._handles.append(handle)
                endpoints.setdefault("dut_rtu", tty)
        if self.resource_manager is not None:
            endpoints.update(await self.resource_manager.start() or {})
        return endpoints

    def next_event_s(self) -> float | None:
        return self.resource_manager.next_event_s() if self.resource_manager is not None else None

    async def on_time(self, t_s: float) -> None:
        if self.resource_manager is not None:
            await self.resource_manager.on_time(t_s)

    async def aclose(self) -> None:
        if self.resource_manager is not None:
            await self.resource_manager.aclose()
        handles, self._handles = self._handles, []
        for handle in reversed(handles):
            await handle.close()


def heartbeat_points_of(register_map: Any) -> tuple[str, ...]:
    """Role names written as a heartbeat: ``heartbeat``, ``watchdog`` and the map's ``watchdog.point``."""
    watchdog = getattr(register_map, "watchdog", None)
    names = ("heartbeat", "watchdog")
    return names + ((watchdog.point,) if watchdog is not None and watchdog.point not in names else ())
