"""Smart charging per OCPP 1.6J §3.13 and OCPP 2.0.1 block K, independent of any charger.

Pure Python (stdlib only, no simulator imports): the simulated charger uses it to decide what
it applies, and the bench suites use it to compute, on their own, the composite schedule a
compliant charger must report and apply.

* :mod:`~links.ocpp.smart_charging.model` — the neutral profile / schedule / composite dataclasses;
* :mod:`~links.ocpp.smart_charging.compute` — :func:`limit_at`, :func:`composite`,
  :func:`differences` (the OCPP combination rules are documented there);
* :mod:`~links.ocpp.smart_charging.installation` — SetChargingProfile / ClearChargingProfile rules;
* :mod:`~links.ocpp.smart_charging.ocpp16`, :mod:`~links.ocpp.smart_charging.ocpp201` — the wire forms
  (snake_case, as the ``ocpp`` library hands them over).

Example (bench side)::

    profile = from_ocpp16({"charging_profile_id": 1, "stack_level": 0,
                           "charging_profile_purpose": "TxDefaultProfile",
                           "charging_profile_kind": "Absolute",
                           "charging_schedule": {"start_schedule": "2026-11-02T16:00:00Z",
                                                 "charging_rate_unit": "W",
                                                 "charging_schedule_period": [
                                                     {"start_period": 0, "limit": 4140.0}]}})
    expected = composite([InstalledProfile(0, profile)], start, 3600, "A")
    findings = differences(expected, composite_from_ocpp16(reply))
"""

from links.ocpp.smart_charging.compute import (OCPP_RULES, CompositeRules, breakpoints, composite,
                                          convert_limit, differences, limit_at, sample_schedule,
                                          schedule_period_at)
from links.ocpp.smart_charging.installation import (check_installation, clear_profiles, expired,
                                               install_profile, parse_purpose)
from links.ocpp.smart_charging.model import (DEFAULT_NUMBER_PHASES, NOMINAL_VOLTAGE_V, ChargingProfile,
                                        ChargingSchedule, CompositePeriod, CompositeSchedule,
                                        InstalledProfile, Limit, ProfileError, ProfileKind,
                                        Purpose, RateUnit, Recurrency, SchedulePeriod, Transaction)
from links.ocpp.smart_charging.ocpp16 import (composite_from_ocpp16, composite_reply_ocpp16,
                                         from_ocpp16, profile_to_ocpp16, to_ocpp16)
from links.ocpp.smart_charging.ocpp201 import (composite_from_ocpp201, composite_reply_ocpp201,
                                          from_ocpp201, profile_to_ocpp201, to_ocpp201)

__all__ = [
    # model
    "Purpose", "ProfileKind", "Recurrency", "RateUnit", "ProfileError", "SchedulePeriod",
    "ChargingSchedule", "ChargingProfile", "InstalledProfile", "Transaction", "Limit",
    "CompositePeriod", "CompositeSchedule", "DEFAULT_NUMBER_PHASES", "NOMINAL_VOLTAGE_V",
    # computation
    "CompositeRules", "OCPP_RULES", "convert_limit", "schedule_period_at", "limit_at",
    "breakpoints", "sample_schedule", "composite", "differences",
    # installation rules
    "parse_purpose", "check_installation", "install_profile", "clear_profiles", "expired",
    # wire forms
    "from_ocpp16", "profile_to_ocpp16", "to_ocpp16", "composite_reply_ocpp16",
    "composite_from_ocpp16", "from_ocpp201", "profile_to_ocpp201", "to_ocpp201",
    "composite_reply_ocpp201", "composite_from_ocpp201",
]
