"""The suite's connection-point measurement (test_suites/ev_charger/connection_point.py): the judged
import is the analyzer's charger plus the household load; the meter's telegrams are checked."""

from __future__ import annotations

import datetime as dt
import math
from types import SimpleNamespace

import pytest

from bench.errors import InstrumentError
from instruments.capabilities import PhaseReading
from test_suites.ev_charger.connection_point import ConnectionPoint, connection_point_import_a
from links.p1 import encode_telegram


def telegram() -> str:
    return encode_telegram(timestamp=dt.datetime(2026, 6, 21, 12, tzinfo=dt.timezone.utc), equipment_id="X",
                           voltage_v=(230.0,) * 3, current_a=(1.0,) * 3, power_w=(230.0,) * 3,
                           energy_import_kwh=0.0, energy_export_kwh=0.0)


class FakeLoad:
    def set_resistance_ohm(self, phase: int, ohms: float) -> float:
        return ohms

    def disconnect(self) -> None:
        pass


class FakeMeter:
    def __init__(self, frames: list[str]) -> None:
        self.frames = frames
        self.released = 0

    def release(self) -> None:
        self.released += 1

    def read_telegrams(self) -> list[str]:
        frames, self.frames = self.frames, []
        return frames


def sample(t_s: float, export_w: float, export_var: float = 0.0) -> SimpleNamespace:
    phase = PhaseReading(230.0, abs(export_w) / 230.0, export_w, export_var, abs(export_w), 1.0)
    return SimpleNamespace(t_s=t_s, reading=SimpleNamespace(phases=(phase, phase, phase)))


def test_import_adds_the_household_to_the_charger() -> None:
    assert connection_point_import_a(230.0, -2300.0, 0.0, 23.0) == pytest.approx(20.0)   # 10 A + 10 A
    assert connection_point_import_a(230.0, -2300.0, 0.0, math.inf) == pytest.approx(10.0)
    assert connection_point_import_a(230.0, 0.0, -2300.0, 23.0) == pytest.approx(10.0 * math.sqrt(2))
    assert connection_point_import_a(0.0, -2300.0, 0.0, 23.0) == 0.0


def test_household_changes_apply_from_their_instant() -> None:
    site = ConnectionPoint(FakeLoad(), FakeMeter([]), 230.0)
    site.set_household_a(10.0, [0.0, 10.0, 0.0])
    t, amps = site.import_a([sample(5.0, -2300.0), sample(10.0, -2300.0)])
    assert list(t) == [5.0, 10.0]
    assert amps[0].tolist() == pytest.approx([10.0, 10.0, 10.0])
    assert amps[1].tolist() == pytest.approx([10.0, 20.0, 10.0])
    assert site.household_nominal_a(1) == pytest.approx(10.0)


def test_garbled_telegram_is_a_bench_error_naming_the_frame() -> None:
    bad = telegram().replace("230.0*V", "231.0*V")
    site = ConnectionPoint(FakeLoad(), FakeMeter([telegram(), bad]), 230.0)
    with pytest.raises(InstrumentError, match=r"p1_meter: garbled DSMR telegram: CRC mismatch.*231\.0\*V"):
        site.read_meter()


def test_disconnect_releases_the_meter_port() -> None:
    meter = FakeMeter([])
    site = ConnectionPoint(FakeLoad(), meter, 230.0)
    site.set_household_a(0.0, [5.0, 5.0, 5.0])
    site.disconnect()
    assert meter.released == 1 and site.household_nominal_a(0) == 0.0
