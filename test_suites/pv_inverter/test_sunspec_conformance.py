"""SunSpec Modbus conformance of the settings path (PV-SUNSPEC-CONFORMANCE).

Read-back: every market setting the bench writes over SunSpec (the strategy's own writes: 706
volt-watt, 711 droop, 703 enter service, 707-710 trip stages, 704 limit, 705 Q(U) and 712 Q(P) and the
704 fixed cos phi / fixed Q set points when the profile declares them) and a partial 704 limit
with a revert time are read back with ``read_settings`` right after each write. Each value read
back minus the value written must lie within +- the catalog's tolerance in counts of the point's
scale factor (the DUT's own scale factor: a value read back at another scale factor is off by a
decade). The read-back is a digital copy, so the checks carry no measurement uncertainty.

Refusal: a volt-watt curve whose voltages are out of order and one whose power lies outside the
model's -100..100 % are written to the editable 706 curve and adopted; the device must refuse each,
by a Modbus exception on the write or ``AdptCrvRslt`` = FAILED, and the active curve read back
after the attempt must be the one in force before it.

Identity: model 1 (Mn, Md, SN, Vr) must equal the profile's device identity, and model 702's
ratings (WMaxRtg, VAMaxRtg, VNomRtg) the profile's ratings within one count of their scale factor.

Every setting in force before the test is written back afterwards (the market settings the
strategy prepared this session written again), so later tests are unaffected.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pytest

from links.modbus_protocol import ModbusExceptionReply
from links.sunspec_modbus import (
    CurveAdoptionFailed, DerSettings, TripKind, TripStageSetting, VoltWattSetting,
)

REQ = "PV-SUNSPEC-CONFORMANCE"
MARKET_SETTINGS = ("volt_watt", "frequency_droop", "enter_service", "trip_stages", "power_limit", "volt_var",
                   "watt_var")
PARTIAL_LIMIT_PCT = 37.5          # a partial 704 limit with a revert time, as PV-REMOTE-LIMIT writes
REVERT_TIME_S = 120.0
TRIP_MODELS = {TripKind.UNDER_VOLTAGE: (707, "V", "% Un"), TripKind.OVER_VOLTAGE: (708, "V", "% Un"),
               TripKind.UNDER_FREQUENCY: (709, "Hz", "Hz"), TripKind.OVER_FREQUENCY: (710, "Hz", "Hz")}
_ENTER_SERVICE = {"voltage_high_pct": ("ESVHi", "% Un"), "voltage_low_pct": ("ESVLo", "% Un"),
                  "frequency_high_hz": ("ESHzHi", "Hz"), "frequency_low_hz": ("ESHzLo", "Hz"),
                  "delay_s": ("ESDlyTms", "s"), "ramp_time_s": ("ESRmpTms", "s")}


class _Judge:
    """Judges one value read back against its reference (the value written, or the profile's),
    within +- N counts of the point's scale factor; ``context`` (e.g. "write 3") prefixes the names."""

    def __init__(self, link: Any, check: Any, counts: float) -> None:
        self.link, self.check, self.counts = link, check, counts
        self.context = ""

    def value(self, what: str, model_id: int, point: str, unit: str, expected: float,
              read: float | None, per_count: float = 1.0, reference: str = "written") -> None:
        step = self.link.resolution(model_id, point)
        tol = None if step is None else self.counts * step * per_count
        deviation = None if read is None else read - expected
        self.check.within(REQ, f"{self.context}{what}: read - {reference}", "readback_deviation", unit,
                          deviation, 0.0, None if tol is None else -tol, tol, kind="level",
                          detail=f"{reference} {expected:g}, read {read}; tolerance {self.counts:g} "
                                 f"count(s) of {model_id}.{point}'s scale factor"
                                 + ("" if tol is None else f" = {tol:g} {unit}"))

    def flag(self, what: str, written: bool, read: bool | None) -> None:
        self.check.require_true(REQ, f"{self.context}{what}: read back as written", read is written,
                                f"written {written}, read back {read}")


class _ReadBackLink:
    """The DUT's link as the strategy sees it during the read-back: each typed write is passed on,
    then the settings are read back and judged against the arguments written."""

    def __init__(self, link: Any, judge: _Judge) -> None:
        self._link, self._judge = link, judge
        self._writes = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._link, name)

    def _read(self) -> DerSettings:
        """The settings read back after a write; the judge's names count the writes."""
        self._writes += 1
        self._judge.context = f"write {self._writes}: "
        return self._link.read_settings()

    def write_power_limit(self, limit_pct: float | None, *, revert_time_s: float | None = None) -> None:
        self._link.write_power_limit(limit_pct, revert_time_s=revert_time_s)
        s, j = self._read(), self._judge
        j.flag("704.WMaxLimPctEna", limit_pct is not None, s.power_limit_enabled)
        if limit_pct is not None:
            j.value("704.WMaxLimPct", 704, "WMaxLimPct", "%", limit_pct, s.power_limit_pct)
        if revert_time_s is not None:
            j.value("704.WMaxLimPctRvrtTms", 704, "WMaxLimPctRvrtTms", "s", revert_time_s,
                    s.power_limit_revert_time_s)

    def write_volt_watt(self, points_pct: list[tuple[float, float]], response_time_s: float,
                        enabled: bool = True) -> None:
        self._link.write_volt_watt(points_pct, response_time_s, enabled=enabled)
        vw, j = self._read().volt_watt, self._judge
        j.flag("706.Ena", enabled, None if vw is None else vw.enabled)
        read = [] if vw is None else vw.points_pct
        j.check.require_true(REQ, f"{j.context}706 active curve: number of points read back as written",
                             len(read) == len(points_pct), f"written {len(points_pct)}, read back {len(read)}")
        for i, ((v, w), got) in enumerate(zip(points_pct, read, strict=False), start=1):
            j.value(f"706.Crv.Pt[{i}].V", 706, "V", "% Un", v, got[0])
            j.value(f"706.Crv.Pt[{i}].W", 706, "W", "% Pn", w, got[1])
        j.value("706.Crv.RspTms", 706, "RspTms", "s", response_time_s, None if vw is None else vw.response_time_s)

    def _curve(self, model_id: int, x: tuple[str, str], y: tuple[str, str], written: list[tuple[float, float]],
               read: list[tuple[float, float]]) -> None:
        j = self._judge
        j.check.require_true(REQ, f"{j.context}{model_id} active curve: number of points read back as written",
                             len(read) == len(written), f"written {len(written)}, read back {len(read)}")
        for i, ((xw, yw), got) in enumerate(zip(written, read, strict=False), start=1):
            j.value(f"{model_id}.Crv.Pt[{i}].{x[0]}", model_id, x[0], x[1], xw, got[0])
            j.value(f"{model_id}.Crv.Pt[{i}].{y[0]}", model_id, y[0], y[1], yw, got[1])

    def write_volt_var(self, points_pct: list[tuple[float, float]], response_time_s: float, *,
                       reactive_priority: bool, enabled: bool = True) -> None:
        self._link.write_volt_var(points_pct, response_time_s, reactive_priority=reactive_priority, enabled=enabled)
        vv, j = self._read().volt_var, self._judge
        j.flag("705.Ena", enabled, None if vv is None else vv.enabled)
        j.flag("705.Crv.Pri REACTIVE", reactive_priority, None if vv is None else vv.reactive_priority)
        self._curve(705, ("V", "% Un"), ("Var", "% VarMax"), points_pct, [] if vv is None else vv.points_pct)
        j.value("705.Crv.RspTms", 705, "RspTms", "s", response_time_s, None if vv is None else vv.response_time_s)

    def write_watt_var(self, points_pct: list[tuple[float, float]], *, reactive_priority: bool,
                       enabled: bool = True) -> None:
        self._link.write_watt_var(points_pct, reactive_priority=reactive_priority, enabled=enabled)
        wv, j = self._read().watt_var, self._judge
        j.flag("712.Ena", enabled, None if wv is None else wv.enabled)
        j.flag("712.Crv.Pri REACTIVE", reactive_priority, None if wv is None else wv.reactive_priority)
        self._curve(712, ("W", "% Pn"), ("Var", "% VarMax"), points_pct, [] if wv is None else wv.points_pct)

    def write_fixed_power_factor(self, power_factor: float | None, *, under_excited: bool = True) -> None:
        self._link.write_fixed_power_factor(power_factor, under_excited=under_excited)
        fixed, j = self._read().fixed_reactive, self._judge
        j.flag("704.PFWInjEna", power_factor is not None, None if fixed is None else fixed.power_factor_enabled)
        if power_factor is not None:
            j.value("704.PFWInj.PF", 704, "PF", "1", power_factor, None if fixed is None else fixed.power_factor)
            j.flag("704.PFWInj.Ext UNDER_EXCITED", under_excited, None if fixed is None else fixed.under_excited)

    def write_fixed_reactive_power(self, var_pct: float | None, *, reactive_priority: bool = True) -> None:
        self._link.write_fixed_reactive_power(var_pct, reactive_priority=reactive_priority)
        fixed, j = self._read().fixed_reactive, self._judge
        j.flag("704.VarSetEna", var_pct is not None, None if fixed is None else fixed.var_enabled)
        j.flag("704.VarSetPri REACTIVE", reactive_priority, None if fixed is None else fixed.reactive_priority)
        if var_pct is not None:
            j.value("704.VarSetPct", 704, "VarSetPct", "% VarMax", var_pct, None if fixed is None else fixed.var_pct)

    def write_frequency_droop(self, deadband_hz: float, droop_pct: float, response_time_s: float,
                              enabled: bool = True) -> None:
        self._link.write_frequency_droop(deadband_hz, droop_pct, response_time_s, enabled=enabled)
        fd, j = self._read().frequency_droop, self._judge
        j.flag("711.Ena", enabled, None if fd is None else fd.enabled)
        j.value("711.Ctl.DbOf", 711, "DbOf", "Hz", deadband_hz, None if fd is None else fd.deadband_hz)
        j.value("711.Ctl.KOf (as droop)", 711, "KOf", "%", droop_pct, None if fd is None else fd.droop_pct,
                per_count=100.0)
        j.value("711.Ctl.RspTms", 711, "RspTms", "s", response_time_s, None if fd is None else fd.response_time_s)

    def write_enter_service(self, **written: Any) -> None:
        self._link.write_enter_service(**written)
        es, j = self._read().enter_service, self._judge
        if written.get("enabled") is not None:
            j.flag("703.ES", bool(written["enabled"]), None if es is None else es.enabled)
        for field, (point, unit) in _ENTER_SERVICE.items():
            if written.get(field) is not None:
                j.value(f"703.{point}", 703, point, unit, float(written[field]),
                        None if es is None else getattr(es, field))

    def write_trip_stages(self, stages: Sequence[TripStageSetting]) -> None:
        self._link.write_trip_stages(stages)
        read, j = self._read().trip_stages, self._judge
        for kind, (model_id, x, unit) in TRIP_MODELS.items():
            mine = [s for s in stages if TripKind(s.kind) is kind]
            if not mine:
                continue
            got = [s for s in read if TripKind(s.kind) is kind]
            j.check.require_true(REQ, f"{j.context}{model_id} must-trip curve: number of points read back as written",
                                 len(got) == len(mine), f"written {len(mine)}, read back {len(got)}")
            for i, (w, r) in enumerate(zip(mine, got, strict=False), start=1):
                j.value(f"{model_id}.MustTrip.Pt[{i}].{x}", model_id, x, unit, w.threshold, r.threshold)
                j.value(f"{model_id}.MustTrip.Pt[{i}].Tms", model_id, "Tms", "s", w.clearing_time_s,
                        r.clearing_time_s)


@contextmanager
def _link_replaced(dut: Any, link: Any) -> Iterator[None]:
    saved = dut.link
    dut.link = link
    try:
        yield
    finally:
        dut.link = saved


def _restore_volt_watt(link: Any, vw: VoltWattSetting) -> None:
    link.write_volt_watt(list(vw.points_pct), vw.response_time_s, enabled=vw.enabled)


def _restore(link: Any, before: DerSettings) -> None:
    """Write back the settings in force before the test (those the DUT has)."""
    if before.volt_watt is not None:
        _restore_volt_watt(link, before.volt_watt)
    if before.frequency_droop is not None:
        fd = before.frequency_droop
        link.write_frequency_droop(fd.deadband_hz, fd.droop_pct, fd.response_time_s, enabled=fd.enabled)
    if before.enter_service is not None:
        es = before.enter_service
        link.write_enter_service(enabled=es.enabled, voltage_high_pct=es.voltage_high_pct,
                                 voltage_low_pct=es.voltage_low_pct, frequency_high_hz=es.frequency_high_hz,
                                 frequency_low_hz=es.frequency_low_hz, delay_s=es.delay_s,
                                 ramp_time_s=es.ramp_time_s)
    if before.trip_stages:
        link.write_trip_stages(before.trip_stages)
    if before.power_limit_enabled is not None:
        revert = before.power_limit_revert_time_s
        if before.power_limit_enabled and before.power_limit_pct is not None:
            link.write_power_limit(before.power_limit_pct, revert_time_s=revert)
        else:
            link.write_power_limit(None, revert_time_s=revert)


def _fixed_reactive_read_back(dut: Any, proxy: _ReadBackLink) -> None:
    """The 704 fixed cos phi and fixed Q set points the reactive power suite writes (when declared),
    each written, read back and released."""
    priority = dut.reactive_priority is not False
    if dut.profile.claims("fixed_power_factor"):
        for pf, under in dut.param("PV-FIXED-COSPHI", "power_factors"):
            dut.step(f"704 PFWInj cos phi {pf:g} ({'under' if under else 'over'}-excited), read back")
            proxy.write_fixed_power_factor(pf, under_excited=under)
        proxy.write_fixed_power_factor(None)
    if dut.profile.claims("fixed_reactive_power"):
        for pct in dut.param("PV-FIXED-Q", "reactive_power_pct_srated"):
            dut.step(f"704 VarSetPct {pct:g} %, read back")
            proxy.write_fixed_reactive_power(pct, reactive_priority=priority)
        proxy.write_fixed_reactive_power(None, reactive_priority=priority)


@pytest.mark.requirement(REQ)
def test_sunspec_settings_read_back(dut, check):
    """Each setting the bench writes reads back equal within one count of its scale factor."""
    counts = float(dut.param(REQ, "readback_tolerance_counts"))
    before = dut.link.read_settings()
    proxy = _ReadBackLink(dut.link, _Judge(dut.link, check, counts))
    try:
        with _link_replaced(dut, proxy):
            for name in MARKET_SETTINGS:
                if dut.write_market_setting(name):
                    dut.step(f"{name.replace('_', ' ')} written and read back")
            dut.step(f"704 WMaxLimPct {PARTIAL_LIMIT_PCT:g} % with revert time {REVERT_TIME_S:g} s, read back")
            proxy.write_power_limit(PARTIAL_LIMIT_PCT, revert_time_s=REVERT_TIME_S)
            proxy.write_power_limit(None)
            _fixed_reactive_read_back(dut, proxy)
    finally:
        dut.step("settings in force before the test written back (the market settings prepared this "
                 "session written again, not taken from a read-back that may be wrong)")
        _restore(dut.link, before)
        for name in dut.prepared_settings:
            dut.write_market_setting(name)


def _refused(attempt: Callable[[], None]) -> tuple[bool, str]:
    """Whether the device refused ``attempt`` (Modbus exception or adoption FAILED), and its answer."""
    try:
        attempt()
    except ModbusExceptionReply as exc:
        return True, f"Modbus exception {exc.exception_code:02d} on the write"
    except CurveAdoptionFailed as exc:
        return True, str(exc)
    return False, "written and adopted without error"


@pytest.mark.requirement(REQ)
def test_sunspec_invalid_curves_refused(dut, check):
    """An out-of-order and an out-of-range volt-watt curve are refused; the active curve stays."""
    before = dut.link.read_settings()
    if before.volt_watt is None:
        check.device_lacks(REQ, "the volt-watt curve setting (SunSpec 706)",
                           f"model 706 not in the DUT's map {dut.link.model_ids}")
        return
    market_points = [tuple(p) for p in dut.param("PV-PU-STEADY", "volt_watt_points_pct")]
    response_time_s = before.volt_watt.response_time_s
    invalid = {"voltages out of order": list(reversed(market_points)),
               "power 150 % (outside -100..100 %)": [(market_points[0][0], 150.0), *market_points[1:]]}
    try:
        for what, points in invalid.items():
            in_force = dut.link.read_settings().volt_watt
            dut.step(f"write a volt-watt curve with {what} to 706 and adopt it: {points}")
            refused, answer = _refused(lambda p=points: dut.link.write_volt_watt(p, response_time_s, enabled=True))
            check.require_true(REQ, f"curve with {what} refused by the device", refused, answer)
            after = dut.link.read_settings().volt_watt
            check.require_true(REQ, f"active 706 curve unchanged after the curve with {what}",
                               after == in_force, f"in force before {in_force}, after {after}")
    finally:
        dut.step("volt-watt setting in force before the test written back")
        _restore_volt_watt(dut.link, before.volt_watt)


@pytest.mark.requirement(REQ)
def test_sunspec_identity_consistent(dut, check):
    """Model 1 names the profile's device; model 702 rates it as the profile does."""
    ident, plate = dut.link.read_identity(), dut.link.read_nameplate()
    profile = dut.profile.identity
    for name, read in (("manufacturer", ident.manufacturer), ("model", ident.model),
                       ("serial_number", ident.serial_number), ("firmware_version", ident.firmware_version)):
        check.require_true(REQ, f"model 1 {name} = profile", read == profile[name],
                           f"model 1 {read!r}, profile {profile[name]!r}")
    judge = _Judge(dut.link, check, 1.0)
    for key, point, unit, read in (("rated_power_w", "WMaxRtg", "W", plate.rated_power_w),
                                   ("rated_apparent_power_va", "VAMaxRtg", "VA", plate.rated_apparent_power_va),
                                   ("nominal_voltage_v", "VNomRtg", "V", plate.nominal_voltage_v)):
        if key in dut.profile.ratings:
            judge.value(f"702.{point}", 702, point, unit, float(dut.profile.ratings[key]), read,
                        reference=f"profile {key}")
