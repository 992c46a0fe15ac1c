"""Smart charging per OCPP 1.6J §3.13 and OCPP 2.0.1 block K, independent of any charger.

Pure Python (no simulator imports): the simulated charger uses it to decide what it applies, and
the bench suites use it to compute, on their own, the composite schedule a compliant charger must
report and apply.

* :mod:`~links.ocpp.smart_charging.model` — the one model: :class:`ChargingProfile`,
  :class:`SchedulePeriod`, :class:`CompositeSchedule` (and purposes, kinds, units);
* :mod:`~links.ocpp.smart_charging.compute` — :func:`limit_at`, :func:`composite`,
  :func:`differences` (the OCPP combination rules are documented there);
* :mod:`~links.ocpp.smart_charging.installation` — SetChargingProfile / ClearChargingProfile rules.

The wire forms of each version are the version objects' (:mod:`links.ocpp.versions`). Example
(bench side)::

    profile = ChargingProfile(profile_id=1, purpose="tx_default", stack_level=0, unit="W",
                              periods=[(0, 4140.0)], start_schedule=start)
    expected = composite([InstalledProfile(0, profile)], start, 3600, "A")
    findings = differences(expected, link.get_composite_schedule(1, 3600, "A"))
"""

from links.ocpp.smart_charging.compute import (OCPP_RULES, CompositeRules, breakpoints, composite, convert_limit,
                                               differences, limit_at, sample_schedule, schedule_period_at)
from links.ocpp.smart_charging.installation import check_installation, clear_profiles, expired, install_profile
from links.ocpp.smart_charging.model import (DEFAULT_NUMBER_PHASES, NOMINAL_VOLTAGE_V, ChargingProfile,
                                             CompositeSchedule, InstalledProfile, InvalidChargingProfile, Limit,
                                             ProfileError, ProfileKind, ProfilePurpose, RateUnit, Recurrency,
                                             SchedulePeriod)

__all__ = [
    # model
    "ProfilePurpose", "ProfileKind", "Recurrency", "RateUnit", "ProfileError", "InvalidChargingProfile",
    "SchedulePeriod", "ChargingProfile", "InstalledProfile", "Limit", "CompositeSchedule",
    "DEFAULT_NUMBER_PHASES", "NOMINAL_VOLTAGE_V",
    # computation
    "CompositeRules", "OCPP_RULES", "convert_limit", "schedule_period_at", "limit_at",
    "breakpoints", "sample_schedule", "composite", "differences",
    # installation rules
    "check_installation", "install_profile", "clear_profiles", "expired",
]
