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
        "set_all_phases_230_v": chroma_set("INSTrument:EDIT ALL")
        + chroma_set("SOURce:VOLTage:AC 230"),
        "set_phase_2_253_v": chroma_set("INSTrument:EDIT EACH")
        + chroma_set("INSTrument:NSELect 2") + chroma_set("SOURce:VOLTage:AC 253.5"),
        "read_phase_3_setpoint": chroma_set("INSTrument:EDIT EACH")
        + chroma_set("INSTrument:NSELect 3") + [("SOURce:VOLTage:AC?", "207.0")],
        "frequency_50_2_hz": chroma_set("SOURce:FREQuency 50.2")
        + [("SOURce:FREQuency?", "50.20")],
        "phase_3_angle": chroma_set("SOURce:PHASe:P13 120"),
        "slews": chroma_set("OUTPut:SLEW:VOLTage:AC 0.05")
        + chroma_set("OUTPut:SLEW:FREQuency 0.002"),
        "output_on": chroma_set("OUTPut:RELay ON") + chroma_set("OUTPut:STATe ON")
        + [("OUTPut:STATe?", "ON")],
        "output_off": chroma_set("OUTPut:STATe OFF") + chroma_set("OUTPut:RELay OFF"),
        "voltage_limit": chroma_set("INSTrument:EDIT ALL")
        + chroma_set("SOURce:VOLTage:LIMit:AC 264.5"),
        "current_limit": chroma_set("INSTrument:EDIT ALL") + chroma_set("SOURce:CURRent:LIMit 40")
        + chroma_set("INSTrument:EDIT ALL") + [("SOURce:CURRent:LIMit?", "40.00")],
        "protection_clear": chroma_set("OUTPut:PROTection:CLEar"),
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
    "curve": chroma_set("SAS:VOC 800;:SAS:ISC 15;:SAS:VMP 700;:SAS:IMP 14")
    + [("CONFigure:OUTPut?", "OFF")],
    "curve_while_on": chroma_set("SAS:VOC 800;:SAS:ISC 12;:SAS:VMP 700;:SAS:IMP 11")
    + [("CONFigure:OUTPut?", "ON")] + chroma_set("TRIG"),
    "output_on": chroma_set("CONFigure:OUTPut ON") + [("CONFigure:OUTPut?", "ON")],
    "output_off": chroma_set("CONFigure:OUTPut OFF") + [("CONFigure:OUTPut?", "OFF")],
    "max_power": [("SAS:VMP?", "700.00"), ("SAS:IMP?", "14.00")],
    "iv_curve": [("SAS:VOC?", "800.00"), ("SAS:ISC?", "15.00"), ("SAS:VMP?", "700.00"),
                 ("SAS:IMP?", "14.00")],
}

# -- part B (issue 6): power analyzers, AC load, switch unit --------------------------------
LMG_OK = '0,"No error"'


def lmg_set(command: str) -> list[Pair]:
    return [(command, None), ("ERRALL?", LMG_OK)]


LMG_READ_3 = ("INIM;" + ";".join(f"{q}{c}?" for c in (1, 2, 3)
                                 for q in ("UTRMS", "ITRMS", "P", "Q", "S", "PF")) + ";FCYC1?")

TRANSCRIPTS["zes_lmg670"] = {
    "identify": [("*IDN?", "ZES ZIMMER Electronic Systems GmbH,LMG670,12345,2.074")],
    "open": lmg_set("*ZLANG SHORT") + lmg_set("FRMT ASCii"),
    "read": [(LMG_READ_3,
              "230.012;4.34812;1000.04;-100.012;1004.99;0.99505;"
              "229.981;4.34790;999.812;-99.9034;1004.79;0.99504;"
              "230.049;4.34701;1000.11;-100.108;1005.09;0.99503;49.9981")],
    "cycle_time": lmg_set("CYCL 0.5") + [("CYCL?", "0.5")],
}

TRANSCRIPTS["chroma_66205"] = {
    "identify": [("*IDN?", "Chroma ATE,66205,662050001234,1.00")],
    "open": chroma_set("SYSTem:HEADer OFF") + chroma_set("SYSTem:TRANsmit:SEParator 0"),
    "read": [("FETCh? V,I,W,VAR,VA,PF,FREQ", "230.05,4.3481,1000.1,-100.2,1005.1,0.9950,50.002")],
}

WT1800_ITEMS = [f"{f},{e}" for e in (1, 2, 3) for f in ("URMS", "IRMS", "P", "Q", "S", "LAMBda")] + ["FU,1"]

TRANSCRIPTS["yokogawa_wt1800"] = {
    "identify": [("*IDN?", "YOKOGAWA,WT1806,C2QA00001,F3.01")],
    "open": yokogawa_set(":COMMunicate:HEADer OFF") + yokogawa_set(":NUMeric:FORMat ASCii")
    + yokogawa_set(":NUMeric:NORMal:NUMber 19")
    + [pair for i, item in enumerate(WT1800_ITEMS, start=1)
       for pair in yokogawa_set(f":NUMeric:NORMal:ITEM{i} {item}")],
    "read": TRANSCRIPTS["yokogawa_wt5000"]["read"],
}

TRANSCRIPTS["yokogawa_wt3000"] = {
    "identify": [("*IDN?", "YOKOGAWA,760304-04-SV,91H000001,F6.01")],
    "open": TRANSCRIPTS["yokogawa_wt5000"]["open"],
    "read": TRANSCRIPTS["yokogawa_wt5000"]["read"],
}

TRANSCRIPTS["chroma_63803"] = {
    "identify": [("*IDN?", "Chroma ATE,63803,638030001234,1.20")],
    "cc_8_a": chroma_set("LOAD:MODE CURR") + chroma_set("LOAD:CURR 8")
    + [("LOAD:MODE?", "CURR"), ("LOAD:CURR?", "8.000")],
    "cp_2000_w": chroma_set("LOAD:MODE POW") + chroma_set("LOAD:POW 2000")
    + [("LOAD:POW?", "2000.0")],
    "cr_52_9_ohm": chroma_set("LOAD:MODE RES") + chroma_set("LOAD:RES 52.9"),
    "rectified": chroma_set("LOAD:MODE RECT") + [("LOAD:MODE?", "RECT")],
    "load_on": chroma_set("LOAD ON") + [("LOAD?", "ON")],
    "load_off": chroma_set("LOAD OFF") + [("LOAD?", "OFF")],
    "peak_and_crest": chroma_set("LOAD:CURR:PEAK:MAX 50") + chroma_set("SYSTem:SETup:CFPF:MODE CF")
    + chroma_set("LOAD:CFAC 2.5"),
    "measure": [("MEASure:VOLTage?", "229.87"), ("MEASure:CURRent?", "8.002"),
                ("MEASure:POWer?", "1839.4")],
    "protection": [("LOAD:PROTect?", "40")] + chroma_set("LOAD:PROTect:CLE")
    + [("LOAD:PROTect?", "0")],
}

DAQ_OK = KEYSIGHT_OK
DAQ_EMPTY_SLOT = "Keysight Technologies,0,0,0"

TRANSCRIPTS["keysight_daq970a"] = {
    "identify": [("*IDN?", "Keysight Technologies,DAQ970A,MY58012345,A.02.02-01.00-02.01-00.02-03-02")],
    "open": [("SYSTem:CTYPe? 100", DAQ_EMPTY_SLOT),
             ("SYSTem:CTYPe? 200", "Keysight Technologies,DAQM901A,0,1.0"),
             ("SYSTem:CTYPe? 300", "Keysight Technologies,DAQM903A,0,1.0")]
    + keysight_set("ROUTe:OPEN (@201:220,301:320)"),
    "close_301": keysight_set("ROUTe:CLOSe (@301)") + [("ROUTe:CLOSe? (@301)", "1")],
    "open_301": keysight_set("ROUTe:OPEN (@301)") + [("ROUTe:CLOSe? (@301)", "0")],
    "closed_channels": [("ROUTe:CLOSe? (@201:220,301:320)",
                         ",".join(["0"] * 20 + ["1", "0", "1"] + ["0"] * 17))],
    "all_open": keysight_set("ROUTe:OPEN (@201:220,301:320)"),
}

# --- AC sources / grid simulators (issue 6 part A) -------------------------------------------
UPC_OK = '-0, "No error"'


UPC_PROGRAM_0 = ("FORM,3,COUPL,{coupling},XFMRRATIO,2.00,FREQ,50,VOLT1,0,VOLT2,0,VOLT3,0,CURR:LIM,40,"
                 "PHAS2,120,PHAS3,240,WAVEFORM1,1,WAVEFORM2,1,WAVEFORM3,1,EVENTS,1")


def upc_set(command: str) -> list[Pair]:
    return [(command, None), (":SYSTem:ERRor?", UPC_OK)]


TRANSCRIPTS["chroma_61845"]["list_dip"] = (
    [("SOURce:FREQuency?", "50.00")]
    + [pair for command in ("TRIG OFF", "OUTPut:MODE FIXED", "LIST:COUPling ALL", "LIST:COUNt 1",
                            "LIST:BASE TIME", "LIST:TRIGger AUTO", "LIST:DWELl 150,1000", "LIST:SHAPe A,A",
                            "LIST:VOLTage:AC:STARt 115,230", "LIST:VOLTage:AC:END 115,230",
                            "LIST:FREQuency:STARt 50,50", "LIST:FREQuency:END 50,50", "OUTPut:MODE LIST")
       for pair in chroma_set(command)]
    + chroma_set("TRIG ON") + [("TRIG:STATE?", "RUNNING"), ("TRIG:STATE?", "OFF")])


def _chroma_list_load(dwells: str, volts: str, f_start: str, f_end: str, degrees: str | None) -> list[Pair]:
    commands = ["TRIG OFF", "OUTPut:MODE FIXED", "LIST:COUPling ALL", "LIST:COUNt 1", "LIST:BASE TIME",
                "LIST:TRIGger AUTO", f"LIST:DWELl {dwells}", "LIST:SHAPe " + ",".join(["A"] * len(volts.split(","))),
                f"LIST:VOLTage:AC:STARt {volts}", f"LIST:VOLTage:AC:END {volts}",
                f"LIST:FREQuency:STARt {f_start}", f"LIST:FREQuency:END {f_end}"]
    commands += [f"LIST:DEGRee {degrees}"] if degrees is not None else []
    return [("SOURce:FREQuency?", "50.00")] + [pair for command in [*commands, "OUTPut:MODE LIST"]
                                               for pair in chroma_set(command)]


# ride-through programs: a frequency ramp (RoCoF), then a phase jump, then a level program that must
# resend the angle list (a loaded LIST:DEGRee stays)
TRANSCRIPTS["chroma_61845"]["list_rocof_jump"] = (
    _chroma_list_load("500,1000", "230,230", "50,49", "49,49", None)
    + _chroma_list_load("1000,2000", "230,230", "50,50", "50,50", "20,0")
    + _chroma_list_load("150,1000", "69,230", "50,50", "50,50", "0,0"))

TRANSCRIPTS["chroma_61605"] = {
    "identify": [("*IDN?", "Chroma ATE,61605,616050001234,1.00,1.01,1.02")],
    "set_230_v": chroma_set("SOURce:VOLTage:AC 230"),
    "setpoints": [("SOURce:VOLTage:AC?", "230.0"), ("SOURce:FREQuency?", "50.00")],
    "range_frequency": chroma_set("SOURce:VOLTage:RANGe HIGH") + chroma_set("SOURce:FREQuency 50"),
    "slews": chroma_set("OUTPut:SLEW:VOLTage:AC 0.1") + chroma_set("OUTPut:SLEW:FREQuency 0.001"),
    "output_on": chroma_set("OUTPut:STATe ON") + [("OUTPut:STATe?", "ON")],
    "list_step": [("SOURce:FREQuency?", "60.00")]
    + [pair for command in ("TRIG OFF", "OUTPut:MODE FIXED", "LIST:COUNt 1", "LIST:BASE TIME",
                            "LIST:TRIGger AUTO", "LIST:DWELl 200,0.1", "LIST:SHAPe A,A",
                            "LIST:VOLTage:AC:STARt 264.5,230", "LIST:VOLTage:AC:END 264.5,230",
                            "LIST:FREQuency:STARt 60,60", "LIST:FREQuency:END 60,60", "OUTPut:MODE LIST")
       for pair in chroma_set(command)]
    + chroma_set("TRIG ON") + [("TRIG:STATE?", "OFF")],
    "abort": chroma_set("TRIG OFF") + chroma_set("OUTPut:MODE FIXED"),
}

TRANSCRIPTS["chroma_61512"] = {
    "identify": [("*IDN?", "Chroma ATE,61512,615120004321,1.10,1.10,1.10")],
    "set_all_phases_230_v": chroma_set("INSTrument:COUPle ALL")
    + chroma_set("SOURce:VOLTage:AC 230"),
    "set_phase_3_207_v": chroma_set("INSTrument:COUPle NONE")
    + chroma_set("INSTrument:NSELect 3") + chroma_set("SOURce:VOLTage:AC 207"),
    "read_phase_2_setpoint": chroma_set("INSTrument:COUPle NONE")
    + chroma_set("INSTrument:NSELect 2") + [("SOURce:VOLTage:AC?", "230.0")],
    "phase_2_angle": chroma_set("SOURce:PHASe:P12 240"),
    "current_limit_and_clear": chroma_set("INSTrument:COUPle ALL") + chroma_set("SOURce:CURRent:LIMit 50")
    + chroma_set("OUTPut:PROTection:CLEar"),
}

TRANSCRIPTS["keysight_ac6804b"] = {
    "identify": [("*IDN?", "Keysight Technologies,AC6804B,MY56000123,A.01.00.0042")],
    "range_and_230_v": keysight_set("VOLTage:RANGe 310") + keysight_set("VOLTage 230"),
    "frequency_50_hz": keysight_set("FREQuency 50") + [("FREQuency?", "+5.00000E+01")],
    "setpoint": [("VOLTage?", "+2.30000E+02")],
    "output_on": keysight_set("OUTPut ON") + [("OUTPut?", "1")],
}

TRANSCRIPTS["keysight_6812b"] = {
    "identify": [("*IDN?", "Agilent Technologies,6812B,US12345678,A.00.01")],
    "range_and_230_v": keysight_set("VOLTage:RANGe 300") + keysight_set("VOLTage 230"),
    "frequency_50_hz": keysight_set("FREQuency 50") + [("FREQuency?", "+5.000000E+01")],
    "slews": keysight_set("VOLTage:SLEW 50") + keysight_set("FREQuency:SLEW 2"),
    "setpoint": [("VOLTage?", "+2.300000E+02")],
    "output_off": keysight_set("OUTPut OFF") + [("OUTPut?", "0")],
}

TRANSCRIPTS["keysight_6811b"] = {
    "identify": [("*IDN?", "Agilent Technologies,6811B,US00000611,A.00.02")],
    "range_150_and_120_v": keysight_set("VOLTage:RANGe 150") + keysight_set("VOLTage 120"),
    "frequency_60_hz": keysight_set("FREQuency 60") + [("FREQuency?", "+6.000000E+01")],
    "output_on": keysight_set("OUTPut ON") + [("OUTPut?", "1")],
}

TRANSCRIPTS["keysight_6813b"] = {
    "identify": [("*IDN?", "Keysight Technologies,6813B,MY00000613,A.00.02")],
    "range_and_230_v": keysight_set("VOLTage:RANGe 300") + keysight_set("VOLTage 230"),
    "slews": keysight_set("VOLTage:SLEW 100") + keysight_set("FREQuency:SLEW 5"),
    "setpoint": [("VOLTage?", "+2.300000E+02")],
}

TRANSCRIPTS["ametek_asterion_ast3"] = {
    "identify": [("*IDN?", "AMETEK Programmable Power,AST3003,1234A56789,1.2.0")],
    "set_all_phases_230_v": chroma_set("INSTrument:COUPle ALL") + chroma_set("SOURce:VOLTage:AC 230"),
    "set_phase_1_253_v": chroma_set("INSTrument:COUPle NONE")
    + chroma_set("INSTrument:NSELect 1") + chroma_set("SOURce:VOLTage:AC 253"),
    "read_phase_2_setpoint": chroma_set("INSTrument:COUPle NONE")
    + chroma_set("INSTrument:NSELect 2") + [("SOURce:VOLTage:AC?", "230.0")],
    "phase_3_angle": chroma_set("INSTrument:COUPle NONE") + chroma_set("INSTrument:NSELect 3")
    + chroma_set("SOURce:PHASe 120"),
    "frequency_slews_output": chroma_set("SOURce:FREQuency 50")
    + chroma_set("SOURce:VOLTage:SLEW 100") + chroma_set("SOURce:FREQuency:SLEW 1")
    + chroma_set("OUTPut:STATe ON") + [("OUTPut:STATe?", "1")],
    "list_dip": chroma_set("INSTrument:COUPle ALL")
    + [pair for command in ("LIST:VOLTage 0,230", "LIST:DWELl 0.15,1", "LIST:COUNt 1",
                            "LIST:STEP AUTO", "VOLTage:MODE LIST",
                            "TRIGger:TRANsient:SOURce IMMediate", "TRIGger:SYNChronous:SOURce IMMediate")
       for pair in chroma_set(command)]
    + chroma_set("INITiate") + [("TRIGger:STATe?", "BUSY"), ("TRIGger:STATe?", "IDLE")],
    "abort": chroma_set("ABORt") + chroma_set("VOLTage:MODE FIXed"),
}

TRANSCRIPTS["pacific_upc32_amx"] = {
    "identify": [("*IDN?", "PPSC,UPC-32,v5.22,133801")],
    "open_xfmr": upc_set(":PROG:NAME 0") + [(":PROG:DEFine?", UPC_PROGRAM_0.format(coupling="XFMR"))],
    "open_direct": upc_set(":PROG:NAME 0") + [(":PROG:DEFine?", UPC_PROGRAM_0.format(coupling="DIRECT"))],
    "direct_230_v": upc_set(":SOURce:VOLTage,115") + [(":SOURce:VOLTage1?", "115.0")],
    "set_all_phases_230_v": upc_set(":SOURce:VOLTage,230"),
    "set_phase_2_207_v": upc_set(":SOURce:VOLTage2,207"),
    "setpoints": [(":SOURce:VOLTage3?", "230.0"), (":SOURce:FREQuency?", "50.0")],
    "frequency_angle": upc_set(":SOURce:FREQuency,50") + upc_set(":SOURce:PHASe3,240"),
    "output_on": upc_set(":OUTPut,ON") + [(":OUTPut?", "ON")],
}

# -- EV emulator (flexbench's own dialect, see instruments/drivers/flexbench_ev_emulator.py) --
TRANSCRIPTS["flexbench_ev_emulator"] = {
    "identify": [("*IDN?", "flexbench,EV-EMULATOR,SIMULATED,1.00")],
    "plug_in_and_charge": chroma_set("EV:CONNect ON") + chroma_set("EV:CHARge ON")
    + [("EV:CONNect?", "ON"), ("EV:CHARge?", "ON")],
    "stop_and_unplug": chroma_set("EV:CHARge OFF") + chroma_set("EV:CONNect OFF")
    + [("EV:CONNect?", "OFF")],
    "ev_settings": chroma_set("EV:CURRent:MAXimum 16") + chroma_set("EV:PHASes 1")
    + chroma_set("EV:DELay 2.5")
    + [("EV:CURRent:MAXimum?", "16"), ("EV:PHASes?", "1"), ("EV:DELay?", "2.5")],
    "battery": chroma_set("BATTery:CAPacity 60000") + chroma_set("BATTery:SOC 80")
    + chroma_set("BATTery:FULL:STOP ON")
    + [("BATTery:CAPacity?", "60000"), ("BATTery:FULL:STOP?", "ON")],
    "pilot_pwm": [("MEASure:CP:STATe?", "C"), ("MEASure:CP:DUTY?", "26.6667"),
                  ("MEASure:CP:CURRent?", "16")],
    "pilot_no_pwm": [("MEASure:CP:STATe?", "B"), ("MEASure:CP:DUTY?", "100"),
                     ("MEASure:CP:CURRent?", "0")],
    "draw": [("MEASure:CURRent?", "15.98,15.99,16.01"), ("MEASure:SOC?", "80.25")],
    "rejected_setting": [("EV:DELay 30", None), ("SYSTem:ERRor?", '-222,"Data out of range"'),
                         ("SYSTem:ERRor?", CHROMA_OK)],
}

# -- RLC load (SunSpec SVP Lib/svpelab/chroma_A800067.py) -------------------------------------
TRANSCRIPTS["chroma_a800067"] = {
    "identify": [("*IDN?", "Chroma ATE,A800067,A80006700123,1.00")],
    "open": chroma_set("FUNCtion:S1 OFF") + chroma_set("FUNCtion:SLOAD OFF")
    + [pair for phase in (1, 2, 3)
       for command in (f"PHASE{phase}:RLOAD 0", f"PHASE{phase}:LLOAD 0", f"PHASE{phase}:CLOAD 0",
                       f"PHASE{phase}:RLOADE OFF", f"PHASE{phase}:LLOADE OFF", f"PHASE{phase}:CLOADE OFF")
       for pair in chroma_set(command)],
    # 100 ohm: 161 steps of 16133.3 ohm -> code 1064; 5 A and 2 A at 230 V / 50 Hz: 351 and 140 steps
    "rlc_phase_2": chroma_set("PHASE2:RLOAD 1064") + chroma_set("PHASE2:LLOAD 2004")
    + chroma_set("PHASE2:CLOAD 392"),
    "open_resistance": chroma_set("PHASE3:RLOAD 0"),
}
