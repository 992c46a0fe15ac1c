"""SunSpecLink against pysunspec2's shipped IEEE 1547 device image (plain register memory, no
simulator): the device's gaps are the device's answer (DeviceLacksFunction naming model.point),
a schema-breaking value a ProtocolFrameError naming the point, an unimplemented optional curve
point is reported as unimplemented; no pysunspec2 exception ever leaves the link."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bench.errors import DeviceLacksFunction, ProtocolFrameError
from links.sunspec_modbus import SunSpecLink, TripKind, TripStageSetting
from links.sunspec_modbus.server import start_sunspec_server
from thirdparty.sunspec_json_device import MemoryImage, image_registers

from .helpers import LabLoop


@pytest.fixture
def image() -> MemoryImage:
    return MemoryImage(image_registers())


@pytest.fixture
def link(lab: LabLoop, image: MemoryImage) -> Iterator[SunSpecLink]:
    handle, port = lab.run(start_sunspec_server(image, host="127.0.0.1", port=0))
    lab.keep(handle)
    with SunSpecLink("127.0.0.1", port, timeout_s=1.0) as sunspec:
        sunspec.discover()
        yield sunspec
    lab.stop(handle)


def _point_address(link: SunSpecLink, model_id: int, name: str) -> int:
    m = link._model(model_id)
    return int(m.model_addr) + int(m.points[name].offset)


def test_the_1547_image_is_discovered_with_its_models(link: SunSpecLink) -> None:
    assert link.model_ids == [1, 701, 702, 703, 704, 705, 706, 707, 708, 709, 710, 711, 712, 713]
    assert link.read_identity().manufacturer == "SunSpecTest"


def test_unimplemented_scale_factor_of_volt_watt_is_the_device_lacking_the_function(link: SunSpecLink) -> None:
    with pytest.raises(DeviceLacksFunction, match=r"706\.RspTms_SF .*not implemented") as lacks:
        link.write_volt_watt([(106.0, 100.0), (110.0, 0.0)], 10.0)
    assert "volt-watt" in lacks.value.function and "706" in lacks.value.function


def test_unimplemented_scale_factor_of_the_power_limit_is_the_device_lacking_it(link: SunSpecLink) -> None:
    with pytest.raises(DeviceLacksFunction, match=r"704\.WMaxLimPct_SF .*not implemented") as lacks:
        link.write_power_limit(50.0)
    assert "704" in lacks.value.function


def test_no_writable_curve_and_unrepresentable_values_are_the_device_lacking_the_setting(link: SunSpecLink) -> None:
    with pytest.raises(DeviceLacksFunction, match=r"711\.Ctl\[n\]\.ReadOnly"):
        link.write_frequency_droop(0.2, 5.0, 10.0)
    with pytest.raises(DeviceLacksFunction, match=r"708\.Crv\[n\]\.ReadOnly"):
        link.write_trip_stages([TripStageSetting(TripKind.OVER_VOLTAGE, 115.0, 0.2)])
    with pytest.raises(DeviceLacksFunction, match=r"model 703.*ESVHi"):
        link.write_enter_service(voltage_high_pct=110.0)


def test_unimplemented_adoption_result_is_the_device_lacking_the_setting(link: SunSpecLink, image: MemoryImage) -> None:
    """A writable curve, but the mandatory AdptCrvRslt unimplemented: adoption cannot be confirmed."""
    m = link._model(707)
    read_only = int(m.model_addr) + int(m.groups["Crv"][0].points["ReadOnly"].offset)
    image.registers[read_only - image.base_address] = 0            # curve 1 writable
    with pytest.raises(DeviceLacksFunction, match=r"707\.AdptCrvRslt is not implemented"):
        link.write_trip_stages([TripStageSetting(TripKind.UNDER_VOLTAGE, 50.0, 2.0)])


def test_unimplemented_optional_curve_point_is_reported_not_raised(link: SunSpecLink) -> None:
    settings = link.read_settings()
    # the image's active 712 (watt-var) curve leaves its one point unimplemented too
    assert settings.unimplemented == ["712.Crv.Pt[1].W", "712.Crv.Pt[1].Var", "709.Crv.MustTrip.Pt[1].Hz"]
    assert all(s.kind is not TripKind.UNDER_FREQUENCY for s in settings.trip_stages)
    assert settings.volt_watt is not None and settings.volt_watt.points_pct == [(106.0, 100.0), (110.0, 0.0)]


def test_actype_outside_its_enumeration_is_a_frame_error_naming_the_point(link: SunSpecLink) -> None:
    with pytest.raises(ProtocolFrameError, match=r"701\.ACType =3: outside its enumeration"):
        link.read_ac()


@pytest.mark.parametrize(("ac_type", "phases"), [(0, 1), (1, 2)])
def test_actype_is_honoured(link: SunSpecLink, image: MemoryImage, ac_type: int, phases: int) -> None:
    image.registers[_point_address(link, 701, "ACType") - image.base_address] = ac_type
    reading = link.read_ac()
    assert len(reading.voltage_v) == phases and len(reading.current_a) == phases


def test_three_phase_actype_reads_the_third_phase(link: SunSpecLink, image: MemoryImage) -> None:
    """The image implements VL1/VL2 only: declared three-phase, its missing VL3 is named."""
    image.registers[_point_address(link, 701, "ACType") - image.base_address] = 2
    with pytest.raises(ProtocolFrameError, match=r"point 701\.VL3 reads 'not implemented'"):
        link.read_ac()


def test_unimplemented_actype_is_a_frame_error(link: SunSpecLink, image: MemoryImage) -> None:
    image.registers[_point_address(link, 701, "ACType") - image.base_address] = 0xFFFF
    with pytest.raises(ProtocolFrameError, match=r"701\.ACType not implemented"):
        link.read_ac()
