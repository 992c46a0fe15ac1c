"""Shared check of the PV (solar array) simulator drivers: a four-point I-V curve is refused as
a whole before anything is sent.

Both SAS models take Voc, Isc, Vmp and Imp and require the maximum power point inside the
curve (Keysight E4360 Series User's Guide, "Using the Solar Array Simulator"; Chroma 62000H-S
SAS mode, see ``chroma_62000h``); the rated power is the model's.
"""

from __future__ import annotations

from instruments.scpi import SettingOutOfRange

__all__ = ["check_iv_curve"]


def check_iv_curve(voc_v: float, isc_a: float, vmp_v: float, imp_a: float, *,
                   max_power_w: float) -> None:
    """Refuse a curve unless 0 < Vmp < Voc, 0 < Imp < Isc and Vmp x Imp <= ``max_power_w``.

    Per-value range and type checks are the drivers' table validators' job (run them first).
    """
    if not 0 < vmp_v < voc_v:
        raise SettingOutOfRange(f"I-V curve needs 0 < Vmp < Voc, got Vmp={vmp_v} V, "
                                f"Voc={voc_v} V")
    if not 0 < imp_a < isc_a:
        raise SettingOutOfRange(f"I-V curve needs 0 < Imp < Isc, got Imp={imp_a} A, "
                                f"Isc={isc_a} A")
    if vmp_v * imp_a > max_power_w:
        raise SettingOutOfRange(f"Pmp {vmp_v * imp_a:g} W exceeds {max_power_w:g} W")
