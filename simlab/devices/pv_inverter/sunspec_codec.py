"""What the simulated PV inverter's SunSpec models mean: nameplate / readings / settings <-> points.

Encoding (device -> image): model 1 and 702 from the nameplate, 701 from ``readings()`` (on every
read), 703-711 from the current :class:`PvInverterSettings` (at start, so a read-back shows the
device's defaults). Decoding (write -> settings): :func:`apply_write` after a client write.

Curve models (705, 706, 707-710) and 711 hold two curves / controls: 1 is the active one
(ReadOnly = R), 2 is filled by the client and takes effect only when ``AdptCrvReq`` /
``AdptCtlReq`` names it; the device then copies it to 1 and reports ``COMPLETED`` (or ``FAILED``
for an inconsistent curve, leaving the settings unchanged).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from itertools import pairwise

import sunspec2.device as ss_device

from simlab.devices.pv_inverter.api import (
    OperatingState, PvInverterNameplate, PvInverterReadings, PvInverterSettings,
)
from simlab.devices.pv_inverter.knobs import PvInverterKnobs
from links.sunspec_modbus.register_image import ILLEGAL_VALUE, PointSlot, SunSpecRegisterMap
from links.sunspec_modbus.types import TripKind, TripStageSetting

ADOPT_COMPLETED = 1
ADOPT_FAILED = 2
ACTIVE, EDITABLE = 1, 2          # curve / control indexes (1-based, as on the wire)

TRIP_MODELS: dict[int, tuple[TripKind, str]] = {
    707: (TripKind.UNDER_VOLTAGE, "V"),
    708: (TripKind.OVER_VOLTAGE, "V"),
    709: (TripKind.UNDER_FREQUENCY, "Hz"),
    710: (TripKind.OVER_FREQUENCY, "Hz"),
}
CURVE_MODELS = (705, 706, *TRIP_MODELS, 712)
PRI_ACTIVE, PRI_REACTIVE = 0, 1              # 705/712 Crv.Pri, 704 VarSetPri
EXT_OVER_EXCITED, EXT_UNDER_EXCITED = 0, 1   # 704 PFWInj.Ext
VAR_MAX_PCT = 1                              # 705/712 Crv.DeptRef, 704 VarSetMod

#: Fixed scale factors of the control models (the 701/702 ones follow the nameplate).
CONTROL_SF: dict[int, dict[str, int]] = {
    703: {"V_SF": -1, "Hz_SF": -2},
    704: {"WMaxLimPct_SF": -1, "PF_SF": -3, "VarSetPct_SF": -1},
    705: {"V_SF": -1, "DeptRef_SF": -1, "RspTms_SF": -1},
    706: {"V_SF": -1, "DeptRef_SF": -1, "RspTms_SF": -1},
    707: {"V_SF": -1, "Tms_SF": -2},
    708: {"V_SF": -1, "Tms_SF": -2},
    709: {"Hz_SF": -2, "Tms_SF": -2},
    710: {"Hz_SF": -2, "Tms_SF": -2},
    711: {"Db_SF": -3, "K_SF": -3, "RspTms_SF": -1},
    712: {"W_SF": -1, "DeptRef_SF": -1},
}

#: Accepted range (engineering units, after scale factors) of writable points; else exception 03.
#: Keys are (model id, point name); ActPt and the adoption request are checked against the counts.
WRITE_LIMITS: dict[tuple[int, str], tuple[float, float]] = {
    (703, "ESVHi"): (50.0, 200.0), (703, "ESVLo"): (0.0, 150.0),
    (703, "ESHzHi"): (40.0, 70.0), (703, "ESHzLo"): (40.0, 70.0),
    (703, "ESDlyTms"): (0, 86400), (703, "ESRmpTms"): (0, 86400), (703, "ESRndTms"): (0, 86400),
    (704, "WMaxLimPct"): (0.0, 100.0), (704, "WMaxLimPctRvrt"): (0.0, 100.0),
    (704, "WMaxLimPctRvrtTms"): (0, 86400),
    (704, "PF"): (0.7, 1.0), (704, "VarSetPct"): (-100.0, 100.0),
    (712, "W"): (-100.0, 100.0), (712, "Var"): (-100.0, 100.0),
    (705, "V"): (0.0, 200.0), (705, "Var"): (-100.0, 100.0), (705, "RspTms"): (0.0, 3600.0),
    (706, "V"): (0.0, 200.0), (706, "W"): (-100.0, 100.0), (706, "RspTms"): (0.0, 3600.0),
    (707, "V"): (0.0, 200.0), (708, "V"): (0.0, 200.0),
    (709, "Hz"): (40.0, 70.0), (710, "Hz"): (40.0, 70.0),
    (707, "Tms"): (0.0, 86400.0), (708, "Tms"): (0.0, 86400.0),
    (709, "Tms"): (0.0, 86400.0), (710, "Tms"): (0.0, 86400.0),
    (711, "DbOf"): (0.0, 5.0), (711, "DbUf"): (0.0, 5.0),
    (711, "KOf"): (0.001, 1.0), (711, "KUf"): (0.001, 1.0), (711, "RspTms"): (0.0, 600.0),
    (711, "PMin"): (-100, 100),
}


class WriteRejected(Exception):
    """A decoded write the device refuses; ``code`` is the Modbus exception code."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code


# --- helpers ------------------------------------------------------------------------------------
def _fit_sf(max_abs: float, limit: int, finest: int) -> int:
    """The finest scale factor (>= ``finest``) at which ``max_abs`` fits in ``limit``."""
    sf = finest
    while max_abs / math.pow(10, sf) > limit:
        sf += 1
    return sf


def _set(group: ss_device.Group, **values: float | int | str | None) -> None:
    """Set points in engineering units (pysunspec2 applies the scale factor)."""
    for name, value in values.items():
        point = group.points[name]
        if value is None:
            point.set_value(None)
        elif point.sf_required:
            point.set_value(value, computed=True)
        else:
            point.set_value(value)


def _get(group: ss_device.Group, name: str) -> float:
    value = group.points[name].get_value(computed=True)
    if value is None:
        raise WriteRejected(ILLEGAL_VALUE, f"{name} is not implemented / not set")
    return float(value)


def _counts(model: ss_device.Model) -> dict[str, int]:
    return {k: int(model.points[k].value) for k in ("NPt", "NCrv", "NCrvSet", "NCtl")
            if k in model.points}


# --- encoding -----------------------------------------------------------------------------------
def encode_nameplate(regmap: SunSpecRegisterMap, nameplate: PvInverterNameplate, unit_id: int) -> None:
    """Models 1 (common) and 702 (DERCapacity): static."""
    if 1 in regmap.blocks:
        _set(regmap.model(1), Mn=nameplate.manufacturer, Md=nameplate.model,
             Vr=nameplate.firmware_version, SN=nameplate.serial_number, DA=unit_id, Opt="")
        regmap.store(1)
    if 702 in regmap.blocks:
        m = regmap.model(702)
        w_sf = _fit_sf(nameplate.rated_power_w * 1.5, 65535, 0)
        va_sf = _fit_sf(nameplate.rated_apparent_power_va * 1.5, 65535, 0)
        v_sf = _fit_sf(nameplate.nominal_voltage_v * 1.5, 65535, -1)
        i_max = nameplate.rated_apparent_power_va / (nameplate.nominal_voltage_v * nameplate.phase_count)
        a_sf = _fit_sf(i_max * 1.5, 65535, -2)
        _set(m, W_SF=w_sf, VA_SF=va_sf, V_SF=v_sf, A_SF=a_sf, Var_SF=va_sf, PF_SF=-3, S_SF=0)
        _set(m, WMaxRtg=nameplate.rated_power_w, VAMaxRtg=nameplate.rated_apparent_power_va,
             VarMaxInjRtg=nameplate.rated_apparent_power_va, VarMaxAbsRtg=nameplate.rated_apparent_power_va,
             VNomRtg=nameplate.nominal_voltage_v, VMaxRtg=nameplate.nominal_voltage_v * 1.1,
             VMinRtg=nameplate.nominal_voltage_v * 0.9, AMaxRtg=i_max,
             WMax=nameplate.rated_power_w, VAMax=nameplate.rated_apparent_power_va,
             VNom=nameplate.nominal_voltage_v, NorOpCatRtg=1, AbnOpCatRtg=2)
        regmap.store(702)
    if 701 in regmap.blocks:
        m = regmap.model(701)
        w_sf = _fit_sf(nameplate.rated_power_w * 1.5, 32767, 0)
        va_sf = _fit_sf(nameplate.rated_apparent_power_va * 1.5, 32767, 0)
        i_max = nameplate.rated_apparent_power_va / nameplate.nominal_voltage_v   # worst case, 1 phase
        _set(m, W_SF=w_sf, VA_SF=va_sf, Var_SF=va_sf, PF_SF=-3,
             A_SF=_fit_sf(i_max * 1.5, 32767, -2),
             V_SF=_fit_sf(nameplate.nominal_voltage_v * math.sqrt(3) * 1.5, 65535, -1),
             Hz_SF=-3, TotWh_SF=0, TotVarh_SF=0, Tmp_SF=-1)
        _set(m, ACType=2 if nameplate.phase_count == 3 else 0)
        regmap.store(701)


_INV_STATE = {OperatingState.OFF: 0, OperatingState.WAITING: 7, OperatingState.RAMPING: 2,
              OperatingState.CONNECTED: 3, OperatingState.TRIPPED: 6}
_CONNECTED = (OperatingState.RAMPING, OperatingState.CONNECTED)
_ALARM_GRID_DISCONNECT = 1 << 4


def encode_readings(regmap: SunSpecRegisterMap, readings: PvInverterReadings) -> None:
    """Model 701 (DERMeasureAC) from the inverter's current readings."""
    m = regmap.model(701)
    volts, amps = readings.voltage_v, readings.current_a
    n = len(volts)
    va_phase = [v * a for v, a in zip(volts, amps, strict=True)]
    va_sum = sum(va_phase)
    share = [x / va_sum if va_sum > 0 else 1.0 / max(n, 1) for x in va_phase]
    mean_v = sum(volts) / n if n else 0.0
    pf = readings.active_power_w / readings.apparent_power_va if readings.apparent_power_va > 0 else None
    connected = readings.state in _CONNECTED
    _set(m, St=1 if connected else 0, InvSt=_INV_STATE[readings.state], ConnSt=1 if connected else 0,
         Alrm=_ALARM_GRID_DISCONNECT if readings.state is OperatingState.TRIPPED else 0,
         DERMode=1, W=readings.active_power_w, VA=readings.apparent_power_va,
         Var=readings.reactive_power_var, PF=pf, A=sum(amps), LNV=mean_v,
         LLV=mean_v * math.sqrt(3) if n == 3 else None, Hz=readings.frequency_hz,
         MnAlrmInfo=(readings.last_trip or "")[:64])
    for i in range(3):
        phase = i + 1
        if i < n:
            _set(m, **{f"VL{phase}": volts[i], f"AL{phase}": amps[i],
                       f"WL{phase}": readings.active_power_w * share[i],
                       f"VAL{phase}": readings.apparent_power_va * share[i],
                       f"VarL{phase}": readings.reactive_power_var * share[i], f"PFL{phase}": pf})
        else:
            _set(m, **{f"VL{phase}": None, f"AL{phase}": None, f"WL{phase}": None,
                       f"VAL{phase}": None, f"VarL{phase}": None, f"PFL{phase}": None})
    regmap.store(701)


def _fill_curve(crv: ss_device.Group, points: list[tuple[float, float]], x: str, y: str,
                npt: int, model_id: int) -> None:
    if len(points) > npt:
        raise ValueError(f"model {model_id}: {len(points)} curve points, the image holds {npt}")
    padded = list(points) + [(0.0, 0.0)] * (npt - len(points))
    for pt, (xv, yv) in zip(crv.groups["Pt"], padded, strict=True):
        _set(pt, **{x: xv, y: yv})


def encode_settings(regmap: SunSpecRegisterMap, settings: PvInverterSettings) -> None:
    """Models 703-711 from the device's settings (curve 1 = curve 2 = current setting)."""
    for model_id, sfs in CONTROL_SF.items():
        if model_id in regmap.blocks:
            _set(regmap.model(model_id), **sfs)
    if 703 in regmap.blocks:
        es = settings.enter_service
        _set(regmap.model(703), ES=int(es.enabled), ESVHi=es.voltage_high_pct, ESVLo=es.voltage_low_pct,
             ESHzHi=es.frequency_high_hz, ESHzLo=es.frequency_low_hz, ESDlyTms=round(es.delay_s),
             ESRndTms=0, ESRmpTms=round(es.ramp_time_s), ESDlyRemTms=0)
    if 704 in regmap.blocks:
        pl = settings.power_limit
        _set(regmap.model(704), WMaxLimPctEna=int(pl.enabled), WMaxLimPct=pl.limit_pct,
             WMaxLimPctRvrt=100.0, WMaxLimPctEnaRvrt=0, WMaxLimPctRvrtTms=round(pl.revert_time_s),
             WMaxLimPctRvrtRem=0)
        _encode_fixed_reactive(regmap, settings)
    if 705 in regmap.blocks:
        m = regmap.model(705)
        rp = settings.reactive
        _set(m, Ena=int(rp.volt_var_enabled), AdptCrvReq=0, AdptCrvRslt=ADOPT_COMPLETED, RvrtTms=0, RvrtRem=0,
             RvrtCrv=0)
        for i, crv in enumerate(m.groups["Crv"], start=1):
            _set(crv, ActPt=len(rp.volt_var_points), DeptRef=VAR_MAX_PCT, RspTms=rp.volt_var_response_time_s,
                 Pri=PRI_REACTIVE if rp.volt_var_reactive_priority else PRI_ACTIVE, ReadOnly=int(i == ACTIVE))
            _fill_curve(crv, rp.volt_var_points, "V", "Var", _counts(m)["NPt"], 705)
    if 706 in regmap.blocks:
        m, vw = regmap.model(706), settings.volt_watt
        _set(m, Ena=int(vw.enabled), AdptCrvReq=0, AdptCrvRslt=ADOPT_COMPLETED, RvrtTms=0, RvrtRem=0,
             RvrtCrv=0)
        for i, crv in enumerate(m.groups["Crv"], start=1):
            _set(crv, ActPt=len(vw.points), DeptRef=0, RspTms=vw.response_time_s, ReadOnly=int(i == ACTIVE))
            _fill_curve(crv, vw.points, "V", "W", _counts(m)["NPt"], 706)
    for model_id, (kind, x) in TRIP_MODELS.items():
        if model_id not in regmap.blocks:
            continue
        m = regmap.model(model_id)
        stages = [(s.threshold, s.clearing_time_s) for s in settings.trip_stages if s.kind == kind]
        _set(m, Ena=1, AdptCrvReq=0, AdptCrvRslt=ADOPT_COMPLETED)
        for i, crv in enumerate(m.groups["Crv"], start=1):
            _set(crv, ReadOnly=int(i == ACTIVE))
            for part in ("MustTrip", "MayTrip", "MomCess"):
                used = stages if part == "MustTrip" else []
                _set(crv.groups[part], ActPt=len(used))
                _fill_curve(crv.groups[part], used, x, "Tms", _counts(m)["NPt"], model_id)
    if 711 in regmap.blocks:
        m, fd = regmap.model(711), settings.frequency_droop
        _set(m, Ena=int(fd.enabled), AdptCtlReq=0, AdptCtlRslt=ADOPT_COMPLETED, RvrtTms=0, RvrtRem=0,
             RvrtCtl=0)
        for i, ctl in enumerate(m.groups["Ctl"], start=1):
            _set(ctl, DbOf=fd.deadband_over_hz, DbUf=fd.deadband_under_hz, KOf=fd.droop_pct / 100.0,
                 KUf=fd.droop_under_pct / 100.0, RspTms=fd.response_time_s, PMin=0, ReadOnly=int(i == ACTIVE))
    if 712 in regmap.blocks:
        m, rp = regmap.model(712), settings.reactive
        _set(m, Ena=int(rp.watt_var_enabled), AdptCrvReq=0, AdptCrvRslt=ADOPT_COMPLETED, RvrtTms=0, RvrtRem=0,
             RvrtCrv=0)
        for i, crv in enumerate(m.groups["Crv"], start=1):
            _set(crv, ActPt=len(rp.watt_var_points), DeptRef=VAR_MAX_PCT,
                 Pri=PRI_REACTIVE if rp.watt_var_reactive_priority else PRI_ACTIVE, ReadOnly=int(i == ACTIVE))
            _fill_curve(crv, rp.watt_var_points, "W", "Var", _counts(m)["NPt"], 712)
    for model_id in CONTROL_SF:
        if model_id in regmap.blocks:
            regmap.store(model_id)


def _encode_fixed_reactive(regmap: SunSpecRegisterMap, settings: PvInverterSettings) -> None:
    """704 fixed cos phi (PFWInj) and fixed Q (VarSet, % of VarMax) from the settings."""
    rp, m = settings.reactive, regmap.model(704)
    _set(m, PFWInjEna=int(rp.fixed_pf_enabled), PFWInjEnaRvrt=0, PFWInjRvrtTms=0, PFWInjRvrtRem=0,
         VarSetEna=int(rp.fixed_var_enabled), VarSetMod=VAR_MAX_PCT,
         VarSetPri=PRI_REACTIVE if rp.fixed_var_reactive_priority else PRI_ACTIVE, VarSetPct=rp.fixed_var_pct,
         VarSetEnaRvrt=0, VarSetRvrtTms=0, VarSetRvrtRem=0)
    _set(m.groups["PFWInj"], PF=rp.fixed_pf,
         Ext=EXT_UNDER_EXCITED if rp.fixed_pf_under_excited else EXT_OVER_EXCITED)


# --- decoding a write ---------------------------------------------------------------------------
def check_values(regmap: SunSpecRegisterMap, slots: Iterable[PointSlot]) -> None:
    """Raise :class:`WriteRejected` (03) for a written value outside its symbols or range."""
    for slot in slots:
        model = regmap.model(slot.model_id)
        point, name = slot.point, slot.name
        if point.value is None:
            raise WriteRejected(ILLEGAL_VALUE, f"{slot.path}: 'not implemented' value written")
        symbols = point.pdef.get("symbols")
        if symbols and point.pdef["type"].startswith("enum") and \
                point.value not in {s["value"] for s in symbols}:
            raise WriteRejected(ILLEGAL_VALUE, f"{slot.path}: {point.value} is not a valid symbol")
        counts = _counts(model)
        if name in ("AdptCrvReq", "AdptCtlReq"):
            n = counts.get("NCrv", counts.get("NCrvSet", counts.get("NCtl", 0)))
            if not 0 <= point.value <= n:
                raise WriteRejected(ILLEGAL_VALUE, f"{slot.path}: no curve {point.value} (1..{n})")
        elif name == "ActPt":
            lowest = 0 if slot.model_id in TRIP_MODELS else 1
            if not lowest <= point.value <= counts["NPt"]:
                raise WriteRejected(ILLEGAL_VALUE, f"{slot.path}: {point.value} outside {lowest}..{counts['NPt']}")
        elif (slot.model_id, name) in WRITE_LIMITS:
            lo, hi = WRITE_LIMITS[(slot.model_id, name)]
            value = point.get_value(computed=True)
            if not lo <= value <= hi:
                raise WriteRejected(ILLEGAL_VALUE, f"{slot.path}: {value} outside {lo}..{hi}")


def apply_write(regmap: SunSpecRegisterMap, model_id: int, slots: list[PointSlot],
                settings: PvInverterSettings, knobs: PvInverterKnobs | None = None) -> bool:
    """Update ``settings`` from a decoded write to ``model_id``; True if the settings changed.

    Adoption requests are acted on here (curve copied to the active curve, result point set);
    the caller stores the model back into the image. ``knobs``: the SunSpec conformance faults
    (``accepts_unordered_curve``, ``readback_scale_factor_wrong``).
    """
    knobs = knobs or PvInverterKnobs()
    written = {s.name for s in slots}
    m = regmap.model(model_id)
    if model_id == 703:
        es = settings.enter_service
        es.enabled = bool(m.ES.value)
        es.voltage_high_pct, es.voltage_low_pct = _get(m, "ESVHi"), _get(m, "ESVLo")
        es.frequency_high_hz, es.frequency_low_hz = _get(m, "ESHzHi"), _get(m, "ESHzLo")
        es.delay_s, es.ramp_time_s = _get(m, "ESDlyTms"), _get(m, "ESRmpTms")
        return True
    if model_id == 704:
        _apply_fixed_reactive(m, settings)          # may refuse the write: before any change
        pl = settings.power_limit
        pl.enabled = bool(m.WMaxLimPctEna.value)
        pl.limit_pct = _get(m, "WMaxLimPct")
        pl.revert_time_s = _get(m, "WMaxLimPctRvrtTms")
        return True
    changed = False
    if "Ena" in written:
        changed |= _apply_enable(model_id, m, settings)
    request = "AdptCtlReq" if model_id == 711 else "AdptCrvReq"
    if request in written and m.points[request].value:
        changed |= _adopt(model_id, m, int(m.points[request].value), settings, knobs)
    return changed


def _apply_fixed_reactive(m: ss_device.Model, settings: PvInverterSettings) -> None:
    """704 PFWInj (fixed cos phi) and VarSet (fixed Q): only VarSetMod VAR_MAX_PCT is offered."""
    rp = settings.reactive
    if m.VarSetEna.value and m.VarSetMod.value != VAR_MAX_PCT:
        raise WriteRejected(ILLEGAL_VALUE, f"704.VarSetMod={m.VarSetMod.value}: only VAR_MAX_PCT is supported")
    rp.fixed_pf_enabled = bool(m.PFWInjEna.value)
    rp.fixed_pf = _get(m.groups["PFWInj"], "PF")
    rp.fixed_pf_under_excited = m.groups["PFWInj"].Ext.value == EXT_UNDER_EXCITED
    rp.fixed_var_enabled = bool(m.VarSetEna.value)
    rp.fixed_var_pct = _get(m, "VarSetPct")
    rp.fixed_var_reactive_priority = m.VarSetPri.value == PRI_REACTIVE


def _apply_enable(model_id: int, m: ss_device.Model, settings: PvInverterSettings) -> bool:
    enabled = bool(m.Ena.value)
    if model_id == 705:
        settings.reactive.volt_var_enabled = enabled
    elif model_id == 712:
        settings.reactive.watt_var_enabled = enabled
    elif model_id == 706:
        settings.volt_watt.enabled = enabled
    elif model_id == 711:
        settings.frequency_droop.enabled = enabled
    elif model_id in TRIP_MODELS:
        kind = TRIP_MODELS[model_id][0]
        settings.trip_stages = [s for s in settings.trip_stages if s.kind != kind]
        if enabled:
            settings.trip_stages.extend(_trip_stages(model_id, m.groups["Crv"][ACTIVE - 1]))
    else:
        return False
    return True


def _adopt(model_id: int, m: ss_device.Model, index: int, settings: PvInverterSettings,
           knobs: PvInverterKnobs) -> bool:
    result = "AdptCtlRslt" if model_id == 711 else "AdptCrvRslt"
    groups = m.groups["Ctl" if model_id == 711 else "Crv"]
    chosen = groups[index - 1]
    try:
        _apply_curve(model_id, chosen, settings, dry_run=True, ordered=not knobs.accepts_unordered_curve)
    except WriteRejected:
        _set(m, **{result: ADOPT_FAILED})
        return False
    if index != ACTIVE:
        _copy_group(chosen, groups[ACTIVE - 1])
    _set(m, **{result: ADOPT_COMPLETED})
    if model_id in TRIP_MODELS and not m.Ena.value:
        return False
    _apply_curve(model_id, groups[ACTIVE - 1], settings, dry_run=False, ordered=not knobs.accepts_unordered_curve)
    if model_id == 706 and knobs.readback_scale_factor_wrong:   # raw count at SF 0, not RspTms_SF
        groups[ACTIVE - 1].points["RspTms"].set_value(round(settings.volt_watt.response_time_s))
    return True


def _copy_group(src: ss_device.Group, dst: ss_device.Group) -> None:
    for name, point in src.points.items():
        if name != "ReadOnly":
            dst.points[name].set_value(point.value)
    for name, sub in src.groups.items():
        if isinstance(sub, list):
            for s, d in zip(sub, dst.groups[name], strict=True):   # two groups of one model
                _copy_group(s, d)
        else:
            _copy_group(sub, dst.groups[name])


def _curve_points(crv: ss_device.Group, x: str, y: str) -> list[tuple[float, float]]:
    n = int(crv.ActPt.value)
    return [(_get(pt, x), _get(pt, y)) for pt in crv.groups["Pt"][:n]]


def _apply_curve(model_id: int, group: ss_device.Group, settings: PvInverterSettings,
                 *, dry_run: bool, ordered: bool = True) -> None:
    """Validate (and unless ``dry_run`` apply) one curve / control group; ``ordered``: refuse
    curve voltages that do not increase."""
    if model_id in (705, 712):
        x = "V" if model_id == 705 else "W"
        points = _curve_points(group, x, "Var")
        if ordered:
            _require_increasing(points, model_id)
        if group.DeptRef.value != VAR_MAX_PCT:
            raise WriteRejected(ILLEGAL_VALUE, f"model {model_id}: DeptRef {group.DeptRef.value}: only "
                                               f"VAR_MAX_PCT is supported")
        if not dry_run:
            rp = settings.reactive
            reactive = group.Pri.value == PRI_REACTIVE
            if model_id == 705:
                rp.volt_var_points, rp.volt_var_response_time_s = points, _get(group, "RspTms")
                rp.volt_var_reactive_priority = reactive
            else:
                rp.watt_var_points, rp.watt_var_reactive_priority = points, reactive
    elif model_id == 706:
        points = _curve_points(group, "V", "W")
        if ordered:
            _require_increasing(points, model_id)
        if len(points) < 2:
            raise WriteRejected(ILLEGAL_VALUE, "volt-watt curve needs at least 2 points")
        if not dry_run:
            settings.volt_watt.points = points
            settings.volt_watt.response_time_s = _get(group, "RspTms")
    elif model_id in TRIP_MODELS:
        stages = _trip_stages(model_id, group)
        if not dry_run:
            kind = TRIP_MODELS[model_id][0]
            settings.trip_stages = [s for s in settings.trip_stages if s.kind != kind] + stages
    elif model_id == 711:
        deadband, k, rsp = _get(group, "DbOf"), _get(group, "KOf"), _get(group, "RspTms")
        deadband_under, k_under = _get(group, "DbUf"), _get(group, "KUf")
        if not dry_run:
            fd = settings.frequency_droop
            fd.deadband_over_hz, fd.droop_pct, fd.response_time_s = deadband, k * 100.0, rsp
            fd.deadband_under_hz, fd.droop_under_pct = deadband_under, k_under * 100.0


def _trip_stages(model_id: int, crv: ss_device.Group) -> list[TripStageSetting]:
    kind, x = TRIP_MODELS[model_id]
    return [TripStageSetting(kind, threshold, tms)
            for threshold, tms in _curve_points(crv.groups["MustTrip"], x, "Tms")]


def _require_increasing(points: list[tuple[float, float]], model_id: int) -> None:
    xs = [p[0] for p in points]
    if any(b <= a for a, b in pairwise(xs)):
        raise WriteRejected(ILLEGAL_VALUE, f"model {model_id}: curve voltages not increasing: {xs}")
