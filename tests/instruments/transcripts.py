"""Wire transcripts of the real dialects, one registry entry per driver model key.

Each transcript is a list of ``(sent, reply)`` pairs; ``reply is None`` marks a write.
``test_driver_coverage.py`` fails if a model in ``instruments.registry.DRIVERS`` has no entry
here or no ``test_<driver module>.py`` replaying it.
"""

from __future__ import annotations

Pair = tuple[str, str | None]

CHROMA_OK = '0,"No error"'
KEYSIGHT_OK = '+0,"No error"'
YOKOGAWA_OK = '0,"No error"'


def chroma_set(command: str) -> list[Pair]:
    return [(command, None), ("SYSTem:ERRor?", CHROMA_OK)]


def keysight_set(command: str) -> list[Pair]:
    return [(command, None), ("SYSTem:ERRor?", KEYSIGHT_OK)]


def yokogawa_set(command: str) -> list[Pair]:
    return [(command, None), (":STATus:ERRor?", YOKOGAWA_OK)]


WT_ITEMS = [f"{f},{e}" for e in (1, 2, 3) for f in ("U", "I", "P", "Q", "S", "LAMBda")] + ["FU,1"]

TRANSCRIPTS: dict[str, dict[str, list[Pair]]] = {
    "chroma_61845": {
        "identify": [("*IDN?", "Chroma ATE,61845,123456,1.00,1.01,1.02")],
        "set_all_phases_230_v": chroma_set("INSTrument:COUPle ALL")
        + chroma_set("SOURce:VOLTage:AC 230"),
        "set_phase_2_253_v": chroma_set("INSTrument:COUPle NONE")
        + chroma_set("INSTrument:NSELect 2") + chroma_set("SOURce:VOLTage:AC 253.5"),
        "read_phase_3_setpoint": chroma_set("INSTrument:COUPle NONE")
        + chroma_set("INSTrument:NSELect 3") + [("SOURce:VOLTage:AC?", "207.0")],
        "frequency_50_2_hz": chroma_set("SOURce:FREQuency 50.2")
        + [("SOURce:FREQuency?", "50.20")],
        "phase_3_angle": chroma_set("SOURce:PHASe:P3 120"),
        "slews": chroma_set("OUTPut:SLEW:VOLTage:AC 0.05")
        + chroma_set("OUTPut:SLEW:FREQuency 0.002"),
        "output_on": chroma_set("OUTPut:STATe ON") + [("OUTPut:STATe?", "ON")],
        "voltage_limit": chroma_set("INSTrument:COUPle ALL")
        + chroma_set("SOURce:VOLTage:LIMit:AC 264.5"),
    },
    "yokogawa_wt5000": {
        "identify": [("*IDN?", "YOKOGAWA,WT5000,91M000001,F1.01")],
        "open": yokogawa_set(":COMMunicate:HEADer OFF") + yokogawa_set(":NUMeric:FORMat ASCii")
        + yokogawa_set(":NUMeric:NORMal:NUMber 19")
        + [pair for i, item in enumerate(WT_ITEMS, start=1)
           for pair in yokogawa_set(f":NUMeric:NORMal:ITEM{i} {item}")],
        "read": [(":NUMeric:NORMal:VALue?",
                  "230.01E+00,4.3480E+00,1.0000E+03,-100.00E+00,1.00499E+03,0.99504E+00,"
                  "229.98E+00,4.3478E+00,999.80E+00,-99.900E+00,1.00478E+03,0.99504E+00,"
                  "230.05E+00,4.3470E+00,1.00010E+03,-100.10E+00,1.00509E+03,0.99503E+00,"
                  "49.998E+00")],
    },
    "keysight_e4360a": {
        "identify": [("*IDN?", "Keysight Technologies,E4360A,MY12345678,A.01.01")],
        "open": keysight_set("CURRent:MODE SAS,(@1)"),
        "curve": keysight_set("CURRent:SAS:ISC 5,(@1);IMP 4.5,(@1);"
                              ":VOLTage:SAS:VOC 100,(@1);VMP 90,(@1)"),
        "output_on": keysight_set("OUTPut ON,(@1)") + [("OUTPut? (@1)", "1")],
        "max_power": [("VOLTage:SAS:VMP? (@1)", "+9.00000E+01"),
                      ("CURRent:SAS:IMP? (@1)", "+4.50000E+00")],
    },
}

TRANSCRIPTS["chroma_62150h_1000s"] = {
    "identify": [("*IDN?", "Chroma ATE,62150H-1000S,621500001234,01.00")],
    "open": chroma_set("OUTPut:MODE SAS"),
    "curve": chroma_set("SAS:VOC 800;:SAS:ISC 15;:SAS:VMP 700;:SAS:IMP 14"),
    "output_on": chroma_set("CONFigure:OUTPut ON") + [("CONFigure:OUTPut?", "ON")],
    "output_off": chroma_set("CONFigure:OUTPut OFF") + [("CONFigure:OUTPut?", "OFF")],
    "max_power": [("SAS:VMP?", "700.00"), ("SAS:IMP?", "14.00")],
    "iv_curve": [("SAS:VOC?", "800.00"), ("SAS:ISC?", "15.00"), ("SAS:VMP?", "700.00"),
                 ("SAS:IMP?", "14.00")],
}
