"""Helpers shared by the chaos tests and benchmarks/reliability.py: where to mutate a document, and
whether a process is still alive."""

from __future__ import annotations

from typing import Any


def value_paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The path (keys and indexes) of every value in a nested mapping / list document."""
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            out += value_paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += value_paths(value, (*prefix, i))
    return out


def pid_alive(pid: int) -> bool:
    """True while process ``pid`` runs (a zombie awaiting its parent's wait counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
