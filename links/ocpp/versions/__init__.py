"""The OCPP versions the bench speaks, one object each: :data:`OCPP16J` and :data:`OCPP201`.

Everything that differs between OCPP 1.6J and 2.0.1 is answered by these objects (see
:class:`~links.ocpp.versions.base.OcppVersion`); code asks them instead of comparing version
strings. :data:`BY_PROTOCOL` finds the version of a device profile's link ``protocol`` key.
"""

from __future__ import annotations

from links.ocpp.versions.base import OcppVersion, Setting, setting_text
from links.ocpp.versions.v16 import OCPP16J, Ocpp16J
from links.ocpp.versions.v201 import OCPP201, Ocpp201

__all__ = ["BY_PROTOCOL", "OCPP16J", "OCPP201", "VERSIONS", "Ocpp16J", "Ocpp201", "OcppVersion", "Setting",
           "by_label", "by_subprotocol", "setting_text"]

VERSIONS: tuple[OcppVersion, ...] = (OCPP16J, OCPP201)
#: link ``protocol`` key of a device profile -> version
BY_PROTOCOL: dict[str, OcppVersion] = {version.protocol: version for version in VERSIONS}


def by_subprotocol(subprotocol: str) -> OcppVersion:
    """The version of a WebSocket subprotocol (``ocpp1.6`` / ``ocpp2.0.1``); KeyError for another."""
    for version in VERSIONS:
        if version.subprotocol == subprotocol:
            return version
    raise KeyError(f"no OCPP version has the subprotocol {subprotocol!r}")


def by_label(label: str) -> OcppVersion:
    """The version a simulated charger's ``ocpp_version`` parameter names (``1.6J`` / ``2.0.1``)."""
    for version in VERSIONS:
        if version.label == label:
            return version
    raise KeyError(f"no OCPP version is called {label!r}")
