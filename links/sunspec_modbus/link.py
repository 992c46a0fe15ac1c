"""SunSpec Modbus TCP link to a DER under test (IEEE 1547 models 1, 701-712).

Discovery and model access go through pysunspec2's client; every Modbus exchange passes
:class:`~links.sunspec_modbus.transport.CheckedSunSpecDevice` (errors -> ``LinkError`` tree) and
is reported to ``trace(direction, text)``: ``direction`` is ``"out"`` for a write and ``"in"`` for
a read; ``text`` names the model, the points with their engineering values, the address and the
raw registers, e.g. ``write 704 WMaxLimPctEna=1, WMaxLimPct=50.0 (addr 40245 [1, 500])``.

Curve settings (705 volt-var, 706 volt-watt, 707-710 trip curves, 711 droop control, 712 watt-var)
are written into the first curve the DUT marks writable (``ReadOnly`` = RW), then adopted with ``AdptCrvReq`` /
``AdptCtlReq``; the link waits (wall time, up to ``timeout_s``) for ``AdptCrvRslt`` and raises
``LinkError`` unless it reads ``COMPLETED``.

No library exception leaves this module. A bench or link failure is a ``LinkError`` /
``ProtocolFrameError`` naming the model and point; the device's own answer that it lacks a
setting it is asked for (a mandatory point or scale factor left unimplemented, no writable curve,
a scale factor that cannot represent the value) is :class:`~bench.errors.DeviceLacksFunction`
naming ``model.point`` (a FAIL of the requirement that needs the setting); an optional point left
unimplemented is read as ``None`` and listed in ``DerSettings.unimplemented``.

Never imports ``simlab``: it speaks to the DUT only through the wire.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from types import TracebackType

import sunspec2.device as ss_device
import sunspec2.modbus.client as ss_client

from bench.errors import (
    ConfigError, DeviceLacksFunction, LinkError, LinkTimeout, ModelNotFoundError, ProtocolFrameError,
)
from links.modbus_protocol import EXCEPTION_NAMES, FC_READ_HOLDING
from links.sunspec_modbus.transport import CheckedSunSpecDevice, ModbusExchange
from links.sunspec_modbus.points import walk_points
from links.sunspec_modbus.types import (
    AcMeasurements, DerSettings, DeviceIdentity, EnterServiceSetting, FixedReactiveSetting, FrequencyDroopSetting,
    Nameplate, TripKind, TripStageSetting, VoltVarSetting, VoltWattSetting, WattVarSetting,
)

TraceFunc = Callable[[str, str], None]

TRIP_MODEL_IDS: dict[TripKind, tuple[int, str]] = {
    TripKind.UNDER_VOLTAGE: (707, "V"), TripKind.OVER_VOLTAGE: (708, "V"),
    TripKind.UNDER_FREQUENCY: (709, "Hz"), TripKind.OVER_FREQUENCY: (710, "Hz"),
}
ADOPT_IN_PROGRESS, ADOPT_COMPLETED, ADOPT_FAILED = 0, 1, 2
_ADOPT_POLL_S = 0.01
PRI_ACTIVE, PRI_REACTIVE = 0, 1             # 705/712 Crv.Pri, 704 VarSetPri
EXT_OVER_EXCITED, EXT_UNDER_EXCITED = 0, 1  # 704 PFWInj.Ext
VAR_MAX_PCT = 1                             # 705/712 Crv.DeptRef, 704 VarSetMod
_PHASES_BY_ACTYPE = {0: 1, 1: 2, 2: 3}      # 701 ACType: SINGLE_PHASE, SPLIT_PHASE, THREE_PHASE
# pysunspec2 ModelError texts name the scale factor and the point it scales
_SF_IN_ERROR = re.compile(r"(?:SF field|Scale factor) (\w+) .*for point (\w+)")


class SunSpecLink:
    """A DUT's SunSpec Modbus TCP interface. Use as a context manager, then :meth:`discover`."""

    def __init__(self, host: str, port: int, unit_id: int = 1, timeout_s: float = 2.0,
                 trace: TraceFunc | None = None) -> None:
        self.host, self.port, self.unit_id, self.timeout_s = host, port, unit_id, timeout_s
        self._trace = trace
        self._device = CheckedSunSpecDevice(unit_id=unit_id, host=host, port=port, timeout_s=timeout_s,
                                            on_exchange=self._on_exchange)
        self._points_by_addr: dict[int, tuple[int, str, ss_device.Point]] = {}
        self.base_address: int | None = None

    # --- session ------------------------------------------------------------------------------
    def connect(self) -> None:
        self._device.connect()

    def close(self) -> None:
        self._device.disconnect()

    def __enter__(self) -> SunSpecLink:
        self.connect()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def discover(self) -> int:
        """Find the SunSpec map (base 40000, 0 or 50000) and its models; returns the base address."""
        self._device.failures.clear()
        try:
            self._device.scan(connect=False)
        except LinkError:
            raise
        except ss_client.SunSpecModbusClientError as exc:
            failures = self._device.failures
            kind: type[LinkError] = next((k for k in (ProtocolFrameError, LinkTimeout)
                                          if any(isinstance(f, k) for f in failures)), LinkError)
            raise kind(f"{self._device.endpoint}: no SunSpec 'SunS' marker found at base addresses "
                       f"{self._device.base_addr_list}: {' '.join(str(exc).split())}") from exc
        except Exception as exc:
            raise ProtocolFrameError(f"{self._device.endpoint}: SunSpec scan could not decode the "
                                     f"device's models: {exc}") from exc
        broken = [f"{m.model_id}: {m.error_info.strip()}" for m in self._device.model_list if m.error_info]
        if broken:
            raise ProtocolFrameError(f"{self._device.endpoint}: malformed SunSpec models: {'; '.join(broken)}")
        self.base_address = self._device.base_addr
        self._index_points()
        if self._trace:
            self._trace("in", f"discovered SunSpec map at base {self.base_address}: models {self.model_ids}")
        return int(self._device.base_addr)

    @property
    def model_ids(self) -> list[int]:
        return [int(m.model_id) for m in self._device.model_list]

    # --- reads --------------------------------------------------------------------------------
    def read_identity(self) -> DeviceIdentity:
        m = self._read_model(1)
        return DeviceIdentity(manufacturer=self._text(m, "Mn"), model=self._text(m, "Md"),
                              serial_number=self._text(m, "SN"), firmware_version=self._text(m, "Vr"))

    def read_nameplate(self) -> Nameplate:
        m = self._read_model(702)
        return Nameplate(
            rated_power_w=self._opt(m, "WMaxRtg"), rated_apparent_power_va=self._opt(m, "VAMaxRtg"),
            rated_var_injected_var=self._opt(m, "VarMaxInjRtg"),
            rated_var_absorbed_var=self._opt(m, "VarMaxAbsRtg"),
            nominal_voltage_v=self._opt(m, "VNomRtg"), max_voltage_v=self._opt(m, "VMaxRtg"),
            min_voltage_v=self._opt(m, "VMinRtg"), max_current_a=self._opt(m, "AMaxRtg"),
            normal_operating_category=self._symbol(m, "NorOpCatRtg"),
            abnormal_operating_category=self._symbol(m, "AbnOpCatRtg"))

    def read_ac(self) -> AcMeasurements:
        m = self._read_model(701)
        phases = self._phase_count(m)
        volts = tuple(self._req(m, f"VL{i}") for i in range(1, phases + 1))
        amps = tuple(self._req(m, f"AL{i}") for i in range(1, phases + 1))
        return AcMeasurements(
            voltage_v=volts, current_a=amps, active_power_w=self._req(m, "W"),
            reactive_power_var=self._req(m, "Var"), apparent_power_va=self._req(m, "VA"),
            frequency_hz=self._req(m, "Hz"), inverter_state=self._symbol(m, "InvSt") or "UNKNOWN",
            connected=m.ConnSt.value == 1, alarm_info=self._text(m, "MnAlrmInfo"))

    def _phase_count(self, m: ss_client.SunSpecModbusClientModel) -> int:
        """Phases the DUT reports in 701 ACType (0 single, 1 split, 2 three phase)."""
        ac_type = m.ACType.value
        if ac_type not in _PHASES_BY_ACTYPE:
            shown = "not implemented" if ac_type is None else f"={ac_type}"
            raise PointOutsideSchema("701.ACType", ac_type,
                                     f"{self._device.endpoint}: SunSpec point 701.ACType {shown}: outside its "
                                     f"enumeration (0 SINGLE_PHASE, 1 SPLIT_PHASE, 2 THREE_PHASE), so the "
                                     f"phase count of the readings is unknown")
        return _PHASES_BY_ACTYPE[int(ac_type)]

    def read_settings(self) -> DerSettings:
        """The DUT's active settings, from the models it has (active curve = first read-only one);
        curve points the DUT leaves unimplemented are left out and named in ``unimplemented``."""
        have = set(self.model_ids)
        missing: list[str] = []
        enabled = limit = revert = None
        if 704 in have:
            m = self._read_model(704)
            enabled, limit = m.WMaxLimPctEna.value == 1, self._opt(m, "WMaxLimPct")
            revert = self._opt(m, "WMaxLimPctRvrtTms")
        volt_watt = droop = enter = None
        if 706 in have:
            m = self._read_model(706)
            crv = self._active(m, "Crv")
            volt_watt = VoltWattSetting(enabled=m.Ena.value == 1,
                                        points_pct=self._curve(crv, "V", "W", "706.Crv", missing),
                                        response_time_s=self._req(crv, "RspTms"))
        if 711 in have:
            m = self._read_model(711)
            ctl = self._active(m, "Ctl")
            droop = FrequencyDroopSetting(enabled=m.Ena.value == 1, deadband_hz=self._req(ctl, "DbOf"),
                                          droop_pct=round(self._req(ctl, "KOf") * 100.0, 6),
                                          response_time_s=self._req(ctl, "RspTms"))
        if 703 in have:
            m = self._read_model(703)
            enter = EnterServiceSetting(
                enabled=m.ES.value == 1, voltage_high_pct=self._req(m, "ESVHi"),
                voltage_low_pct=self._req(m, "ESVLo"), frequency_high_hz=self._req(m, "ESHzHi"),
                frequency_low_hz=self._req(m, "ESHzLo"), delay_s=self._req(m, "ESDlyTms"),
                ramp_time_s=self._req(m, "ESRmpTms"))
        volt_var, watt_var, fixed = self._read_reactive(have, missing)
        stages: list[TripStageSetting] = []
        for kind, (model_id, x) in TRIP_MODEL_IDS.items():
            if model_id in have:
                m = self._read_model(model_id)
                if m.Ena.value == 1:
                    must = self._active(m, "Crv").groups["MustTrip"]
                    curve = self._curve(must, x, "Tms", f"{model_id}.Crv.MustTrip", missing)
                    stages += [TripStageSetting(kind, t, s) for t, s in curve]
        return DerSettings(power_limit_enabled=enabled, power_limit_pct=limit,
                           power_limit_revert_time_s=revert, volt_watt=volt_watt,
                           frequency_droop=droop, enter_service=enter, trip_stages=stages,
                           volt_var=volt_var, watt_var=watt_var, fixed_reactive=fixed, unimplemented=missing)

    def _read_reactive(self, have: set[int], missing: list[str]) -> tuple[
            VoltVarSetting | None, WattVarSetting | None, FixedReactiveSetting | None]:
        """The active 705 / 712 curves and the 704 fixed cos phi / fixed Q settings (None: model absent)."""
        volt_var = watt_var = fixed = None
        if 705 in have:
            m = self._read_model(705)
            crv = self._active(m, "Crv")
            volt_var = VoltVarSetting(enabled=m.Ena.value == 1,
                                      points_pct=self._curve(crv, "V", "Var", "705.Crv", missing),
                                      response_time_s=self._req(crv, "RspTms"),
                                      reactive_priority=crv.Pri.value == PRI_REACTIVE)
        if 712 in have:
            m = self._read_model(712)
            crv = self._active(m, "Crv")
            watt_var = WattVarSetting(enabled=m.Ena.value == 1,
                                      points_pct=self._curve(crv, "W", "Var", "712.Crv", missing),
                                      reactive_priority=crv.Pri.value == PRI_REACTIVE)
        if 704 in have:
            m = self._read_model(704)
            pf = m.groups["PFWInj"]
            fixed = FixedReactiveSetting(power_factor_enabled=m.PFWInjEna.value == 1,
                                         power_factor=self._opt(pf, "PF"),
                                         under_excited=pf.Ext.value == EXT_UNDER_EXCITED,
                                         var_enabled=m.VarSetEna.value == 1, var_pct=self._opt(m, "VarSetPct"),
                                         reactive_priority=m.VarSetPri.value == PRI_REACTIVE)
        return volt_var, watt_var, fixed

    # --- writes -------------------------------------------------------------------------------
    def write_power_limit(self, limit_pct: float | None, *, revert_time_s: float | None = None) -> None:
        """704 WMaxLimPct (% of rated W) and WMaxLimPctEna; ``None`` disables the limit."""
        if limit_pct is not None:
            self._check_range("limit_pct", limit_pct, 0.0, 100.0)
        with self._setting("the remote active power limit (SunSpec 704)", 704):
            m = self._read_model(704)
            if limit_pct is None:
                m.WMaxLimPctEna.value = 0
            else:
                m.WMaxLimPct.cvalue = limit_pct
                m.WMaxLimPctEna.value = 1
            if revert_time_s is not None:
                m.WMaxLimPctRvrtTms.value = round(revert_time_s)
            self._write(m)

    def write_volt_watt(self, points_pct: list[tuple[float, float]], response_time_s: float,
                        enabled: bool = True) -> None:
        """706: fill a writable curve with (V % Vnom, W % rated) points, adopt it, enable/disable."""
        with self._setting("the volt-watt curve setting (SunSpec 706)", 706):
            m = self._read_model(706)
            crv, index = self._editable(m, "Crv")
            self._fill(crv, "volt-watt", points_pct, "V", "W", self._count(m, "NPt"), minimum=2)
            crv.DeptRef.value = 0                       # W_MAX_PCT
            crv.RspTms.cvalue = response_time_s
            self._write(m)
            self._adopt(m, "AdptCrvReq", "AdptCrvRslt", index)
            self._write_enable(m, enabled)

    def write_volt_var(self, points_pct: list[tuple[float, float]], response_time_s: float, *,
                       reactive_priority: bool, enabled: bool = True) -> None:
        """705 Q(U): fill a writable curve with (V % Vnom, var % of VarMax) points, its open-loop
        response time and priority (Pri REACTIVE / ACTIVE), adopt it, enable/disable."""
        with self._setting("the volt-var curve setting (SunSpec 705)", 705):
            m = self._read_model(705)
            crv, index = self._editable(m, "Crv")
            self._fill(crv, "volt-var", points_pct, "V", "Var", self._count(m, "NPt"), minimum=2)
            crv.DeptRef.value = VAR_MAX_PCT
            crv.Pri.value = PRI_REACTIVE if reactive_priority else PRI_ACTIVE
            crv.RspTms.cvalue = response_time_s
            self._write(m)
            self._adopt(m, "AdptCrvReq", "AdptCrvRslt", index)
            self._write_enable(m, enabled)

    def write_watt_var(self, points_pct: list[tuple[float, float]], *, reactive_priority: bool,
                       enabled: bool = True) -> None:
        """712 Q(P): fill a writable curve with (W % WMax, var % of VarMax) points, adopt, enable/disable."""
        with self._setting("the watt-var curve setting (SunSpec 712)", 712):
            m = self._read_model(712)
            crv, index = self._editable(m, "Crv")
            self._fill(crv, "watt-var", points_pct, "W", "Var", self._count(m, "NPt"), minimum=2)
            crv.DeptRef.value = VAR_MAX_PCT
            crv.Pri.value = PRI_REACTIVE if reactive_priority else PRI_ACTIVE
            self._write(m)
            self._adopt(m, "AdptCrvReq", "AdptCrvRslt", index)
            self._write_enable(m, enabled)

    def write_fixed_power_factor(self, power_factor: float | None, *, under_excited: bool = True) -> None:
        """704 PFWInj: a fixed displacement factor (absorbing when ``under_excited``); None disables it."""
        if power_factor is not None:
            self._check_range("power_factor", power_factor, 0.0, 1.0)
        with self._setting("the fixed power factor setting (SunSpec 704 PFWInj)", 704):
            m = self._read_model(704)
            if power_factor is not None:
                pf = m.groups["PFWInj"]
                pf.PF.cvalue = power_factor
                pf.Ext.value = EXT_UNDER_EXCITED if under_excited else EXT_OVER_EXCITED
            m.PFWInjEna.value = int(power_factor is not None)
            self._write(m)

    def write_fixed_reactive_power(self, var_pct: float | None, *, reactive_priority: bool = True) -> None:
        """704 VarSet: fixed reactive power in % of VarMax (VarSetMod VAR_MAX_PCT, > 0 injected) and
        its priority; None disables it."""
        if var_pct is not None:
            self._check_range("var_pct", var_pct, -100.0, 100.0)
        with self._setting("the fixed reactive power setting (SunSpec 704 VarSet)", 704):
            m = self._read_model(704)
            if var_pct is not None:
                m.VarSetMod.value = VAR_MAX_PCT
                m.VarSetPct.cvalue = var_pct
            m.VarSetPri.value = PRI_REACTIVE if reactive_priority else PRI_ACTIVE
            m.VarSetEna.value = int(var_pct is not None)
            self._write(m)

    def write_frequency_droop(self, deadband_hz: float, droop_pct: float, response_time_s: float,
                              enabled: bool = True, *, under: tuple[float, float] | None = None) -> None:
        """711 over-frequency droop: DbOf, KOf (= droop_pct / 100) and RspTms; with ``under``
        (deadband Hz, droop %) also the under-frequency side DbUf, KUf (LFSM-U); adopt; enable."""
        self._check_range("droop_pct", droop_pct, 0.1, 100.0)
        if under is not None:
            self._check_range("under-frequency droop_pct", under[1], 0.1, 100.0)
        with self._setting("the frequency-droop setting (SunSpec 711)", 711):
            m = self._read_model(711)
            ctl, index = self._editable(m, "Ctl")
            ctl.DbOf.cvalue = deadband_hz
            ctl.KOf.cvalue = droop_pct / 100.0
            if under is not None:
                ctl.DbUf.cvalue = under[0]
                ctl.KUf.cvalue = under[1] / 100.0
            ctl.RspTms.cvalue = response_time_s
            self._write(m)
            self._adopt(m, "AdptCtlReq", "AdptCtlRslt", index)
            self._write_enable(m, enabled)

    def write_enter_service(self, *, enabled: bool | None = None, voltage_high_pct: float | None = None,
                            voltage_low_pct: float | None = None, frequency_high_hz: float | None = None,
                            frequency_low_hz: float | None = None, delay_s: float | None = None,
                            ramp_time_s: float | None = None) -> None:
        """703 enter-service window, delay and ramp; arguments left at None are not written."""
        with self._setting("the enter-service setting (SunSpec 703)", 703):
            m = self._read_model(703)
            if enabled is not None:
                m.ES.value = int(enabled)
            for name, value in (("ESVHi", voltage_high_pct), ("ESVLo", voltage_low_pct),
                                ("ESHzHi", frequency_high_hz), ("ESHzLo", frequency_low_hz)):
                if value is not None:
                    m.points[name].cvalue = value
            for name, value in (("ESDlyTms", delay_s), ("ESRmpTms", ramp_time_s)):
                if value is not None:
                    m.points[name].value = round(value)
            self._write(m)

    def write_trip_stages(self, stages: Sequence[TripStageSetting]) -> None:
        """707-710 must-trip curves: one curve point per stage; kinds not in ``stages`` are untouched."""
        for kind, (model_id, x) in TRIP_MODEL_IDS.items():
            mine = [(s.threshold, s.clearing_time_s) for s in stages if TripKind(s.kind) is kind]
            if not mine:
                continue
            with self._setting(f"the {kind.value.replace('_', '-')} trip curve setting (SunSpec {model_id})",
                               model_id):
                m = self._read_model(model_id)
                crv, index = self._editable(m, "Crv")
                self._fill(crv.groups["MustTrip"], f"{kind.value} trip", mine, x, "Tms", self._count(m, "NPt"),
                           minimum=1)
                self._write(m)
                self._adopt(m, "AdptCrvReq", "AdptCrvRslt", index)

    def write_point(self, model_id: int, name: str, value: float) -> None:
        """Write one top-level point of a model in engineering units (scale factor applied).

        For interoperability checks (e.g. that the DUT refuses a read-only point or an
        out-of-range value); settings have their own typed methods above.
        """
        m = self._read_model(model_id)
        point = m.points.get(name)
        if point is None:
            raise ConfigError(f"SunSpec model {model_id} has no point {name!r}", field="name")
        with self._setting(f"point {model_id}.{name}", model_id):
            if point.sf_required:
                point.cvalue = value
            else:
                point.value = int(value) if float(value).is_integer() else value
            point.dirty = True
            self._write(m)

    def resolution(self, model_id: int, point: str) -> float | None:
        """One count of ``point`` (a point name of ``model_id``, top level or in its curves, e.g.
        ``"RspTms"``) at the scale factor the DUT declares: 10**SF, 1 for an unscaled point; None if
        the model or point is absent or its scale factor unimplemented."""
        models = self._device.models.get(model_id)
        if not models:
            return None
        m = models[0]
        found = next((p for path, p in walk_points(m, "") if path.rsplit(".", 1)[-1] == point), None)
        if found is None:
            return None
        if not found.sf_required:
            return 1.0
        if found.sf_value is not None:
            return float(10.0 ** int(found.sf_value))
        sf = m.points.get(str(found.sf))
        if sf is None:
            return None
        sf.read()
        return None if sf.value is None else float(10.0 ** int(sf.value))

    # --- internals: models ----------------------------------------------------------------------
    def _model(self, model_id: int) -> ss_client.SunSpecModbusClientModel:
        models = self._device.models.get(model_id)
        if not models:
            raise ModelNotFoundError(f"SunSpec model {model_id} not found on {self._device.endpoint}; "
                                     f"models found: {self.model_ids or 'none (discover() not run?)'}")
        return models[0]

    def _read_model(self, model_id: int) -> ss_client.SunSpecModbusClientModel:
        m = self._model(model_id)
        m.read()        # also clears stale dirty flags
        return m

    @contextmanager
    def _setting(self, function: str, model_id: int) -> Iterator[None]:
        """Writing ``function``: the device's own gaps (pysunspec2 ``ModelError`` on a scale factor
        or count it leaves unimplemented) become :class:`DeviceLacksFunction` naming model.point."""
        try:
            yield
        except _MissingPoint as exc:
            raise DeviceLacksFunction(function, f"{self._device.endpoint}: {exc}") from None
        except ss_device.ModelError as exc:
            found = _SF_IN_ERROR.search(str(exc))
            where = (f"{model_id}.{found.group(1)} (scale factor of {model_id}.{found.group(2)}) is not "
                     f"implemented" if found else f"model {model_id}: {exc}")
            raise DeviceLacksFunction(function, f"{self._device.endpoint}: {where}") from None

    def _write(self, m: ss_client.SunSpecModbusClientModel) -> None:
        try:
            m.write()
        except ss_client.SunSpecModbusValueError as exc:
            raise _MissingPoint(f"model {m.model_id}: a value does not fit the device's point at its "
                                f"scale factor: {exc}") from exc

    def _write_enable(self, m: ss_client.SunSpecModbusClientModel, enabled: bool) -> None:
        m.Ena.value = int(enabled)
        self._write(m)

    def _active(self, m: ss_client.SunSpecModbusClientModel, name: str) -> ss_device.Group:
        groups = m.groups[name]
        return next((g for g in groups if g.ReadOnly.value == 1), groups[0])

    def _editable(self, m: ss_client.SunSpecModbusClientModel, name: str) -> tuple[ss_device.Group, int]:
        for index, g in enumerate(m.groups.get(name, []), start=1):
            if g.ReadOnly.value == 0:
                return g, index
        flags = [g.ReadOnly.value for g in m.groups.get(name, [])]
        raise _MissingPoint(f"model {m.model_id} offers no writable {name} group ({m.model_id}.{name}[n].ReadOnly "
                            f"= {flags}; 0 = writable)")

    @staticmethod
    def _count(m: ss_client.SunSpecModbusClientModel, name: str) -> int:
        value = m.points[name].value
        if value is None:
            raise _MissingPoint(f"mandatory point {m.model_id}.{name} is not implemented")
        return int(value)

    def _fill(self, crv: ss_device.Group, what: str, points: Sequence[tuple[float, float]],
              x: str, y: str, npt: int, *, minimum: int) -> None:
        if not minimum <= len(points) <= npt:
            raise ConfigError(f"{what}: {len(points)} points given, the DUT's curve takes "
                              f"{minimum}..{npt}", field="points")
        crv.ActPt.value = len(points)
        for pt, (xv, yv) in zip(crv.groups["Pt"], points, strict=False):   # points <= the curve's slots
            pt.points[x].cvalue = xv
            pt.points[y].cvalue = yv

    def _adopt(self, m: ss_client.SunSpecModbusClientModel, request: str, result: str, index: int) -> None:
        m.points[request].value = index
        self._write(m)
        deadline = time.monotonic() + self.timeout_s
        while True:
            m.points[result].read()
            state = m.points[result].value
            if state is None:
                raise _MissingPoint(f"mandatory point {m.model_id}.{result} is not implemented, so the "
                                    f"adoption of {m.model_id}.{request}={index} cannot be confirmed")
            if state == ADOPT_COMPLETED:
                return
            if state != ADOPT_IN_PROGRESS or time.monotonic() > deadline:
                label = {ADOPT_FAILED: "FAILED", ADOPT_IN_PROGRESS: "still IN_PROGRESS"}.get(state, state)
                kind = CurveAdoptionFailed if state == ADOPT_FAILED else LinkError
                raise kind(f"SunSpec model {m.model_id}: adoption of curve {index} "
                                f"({request}={index}) reported {result}={label}")
            time.sleep(_ADOPT_POLL_S)

    @staticmethod
    def _curve(crv: ss_device.Group, x: str, y: str, where: str, missing: list[str]) -> list[tuple[float, float]]:
        """The curve's active (x, y) points; a point the DUT leaves unimplemented is left out and its
        dotted name (``where.Pt[i].x``) appended to ``missing``."""
        n = int(crv.ActPt.value or 0)
        pairs: list[tuple[float, float]] = []
        for i, pt in enumerate(crv.groups["Pt"][:n], start=1):
            xv, yv = pt.points[x].cvalue, pt.points[y].cvalue
            missing += [f"{where}.Pt[{i}].{name}" for name, v in ((x, xv), (y, yv)) if v is None]
            if xv is not None and yv is not None:
                pairs.append((float(xv), float(yv)))
        return pairs

    # --- internals: values ----------------------------------------------------------------------
    @staticmethod
    def _check_range(name: str, value: float, lo: float, hi: float) -> None:
        if not lo <= value <= hi:
            raise ConfigError(f"{name}={value} outside {lo}..{hi}", field=name)

    @staticmethod
    def _opt(group: ss_device.Group, name: str) -> float | None:
        value = group.points[name].cvalue
        return None if value is None else float(value)

    def _req(self, group: ss_device.Group, name: str) -> float:
        value = self._opt(group, name)
        if value is None:
            model = getattr(group, "model_id", None) or getattr(getattr(group, "model", None), "model_id", "?")
            raise ProtocolFrameError(f"{self._device.endpoint}: SunSpec point {model}.{name} reads "
                                     f"'not implemented'")
        return value

    @staticmethod
    def _text(group: ss_device.Group, name: str) -> str:
        value = group.points[name].value
        return "" if value is None else str(value).rstrip("\x00").strip()

    @staticmethod
    def _symbol(group: ss_device.Group, name: str) -> str | None:
        point = group.points[name]
        for symbol in point.pdef.get("symbols", []):
            if symbol["value"] == point.value:
                return str(symbol["name"])
        return None if point.value is None else str(point.value)

    # --- internals: trace -----------------------------------------------------------------------
    def _index_points(self) -> None:
        self._points_by_addr.clear()
        for m in self._device.model_list:
            for path, point in walk_points(m, ""):
                for a in range(point.len):
                    self._points_by_addr[int(m.model_addr) + int(point.offset) + a] = (int(m.model_id), path, point)

    def _on_exchange(self, t: ModbusExchange) -> None:
        if self._trace is None:
            return
        located = self._points_by_addr.get(t.address)
        model = f" {located[0]}" if located else ""
        if t.function == FC_READ_HOLDING:
            text = f"read{model} (addr {int(t.address)} count {int(t.count)})"
        else:
            data = t.data or b""
            regs = [int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2)]
            text = f"write{model} {self._describe(t.address, t.count)} (addr {t.address} {regs})"
        if t.exception_code is not None:
            text += f" -> exception {t.exception_code:02d} ({EXCEPTION_NAMES.get(t.exception_code, '?').lower()})"
        elif t.error is not None:
            text += f" -> {t.error}"
        self._trace("in" if t.function == FC_READ_HOLDING else "out", text)

    def _describe(self, address: int, count: int) -> str:
        parts: list[str] = []
        seen: set[int] = set()
        for a in range(address, address + count):
            located = self._points_by_addr.get(a)
            if located is None or id(located[2]) in seen:
                continue
            seen.add(id(located[2]))
            point = located[2]
            value = point.cvalue if point.sf_required else point.value
            parts.append(f"{located[1]}={value}")
        return ", ".join(parts) or "?"


class PointOutsideSchema(ProtocolFrameError):
    """A point the DUT answered with a value its SunSpec model does not allow (e.g. an enum value
    outside the enumeration): the reply breaks the schema. ``point`` is ``model.point``."""

    def __init__(self, point: str, value: object, message: str) -> None:
        super().__init__(message)
        self.point = point
        self.value = value


class CurveAdoptionFailed(LinkError):
    """The DUT answered a curve / control adoption request with ``AdptCrvRslt`` / ``AdptCtlRslt``
    = FAILED: its own refusal of the curve written (e.g. points out of order)."""


class _MissingPoint(Exception):
    """Internal: the device leaves a point it needs for a setting unimplemented (turned into
    :class:`DeviceLacksFunction` by :meth:`SunSpecLink._setting`)."""
