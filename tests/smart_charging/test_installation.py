"""SetChargingProfile / ClearChargingProfile rules (OCPP 1.6J §5.16, §5.5; 2.0.1 K01, K10)."""

from __future__ import annotations

import pytest

from links.ocpp import OCPP16J, OCPP201, Transaction
from links.ocpp.smart_charging import (InstalledProfile, ProfileError, ProfilePurpose, check_installation,
                                       clear_profiles, install_profile)

from .builders import at, profile

MAX, DEFAULT, TX = ProfilePurpose.STATION_MAX, ProfilePurpose.TX_DEFAULT, ProfilePurpose.TX


def _ids(items) -> list[int]:
    return [item.profile.profile_id for item in items]


def test_1_6_same_purpose_and_stack_level_replaces_whatever_the_id():
    first = InstalledProfile(1, profile(1, DEFAULT, [(0, 16)], stack=2))
    held, replaced = install_profile([first], InstalledProfile(1, profile(2, DEFAULT, [(0, 8)], stack=2)),
                                     version=OCPP16J)
    assert _ids(held) == [2] and _ids(replaced) == [1]


def test_1_6_same_id_replaces_and_other_stack_levels_stack_up():
    held, _ = install_profile([InstalledProfile(1, profile(1, DEFAULT, [(0, 16)], stack=0))],
                              InstalledProfile(1, profile(2, DEFAULT, [(0, 8)], stack=1)),
                              version=OCPP16J)
    assert _ids(held) == [1, 2]
    held, replaced = install_profile(held, InstalledProfile(1, profile(1, DEFAULT, [(0, 10)], stack=5)),
                                     version=OCPP16J)
    assert _ids(held) == [2, 1] and _ids(replaced) == [1]


def test_1_6_same_stack_level_on_another_connector_is_kept():
    held, _ = install_profile([InstalledProfile(0, profile(1, DEFAULT, [(0, 16)], stack=2))],
                              InstalledProfile(1, profile(2, DEFAULT, [(0, 8)], stack=2)),
                              version=OCPP16J)
    assert _ids(held) == [1, 2]


def test_2_0_1_same_id_replaces():
    held, replaced = install_profile([InstalledProfile(1, profile(4, DEFAULT, [(0, 16)], stack=0))],
                                     InstalledProfile(1, profile(4, DEFAULT, [(0, 8)], stack=3)),
                                     version=OCPP201)
    assert _ids(held) == [4] and held[0].profile.stack_level == 3 and _ids(replaced) == [4]


def test_2_0_1_same_stack_level_with_overlapping_validity_is_refused():
    old = InstalledProfile(1, profile(1, DEFAULT, [(0, 16)], stack=2, valid_from=at(2, 0), valid_to=at(3, 0)))
    clash = InstalledProfile(1, profile(2, DEFAULT, [(0, 8)], stack=2, valid_from=at(2, 12)))
    with pytest.raises(ProfileError) as caught:
        install_profile([old], clash, version=OCPP201)
    assert caught.value.field == "charging_profile.stack_level"
    later = InstalledProfile(1, profile(3, DEFAULT, [(0, 8)], stack=2, valid_from=at(3, 0)))
    held, _ = install_profile([old], later, version=OCPP201)
    assert _ids(held) == [1, 3]


@pytest.mark.parametrize("version, field, name", [(OCPP16J, "connector_id", "ChargePointMaxProfile"),
                                                 (OCPP201, "evse_id", "ChargingStationMaxProfile")], ids=str)
def test_station_maximum_only_on_connector_zero(version, field, name):
    with pytest.raises(ProfileError) as caught:
        check_installation(profile(1, MAX, [(0, 16)]), 1, version=version, transaction=None)
    assert caught.value.field == field and name in caught.value.problem
    check_installation(profile(1, MAX, [(0, 16)]), 0, version=version, transaction=None)


def test_tx_profile_needs_a_running_transaction_on_its_connector():
    tx_profile = profile(1, TX, [(0, 16)])
    with pytest.raises(ProfileError, match="no transaction is running on connector 1"):
        check_installation(tx_profile, 1, version=OCPP16J, transaction=None)
    with pytest.raises(ProfileError, match="not 0"):
        check_installation(tx_profile, 0, version=OCPP16J, transaction=None)
    check_installation(tx_profile, 1, version=OCPP16J, transaction=Transaction(1, at(2, 9), "12"))


def test_tx_profile_must_match_the_running_transaction():
    with pytest.raises(ProfileError) as caught:
        check_installation(profile(1, TX, [(0, 16)], transaction_id="11"), 1, version=OCPP16J,
                           transaction=Transaction(1, at(2, 9), "12"))
    assert caught.value.field == "cs_charging_profiles.transaction_id"


def test_2_0_1_tx_profile_must_name_its_transaction_except_for_a_remote_start():
    running = Transaction(1, at(2, 9), "abc")
    with pytest.raises(ProfileError) as caught:
        check_installation(profile(1, TX, [(0, 16)]), 1, version=OCPP201, transaction=running)
    assert caught.value.field == "charging_profile.transaction_id"
    check_installation(profile(1, TX, [(0, 16)]), 1, version=OCPP201, transaction=running,
                       require_transaction_id=False)
    check_installation(profile(1, TX, [(0, 16)], transaction_id="abc"), 1, version=OCPP201,
                       transaction=running)


def test_unknown_connector_is_refused():
    with pytest.raises(ProfileError, match="expected 0..1"):
        check_installation(profile(1, DEFAULT, [(0, 16)]), 2, version=OCPP16J, transaction=None)


def test_clear_by_id_ignores_the_other_criteria():
    items = [InstalledProfile(0, profile(1, MAX, [(0, 16)])),
             InstalledProfile(1, profile(2, DEFAULT, [(0, 16)], stack=1))]
    kept, removed = clear_profiles(items, profile_id=2, purpose="ChargePointMaxProfile")
    assert _ids(kept) == [1] and _ids(removed) == [2]


def test_clear_by_criteria_accepts_both_purpose_names():
    items = [InstalledProfile(0, profile(1, MAX, [(0, 16)])),
             InstalledProfile(1, profile(2, DEFAULT, [(0, 16)], stack=1)),
             InstalledProfile(1, profile(3, DEFAULT, [(0, 16)], stack=2))]
    kept, removed = clear_profiles(items, purpose="ChargingStationMaxProfile")
    assert _ids(removed) == [1]
    kept, removed = clear_profiles(items, connector_id=1, stack_level=2)
    assert _ids(kept) == [1, 2] and _ids(removed) == [3]
    kept, removed = clear_profiles(items)
    assert kept == () and len(removed) == 3
