"""Walking a pysunspec2 group tree: shared by the bench-side link and the simulated device's
register map, so both name SunSpec points the same way (``Crv[1].Pt[2].V``)."""

from __future__ import annotations

from typing import Iterator

import sunspec2.device as ss_device


def walk_points(group: ss_device.Group, prefix: str = "") -> Iterator[tuple[str, ss_device.Point]]:
    """Yield ``(dotted name, point)`` for every point below ``group``; repeating groups are
    numbered from 1 as in the SunSpec model definitions."""
    for name, point in group.points.items():
        yield prefix + name, point
    for name, sub in group.groups.items():
        if isinstance(sub, list):
            for i, g in enumerate(sub, start=1):
                yield from walk_points(g, f"{prefix}{name}[{i}].")
        else:
            yield from walk_points(sub, f"{prefix}{name}.")
