"""DUT links: how the bench reaches the device under test, one opener per protocol.

A device profile declares its links under ``links:`` (``control`` is the primary one; more may
follow, e.g. ``sg_ready`` beside a ``modbus`` map). For each, the session builds the opener class
registered for its ``protocol`` in :data:`OPENERS` as ``cls(session, name, cfg)`` and calls, in
this order:

1. ``before_lab() -> dict`` — start whatever the device dials (an OCPP CSMS, an S2 CEM); the
   returned runtime info (URL, credentials...) is handed to a simulated device as
   ``ctx.links[name]`` (simlab/devices/registry.py). Runs before the clock exists.
2. ``open() -> link`` — after the lab and the instruments are up (simulated endpoints in
   ``session.lab.ports``): connect, identify, and return the link object the suites use.
   The opener of the ``control`` link records ``dut_identity`` (declared vs read from the device).
3. ``close()`` — on every exit path; must not raise for an already-closed link.

``session`` is the bench while it opens (bench.session.LinkContext): ``config``, ``profile``,
``out_dir``, ``simulated`` and ``recorder`` from the start; ``lab`` (None on hardware), ``clock``
and ``digital_io`` once they are up (None before).

An opener class (:class:`OpenerClass`) declares ``KEYS`` (its protocol's keys) and a static
``validate(doc, name, cfg)`` raising ``doc.error("links.<name>.<key>", ...)``; both are applied when
the profile is loaded (:func:`validate_link`), so a bad link is a configuration error (exit 3)
before anything is energised. Every frame goes to the record as
``command`` lines with ``target="dut:<name>"`` (``"dut"`` for the control link).
A third-party package adds protocols through the ``flexbench.link_openers`` entry-point group
(bench/registry.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Iterable, Protocol

from bench.registry import Registry, UnknownEntryError


class LinkOpener(Protocol):
    """One declared link's opener (the contract of the module docstring)."""

    def before_lab(self) -> dict[str, Any]: ...

    def open(self) -> Any: ...

    def close(self) -> None: ...


class OpenerClass(Protocol):
    """An opener class: its protocol's keys, its profile-load check, and its constructor."""

    KEYS: Iterable[str]

    def validate(self, doc: Any, name: str, cfg: dict[str, Any]) -> None: ...

    def __call__(self, session: Any, name: str, cfg: dict[str, Any]) -> LinkOpener: ...


OPENERS: Registry[OpenerClass] = Registry("DUT link protocol", entry_point_group="flexbench.link_openers",
                                          lazy={
    "sunspec_modbus_tcp": "links.sunspec_modbus.opener:SunSpecOpener",
    "sg_ready_contacts": "links.sg_ready_contacts.opener:SgReadyOpener",
    "ocpp16j": "links.ocpp.opener:OcppOpener",
    "ocpp201": "links.ocpp.opener:OcppOpener",
    "modbus_map_tcp": "links.modbus_map.opener:ModbusMapOpener",
    "modbus_map_rtu": "links.modbus_map.opener:ModbusMapOpener",
    "s2": "links.s2.opener:S2Opener",
})
"""Protocol -> opener class (imported when a profile declares the protocol)."""

COMMON_KEYS = frozenset({"protocol", "description"})


def validate_link(doc: Any, name: str, cfg: dict[str, Any]) -> None:
    """Check one declared link against its opener's ``KEYS`` and ``validate`` (at profile load)."""
    try:
        cls = OPENERS.get(str(cfg.get("protocol")))
    except UnknownEntryError as exc:
        raise doc.error(f"links.{name}.protocol", exc.detail) from None
    check_keys(doc, name, cfg, cls.KEYS)
    cls.validate(doc, name, cfg)


def check_keys(doc: Any, name: str, cfg: dict[str, Any], allowed: Iterable[str]) -> None:
    """Refuse a key this protocol does not know, naming the profile field (``doc``: the profile's
    LoadedYaml, ``session.profile.doc``)."""
    known = COMMON_KEYS | frozenset(allowed)
    for key in cfg:
        if key not in known:
            raise doc.error(
                f"links.{name}.{key}",
                f"unknown key for protocol {cfg.get('protocol')!r} (known: {', '.join(sorted(known))})")


def trace_target(name: str) -> str:
    """The record's ``command.target`` for frames of link ``name``."""
    return "dut" if name == "control" else f"dut:{name}"


def check_host(doc: Any, name: str, cfg: dict[str, Any]) -> None:
    """An optional ``host`` key must be a non-empty host name or address."""
    if "host" in cfg and (not isinstance(cfg["host"], str) or not cfg["host"]):
        raise doc.error(f"links.{name}.host", "must be a host name or address")


def check_identifier(doc: Any, name: str, cfg: dict[str, Any], key: str, pattern: re.Pattern[str],
                     requirement: str) -> None:
    """A required string key that must match ``pattern`` in full; ``requirement`` says what is expected."""
    value = cfg.get(key)
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise doc.error(f"links.{name}.{key}", f"required: {requirement}")


class LocalLinkOpener:
    """Base of an opener with nothing to start before the lab (the bench dials the device).

    Keeps ``session``, ``name``, ``cfg`` and the opened ``link`` (None until :meth:`open`).
    """

    def __init__(self, session: Any, name: str, cfg: dict[str, Any]) -> None:
        self.session, self.name, self.cfg = session, name, cfg
        self.link: Any = None

    def before_lab(self) -> dict[str, Any]:
        return {}

    def command_trace(self) -> Callable[[str, str], None]:
        """A trace callback writing every frame, as given, to a ``command`` line of this link's target."""
        session, target = self.session, trace_target(self.name)

        def trace(direction: str, text: str) -> None:
            session.recorder.write("command", target=target, text=text)

        return trace
