"""Lab side without a network: image layout and write semantics of the simulated inverter."""

from __future__ import annotations

import pytest
import sunspec2.device as ss_device

from links.sunspec_modbus.types import TripKind
from simlab.devices.pv_inverter.sunspec_image import SunSpecDeviceImage
from links.sunspec_modbus.register_image import DEFAULT_MODEL_LAYOUT, SunSpecRegisterMap
from .helpers import StubInverter


@pytest.mark.parametrize("base", [40000, 0, 50000])
def test_image_layout_marker_models_end(base: int) -> None:
    regmap = SunSpecRegisterMap(base)
    regs = regmap.registers
    assert regs[0:2] == [0x5375, 0x6E53]
    assert regs[-2:] == [0xFFFF, 0]
    addr = base + 2
    seen = []
    while regs[addr - base] != 0xFFFF:
        model_id, length = regs[addr - base], regs[addr - base + 1]
        assert length == ss_device.Model(model_id=model_id, data=dict(DEFAULT_MODEL_LAYOUT[model_id])).len - 2
        seen.append(model_id)
        addr += length + 2
    assert seen == [1, 701, 702, 703, 704, 705, 706, 707, 708, 709, 710, 711, 712]


def test_omit_models_and_bad_base() -> None:
    assert 706 not in SunSpecRegisterMap(40000, omit_models=(706,)).model_ids
    with pytest.raises(ValueError, match="base address"):
        SunSpecRegisterMap(1234)


def _addr(image: SunSpecDeviceImage, model_id: int, path: str) -> int:
    return next(s.address for s in image.regmap.blocks[model_id].slots if s.path == path)


def test_curve_written_without_adoption_has_no_effect_then_adoption_applies() -> None:
    inverter = StubInverter()
    image = SunSpecDeviceImage(inverter)
    before = list(inverter.settings.volt_watt.points)
    assert image.on_write(_addr(image, 706, "Crv[2].Pt[1].V"), [1030, 1000]) is None
    assert inverter.settings.volt_watt.points == before and inverter.changes == 0
    assert image.on_write(_addr(image, 706, "AdptCrvReq"), [2]) is None
    assert inverter.settings.volt_watt.points == [(103.0, 100.0), (110.0, 20.0)]
    assert image.regmap.model(706).AdptCrvRslt.value == 1
    assert image.regmap.model(706).Crv[0].Pt[0].V.value == 1030      # copied to the active curve


def test_rejections_leave_image_and_settings_unchanged() -> None:
    inverter = StubInverter()
    image = SunSpecDeviceImage(inverter)
    snapshot = list(image.registers)
    assert image.on_write(_addr(image, 701, "W"), [1]) == 2                  # read-only point
    assert image.on_write(_addr(image, 706, "Crv[1].Pt[1].V"), [1000]) == 2  # active curve is R
    assert image.on_write(_addr(image, 704, "WSetEna"), [1]) == 2            # not implemented
    assert image.on_write(image.regmap.end_address - 2, [0]) == 2            # end marker
    assert image.on_write(_addr(image, 704, "WMaxLimPct"), [1500]) == 3      # 150 %
    assert image.on_write(_addr(image, 704, "WMaxLimPctEna"), [7]) == 3      # not a symbol
    assert image.on_write(_addr(image, 706, "AdptCrvReq"), [3]) == 3         # no curve 3
    assert image.registers == snapshot and inverter.changes == 0


def test_inconsistent_curve_adoption_fails_without_effect() -> None:
    inverter = StubInverter()
    image = SunSpecDeviceImage(inverter)
    image.on_write(_addr(image, 706, "Crv[2].Pt[1].V"), [1100, 1000, 1050, 0])  # V decreasing
    assert image.on_write(_addr(image, 706, "AdptCrvReq"), [2]) is None
    assert image.regmap.model(706).AdptCrvRslt.value == 2
    assert inverter.settings.volt_watt.points == [(106.0, 100.0), (110.0, 20.0)]


def test_trip_disable_removes_that_kind_only() -> None:
    inverter = StubInverter()
    image = SunSpecDeviceImage(inverter)
    image.on_write(_addr(image, 708, "Ena"), [0])
    kinds = {s.kind for s in inverter.settings.trip_stages}
    assert TripKind.OVER_VOLTAGE not in kinds and TripKind.UNDER_VOLTAGE in kinds
    image.on_write(_addr(image, 708, "Ena"), [1])
    assert sum(s.kind is TripKind.OVER_VOLTAGE for s in inverter.settings.trip_stages) == 2
