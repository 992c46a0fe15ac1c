"""Model key -> driver class, and opening a driver over VISA.

The bench config names a model key (e.g. ``chroma_61845``); simulation vs hardware is decided
only by the resource string (the simulated lab serves the same dialect on
``TCPIP::127.0.0.1::<port>::SOCKET``), never inside a driver.
"""

from __future__ import annotations

from bench.errors import ConfigError

from instruments.drivers.chroma_61800 import Chroma61845
from instruments.drivers.chroma_62000h import Chroma62150H1000S
from instruments.drivers.keysight_e4360 import KeysightE4360A
from instruments.drivers.yokogawa_wt import YokogawaWT5000
from instruments.drivers.zes_lmg import ZesLmg670
from instruments.drivers.chroma_66205 import Chroma66205
from instruments.drivers.yokogawa_wt_family import YokogawaWT1800, YokogawaWT3000
from instruments.drivers.chroma_63800 import Chroma63803
from instruments.drivers.keysight_daq970a import KeysightDAQ970A
from instruments.drivers.chroma_a800067 import ChromaA800067
from instruments.drivers.chroma_61500 import Chroma61512, Chroma61605
from instruments.drivers.keysight_ac6800b import KeysightAC6804B
from instruments.drivers.keysight_6810b import Keysight6811B, Keysight6812B, Keysight6813B
from instruments.drivers.ametek_asterion import AmetekAsterion3Phase
from instruments.drivers.pacific_upc import PacificUpc32Amx
from instruments.capabilities import Instrument
from instruments.scpi import ScpiDriver
from instruments.transport import TraceFn, VisaTransport

__all__ = ["DRIVERS", "open_instrument"]

DRIVERS: dict[str, type[ScpiDriver]] = {
    "chroma_61845": Chroma61845,
    "chroma_61605": Chroma61605,
    "chroma_61512": Chroma61512,
    "keysight_ac6804b": KeysightAC6804B,
    "keysight_6811b": Keysight6811B,
    "keysight_6812b": Keysight6812B,
    "keysight_6813b": Keysight6813B,
    "ametek_asterion_ast3": AmetekAsterion3Phase,
    "pacific_upc32_amx": PacificUpc32Amx,
    "yokogawa_wt5000": YokogawaWT5000,
    "keysight_e4360a": KeysightE4360A,
    "chroma_62150h_1000s": Chroma62150H1000S,
    "zes_lmg670": ZesLmg670,
    "chroma_66205": Chroma66205,
    "yokogawa_wt1800": YokogawaWT1800,
    "yokogawa_wt3000": YokogawaWT3000,
    "chroma_63803": Chroma63803,
    "keysight_daq970a": KeysightDAQ970A,
    "chroma_a800067": ChromaA800067,
}


def open_instrument(model: str, resource: str, *, name: str, timeout_ms: int = 2000,
                    trace: TraceFn | None = None) -> Instrument:
    """Open ``resource`` with the driver of ``model`` and run its one-time ``open()``.

    Raises ``ConfigError`` for an unknown model, ``InstrumentError`` when the instrument
    cannot be reached or configured (the transport is closed again in that case).
    """
    try:
        driver_class = DRIVERS[model]
    except KeyError:
        raise ConfigError(f"unknown instrument model {model!r}; known models: "
                          f"{', '.join(sorted(DRIVERS))}", field="model") from None
    transport = VisaTransport(resource, timeout_ms=timeout_ms, trace=trace)
    driver = driver_class(transport, name=name)
    try:
        driver.open()
    except BaseException:
        transport.close()
        raise
    transport.on_reconnect = driver.open   # a dropped LAN link is reopened with the same sequence
    return driver
