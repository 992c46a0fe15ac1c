"""Model key -> driver class, and opening a driver over VISA.

The bench config names a model key (e.g. ``chroma_61845``); simulation vs hardware is decided
only by the resource string (the simulated lab serves the same dialect on
``TCPIP::127.0.0.1::<port>::SOCKET``), never inside a driver.
"""

from __future__ import annotations

from typing import Any

from bench.errors import ConfigError
from bench.registry import Registry, UnknownEntryError
from instruments.capabilities import Instrument
from instruments.scpi import ScpiDriver
from instruments.transport import TraceFn, VisaTransport

__all__ = ["DRIVERS", "PORT_DRIVERS", "driver_class", "open_instrument"]

DRIVERS: Registry[type[ScpiDriver]] = Registry("instrument model", entry_point_group="flexbench.instrument_drivers",
                                               lazy={
    "chroma_61845": "instruments.drivers.chroma_61800:Chroma61845",
    "chroma_61605": "instruments.drivers.chroma_61500:Chroma61605",
    "chroma_61512": "instruments.drivers.chroma_61500:Chroma61512",
    "keysight_ac6804b": "instruments.drivers.keysight_ac6800b:KeysightAC6804B",
    "keysight_6811b": "instruments.drivers.keysight_6810b:Keysight6811B",
    "keysight_6812b": "instruments.drivers.keysight_6810b:Keysight6812B",
    "keysight_6813b": "instruments.drivers.keysight_6810b:Keysight6813B",
    "ametek_asterion_ast3": "instruments.drivers.ametek_asterion:AmetekAsterion3Phase",
    "pacific_upc32_amx": "instruments.drivers.pacific_upc:PacificUpc32Amx",
    "yokogawa_wt5000": "instruments.drivers.yokogawa_wt:YokogawaWT5000",
    "keysight_e4360a": "instruments.drivers.keysight_e4360:KeysightE4360A",
    "chroma_62150h_1000s": "instruments.drivers.chroma_62000h:Chroma62150H1000S",
    "zes_lmg670": "instruments.drivers.zes_lmg:ZesLmg670",
    "chroma_66205": "instruments.drivers.chroma_66205:Chroma66205",
    "yokogawa_wt1800": "instruments.drivers.yokogawa_wt_family:YokogawaWT1800",
    "yokogawa_wt3000": "instruments.drivers.yokogawa_wt_family:YokogawaWT3000",
    "chroma_63803": "instruments.drivers.chroma_63800:Chroma63803",
    "keysight_daq970a": "instruments.drivers.keysight_daq970a:KeysightDAQ970A",
    "chroma_a800067": "instruments.drivers.chroma_a800067:ChromaA800067",
    "flexbench_ev_emulator": "instruments.drivers.flexbench_ev_emulator:FlexbenchEvEmulator",
})
"""Model key -> driver class (imported when a bench config names the model)."""


PORT_DRIVERS: Registry[Any] = Registry("stream-port instrument model", lazy={
    "dsmr5_p1_port": "instruments.drivers.p1_port:P1Port",
})
"""Model key -> driver of an instrument that is a byte stream, not SCPI (a smart meter's P1 port):
opened by its own ``open_port(resource, name=, timeout_ms=, trace=)`` (a pyserial URL), not over VISA."""


def driver_class(model: str) -> Any:
    """The driver class of ``model``: a stream-port driver (:data:`PORT_DRIVERS`) or a SCPI one
    (:data:`DRIVERS`); ``UnknownEntryError`` for neither."""
    return PORT_DRIVERS.get(model) if model in PORT_DRIVERS else DRIVERS.get(model)


def open_instrument(model: str, resource: str, *, name: str, timeout_ms: int = 2000,
                    trace: TraceFn | None = None) -> Instrument:
    """Open ``resource`` with the driver of ``model`` and run its one-time ``open()``.

    Raises ``ConfigError`` for an unknown model, ``InstrumentError`` when the instrument
    cannot be reached or configured (the transport is closed again in that case).
    """
    if model in PORT_DRIVERS:
        port_driver: Instrument = PORT_DRIVERS.get(model).open_port(resource, name=name, timeout_ms=timeout_ms,
                                                                     trace=trace)
        return port_driver
    try:
        driver_class = DRIVERS.get(model)
    except UnknownEntryError as exc:
        raise ConfigError(exc.detail, field="model") from None
    transport = VisaTransport(resource, timeout_ms=timeout_ms, trace=trace)
    driver = driver_class(transport, name=name)
    try:
        driver.open()
    except BaseException:
        transport.close()
        raise
    transport.on_reconnect = driver.open   # a dropped LAN link is reopened with the same sequence
    return driver
