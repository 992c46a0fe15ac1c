"""SunSpec Modbus TCP link to a DER under test (pysunspec2 client behind one checked transport)."""

from links.modbus_protocol import ModbusExceptionReply
from links.sunspec_modbus.link import CurveAdoptionFailed, PointOutsideSchema, SunSpecLink, TraceFunc
from links.sunspec_modbus.types import (
    AcMeasurements, DerSettings, DeviceIdentity, EnterServiceSetting, FrequencyDroopSetting,
    FixedReactiveSetting, Nameplate, TripKind, TripStageSetting, VoltVarSetting, VoltWattSetting, WattVarSetting,
)

__all__ = [
    "AcMeasurements", "CurveAdoptionFailed", "DerSettings", "DeviceIdentity", "EnterServiceSetting",
    "FrequencyDroopSetting",
    "ModbusExceptionReply", "Nameplate", "PointOutsideSchema", "SunSpecLink", "TraceFunc", "TripKind",
    "TripStageSetting", "VoltWattSetting", "VoltVarSetting", "WattVarSetting", "FixedReactiveSetting",
]
