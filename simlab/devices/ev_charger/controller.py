"""The simulated charger's smart-charging controller: which profiles it holds, and the limit it
applies at each instant, on top of the pure rules in :mod:`links.ocpp.smart_charging`.

Compliant behaviour:

* SetChargingProfile (1.6 §5.16 / 2.0.1 K01): validated (stackLevel up to
  ``charge_profile_max_stack_level``, at most ``charging_schedule_max_periods`` periods and
  ``max_charging_profiles_installed`` profiles, connector / purpose / transaction rules of
  :func:`links.ocpp.smart_charging.check_installation`), then installed with the replacement rule of
  the charger's OCPP version (:func:`links.ocpp.smart_charging.install_profile`);
* the profiles live in a :class:`ProfileStore` that survives reconnects and reboots (profiles
  are persistent); a TxProfile ends with its transaction (1.6 §3.13, 2.0.1 K01);
* the limit is the composite limit of :func:`links.ocpp.smart_charging.limit_at` in A per phase at the
  charger's nominal voltage, capped at the rated current; a period's numberPhases selects 1 or 3
  phases when the charger can switch phases;
* offline (OCPP 1.6 §3.13): profiles keep applying, a running transaction keeps its TxProfile;
  with no profile the charger charges unconstrained. With ``max_offline_duration_s`` claimed
  (OCPP 2.1-style maxOfflineDuration) it falls back to ``offline_fallback_limit_a`` once offline
  that long;
* below ``min_current_a`` (6 A, IEC 61851-1) the charger pauses: the limit becomes 0.

The knobs of :class:`~simlab.devices.ev_charger.knobs.EvChargerKnobs` marked "smart charging"
break these rules; the others belong to electrical.py and the OCPP client.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Iterable

from links.ocpp.smart_charging import (OCPP_RULES, ChargingProfile, CompositeRules, CompositeSchedule,
                                       InstalledProfile, Limit, ProfileError, ProfilePurpose, RateUnit,
                                       breakpoints, check_installation, clear_profiles, convert_limit, expired,
                                       install_profile, limit_at, sample_schedule)
from links.ocpp.transactions import Transaction
from links.ocpp.versions import by_label
from simlab.devices.ev_charger.knobs import EvChargerKnobs, EvChargerParameters

__all__ = ["ProfileStore", "ChargingController", "REPORTED_LIMIT_FACTOR"]

REPORTED_LIMIT_FACTOR = 1.5
"""Knob ``composite_schedule_wrong``: GetCompositeSchedule reports this x the applied limits."""

_LIMIT_CACHE_HORIZON = dt.timedelta(days=1)
"""How far ahead :meth:`ChargingController.limit_a_per_phase` looks for the next breakpoint of
the composite limit (a cached limit is re-evaluated at least this often)."""


class ProfileStore:
    """The charging profiles a charger holds (non-volatile memory): one object per simulated
    charger, handed to each :class:`ChargingController` so it outlives reconnects and reboots."""

    def __init__(self, installed: Iterable[InstalledProfile] = ()) -> None:
        self._installed: tuple[InstalledProfile, ...] = tuple(installed)

    @property
    def installed(self) -> tuple[InstalledProfile, ...]:
        return self._installed

    def replace_all(self, installed: Iterable[InstalledProfile]) -> None:
        self._installed = tuple(installed)

    def clear(self) -> int:
        """Forget every profile; returns how many there were."""
        count = len(self._installed)
        self._installed = ()
        return count

    def __len__(self) -> int:
        return len(self._installed)


class ChargingController:
    """Smart-charging decisions of one simulated charger (see the module docstring).

    Transactions: :meth:`begin_transaction` / :meth:`end_transaction` (and
    :meth:`set_transaction_id` when a 1.6 CSMS assigns the id). :meth:`limit_a_per_phase` also
    keeps them in step with its ``transaction_active`` argument: a transaction it was not told
    about starts at that call's ``now``; one it was told about ends when it turns False.
    """

    def __init__(self, params: EvChargerParameters, knobs: EvChargerKnobs,
                 store: ProfileStore | None = None, *, connector_count: int = 1) -> None:
        self.params = params
        self.knobs = knobs
        self.store = store if store is not None else ProfileStore()
        self.connector_count = connector_count
        self.version = by_label(params.ocpp_version)
        self._transactions: dict[int, Transaction] = {}
        # performance: the profile limit only changes at a schedule breakpoint, or when the
        # profiles, the transactions or the knobs change; limit_a_per_phase runs every physics
        # step, so it keeps (installed, key, valid from, valid until, limit) of its last lookup
        self._tx_version = 0
        self._limit_cache: tuple[tuple[InstalledProfile, ...], tuple[object, ...], dt.datetime,
                                 dt.datetime, Limit | None] | None = None
        self.last_rejection: str | None = None
        """Why the last :meth:`set_profile` answered Rejected (None after an Accepted)."""
        self.phase_to_use: int | None = None
        """The phaseToUse of the limit :meth:`limit_a_per_phase` last applied (2.0.1; None: none)."""

    # -- transactions ---------------------------------------------------------------------------
    @property
    def transactions(self) -> tuple[Transaction, ...]:
        return tuple(self._transactions.values())

    def begin_transaction(self, connector_id: int, start: dt.datetime,
                          transaction_id: str | int | None = None) -> None:
        """A transaction starts on ``connector_id``: Relative profiles count from ``start``."""
        self._transactions[connector_id] = Transaction(
            connector_id, start, None if transaction_id is None else str(transaction_id))
        self._tx_version += 1

    def set_transaction_id(self, connector_id: int, transaction_id: str | int) -> None:
        """The id of the running transaction became known (1.6 StartTransaction.conf)."""
        tx = self._transactions.get(connector_id)
        if tx is not None:
            self._transactions[connector_id] = dataclasses.replace(
                tx, transaction_id=str(transaction_id))
            self._tx_version += 1

    def end_transaction(self, connector_id: int) -> None:
        """The transaction on ``connector_id`` ended: its TxProfiles go (1.6 §3.13, 2.0.1 K01)."""
        self._transactions.pop(connector_id, None)
        self._tx_version += 1
        kept, _ = clear_profiles(self.store.installed, connector_id=connector_id,
                                 purpose=ProfilePurpose.TX)
        self.store.replace_all(kept)

    # -- SetChargingProfile / ClearChargingProfile ----------------------------------------------
    def set_profile(self, profile: ChargingProfile, connector_id: int, now: dt.datetime, *,
                    remote_start: bool = False) -> str:
        """Install ``profile`` on ``connector_id``: ``"Accepted"`` or ``"Rejected"`` (the
        reason in :attr:`last_rejection`). ``remote_start``: the profile came with a remote
        start (1.6 RemoteStartTransaction / 2.0.1 RequestStartTransaction), so it belongs to the
        transaction starting now and needs no transactionId."""
        self.last_rejection = None
        if self.knobs.rejects_valid_profiles:
            self.last_rejection = "knob rejects_valid_profiles"
            return "Rejected"
        if remote_start and connector_id not in self._transactions:
            self.begin_transaction(connector_id, now)
        try:
            self._check_capacity(profile)
            check_installation(profile, connector_id, version=self.version,
                               transaction=self._transactions.get(connector_id),
                               connector_count=self.connector_count,
                               require_transaction_id=None if not remote_start else False)
            current = [item for item in self.store.installed if not expired(item, now)]
            installed, _ = install_profile(current, InstalledProfile(connector_id, profile),
                                           version=self.version)
            if len(installed) > self.params.max_charging_profiles_installed:
                raise ProfileError(self.version.field_path("profile_id"),
                                   f"the charger holds at most "
                                   f"{self.params.max_charging_profiles_installed} profiles "
                                   f"(MaxChargingProfilesInstalled)")
        except ProfileError as error:
            self.last_rejection = str(error)
            return "Rejected"
        self.store.replace_all(installed)
        return "Accepted"

    def _check_capacity(self, profile: ChargingProfile) -> None:
        if profile.stack_level > self.params.charge_profile_max_stack_level:
            raise ProfileError(self.version.field_path("stack_level"),
                               f"at most {self.params.charge_profile_max_stack_level} "
                               f"(ChargeProfileMaxStackLevel), got {profile.stack_level}")
        if len(profile.periods) > self.params.charging_schedule_max_periods:
            raise ProfileError(self.version.field_path("charging_schedule"),
                               f"at most {self.params.charging_schedule_max_periods} periods "
                               f"(ChargingScheduleMaxPeriods), got {len(profile.periods)}")

    def clear_profiles(self, *, profile_id: int | None = None, connector_id: int | None = None,
                       purpose: ProfilePurpose | str | None = None,
                       stack_level: int | None = None) -> str:
        """ClearChargingProfile (1.6 §5.5 / 2.0.1 K10): ``"Accepted"`` when a profile was
        removed, else ``"Unknown"``."""
        try:
            wanted = ProfilePurpose.parse(purpose) if purpose is not None else None
        except ValueError:
            return "Unknown"
        kept, removed = clear_profiles(self.store.installed, profile_id=profile_id,
                                       connector_id=connector_id, purpose=wanted,
                                       stack_level=stack_level)
        self.store.replace_all(kept)
        return "Accepted" if removed else "Unknown"

    # -- what the charger applies and reports ---------------------------------------------------
    def _rules(self) -> CompositeRules:
        fault = self.knobs.wrong_stacking
        if fault == "lowest_stack_wins":
            return CompositeRules(highest_stack_wins=False)
        if fault == "max_over_purposes":
            return CompositeRules(station_max_caps=False)
        return OCPP_RULES

    def _understood(self) -> tuple[InstalledProfile, ...]:
        """The installed profiles as this charger reads them (knob ``wrong_unit_conversion``)."""
        fault = self.knobs.wrong_unit_conversion
        if fault is None:
            return self.store.installed
        return tuple(_misread(item, fault) for item in self.store.installed)

    def _limit(self, at: dt.datetime, connector_id: int, unit: RateUnit,
               relative_start: dt.datetime | None) -> Limit | None:
        # a period without numberPhases: the phases the charger has (W / (U x 1) on a single-phase one)
        return limit_at(self._understood(), at, connector_id, transactions=self.transactions,
                        unit=unit, number_phases=self.params.phase_count,
                        voltage_v=self.params.nominal_voltage_v, relative_start=relative_start,
                        station_connector_ids=range(1, self.connector_count + 1),
                        rules=self._rules())

    def composite_schedule(self, connector_id: int, start: dt.datetime, duration_s: int,
                           unit: RateUnit | str | None = None) -> CompositeSchedule:
        """GetCompositeSchedule (1.6 §5.7 / 2.0.1 K08) in ``unit`` (None: A); periods with no
        profile report the rated current. Knobs: ``wrong_unit_conversion``, ``wrong_stacking``
        (reported as applied), ``composite_schedule_wrong`` (reported != applied)."""
        rate_unit = RateUnit(unit) if unit is not None else RateUnit.A
        understood = self._understood()
        end = start + dt.timedelta(seconds=duration_s)
        points = breakpoints(understood, start, end, transactions=self.transactions,
                             relative_start=start)
        rated = convert_limit(self.params.rated_current_a, RateUnit.A, rate_unit,
                              self.params.phase_count, voltage_v=self.params.nominal_voltage_v)
        schedule = sample_schedule(lambda t: self._limit(t, connector_id, rate_unit, start),
                                   points, start, duration_s, rate_unit, max_limit=rated)
        if self.knobs.composite_schedule_wrong:
            schedule = dataclasses.replace(schedule, periods=tuple(
                dataclasses.replace(p, limit=None if p.limit is None
                                    else p.limit * REPORTED_LIMIT_FACTOR)
                for p in schedule.periods))
        return schedule

    def limit_a_per_phase(self, now: dt.datetime, connector_id: int, transaction_active: bool,
                          online: bool, offline_since: dt.datetime | None
                          ) -> tuple[float | None, int]:
        """The limit to apply now: (A per phase, phases). None = unconstrained (the charger
        offers its rated current); 0.0 = pause (a limit below ``min_current_a``)."""
        self._sync_transaction(connector_id, transaction_active, now)
        phases = self.params.phase_count
        self.phase_to_use = None
        if self.knobs.ignores_profiles:
            return None, phases
        if not online:
            if self.knobs.unconstrained_offline:
                return None, phases
            limit_s = self.params.max_offline_duration_s
            if limit_s is not None and offline_since is not None \
                    and (now - offline_since).total_seconds() >= limit_s:
                return self._above_minimum(min(self.params.offline_fallback_limit_a,
                                               self.params.rated_current_a)), phases
        found = self._applied_limit(now, connector_id)
        if found is None:
            return None, phases
        amps = min(found.limit, self.params.rated_current_a)
        self.phase_to_use = found.phase_to_use
        return self._above_minimum(amps), self._phases(found.number_phases)

    def _applied_limit(self, now: dt.datetime, connector_id: int) -> Limit | None:
        """``self._limit(now, connector_id, A, None)``, computed once per interval between two
        :func:`~links.ocpp.smart_charging.breakpoints` of the composite limit (where it is constant)
        and recomputed when the installed profiles, the transactions or the knobs and
        parameters it depends on change."""
        installed = self.store.installed
        key = self._cache_key(connector_id)
        cache = self._limit_cache
        if cache is not None and cache[0] is installed and cache[1] == key \
                and isinstance(now, dt.datetime) and now.tzinfo is not None \
                and cache[2] <= now < cache[3]:
            return cache[4]
        found = self._limit(now, connector_id, RateUnit.A, None)
        end = now + _LIMIT_CACHE_HORIZON
        until = next((t for t in breakpoints(self._understood(), now, end,
                                             transactions=self.transactions) if t > now), end)
        self._limit_cache = (installed, key, now, until.astimezone(now.tzinfo), found)
        return found

    def _cache_key(self, connector_id: int) -> tuple[object, ...]:
        knobs = self.knobs
        return (connector_id, self._tx_version, knobs.wrong_unit_conversion, knobs.wrong_stacking,
                self.params.nominal_voltage_v, self.connector_count)

    def steady_for_s(self, now: dt.datetime, connector_id: int, transaction_active: bool, online: bool,
                     offline_since: dt.datetime | None) -> float:
        """For how long from ``now`` :meth:`limit_a_per_phase` with these arguments keeps answering
        as it does at ``now`` while nothing else changes (profiles, transactions, knobs): up to the
        next breakpoint of the cached composite limit, or of the offline fallback. ``math.inf``:
        for ever; 0: not known (no lookup cached for ``now``, or the next call starts or ends a
        transaction)."""
        if transaction_active != (connector_id in self._transactions):
            return 0.0
        if self.knobs.ignores_profiles:
            return math.inf
        bound_s = math.inf
        if not online:
            if self.knobs.unconstrained_offline:
                return math.inf
            limit_s = self.params.max_offline_duration_s
            if limit_s is not None and offline_since is not None:
                offline_s = (now - offline_since).total_seconds()
                if offline_s >= limit_s:
                    return math.inf         # the fallback limit holds
                bound_s = limit_s - offline_s
        cache = self._limit_cache
        if cache is None or cache[0] is not self.store.installed or cache[1] != self._cache_key(connector_id) \
                or not cache[2] <= now < cache[3]:
            return 0.0
        return min(bound_s, (cache[3] - now).total_seconds())

    def _sync_transaction(self, connector_id: int, active: bool, now: dt.datetime) -> None:
        if active and connector_id not in self._transactions:
            self.begin_transaction(connector_id, now)
        elif not active and connector_id in self._transactions:
            self.end_transaction(connector_id)

    def _above_minimum(self, amps: float) -> float:
        """IEC 61851-1: no PWM offer below 6 A, so a lower limit pauses (knob
        ``ignores_min_current``: 6 A instead, unless the limit is 0)."""
        if amps >= self.params.min_current_a:
            return amps
        if self.knobs.ignores_min_current and amps > 0.0:
            return self.params.min_current_a
        return 0.0

    def _phases(self, number_phases: int | None) -> int:
        if not self.params.phase_switching_supported or number_phases is None:
            return self.params.phase_count
        return min(self.params.phase_count, 3 if number_phases >= 3 else 1)

    # -- link and power events ------------------------------------------------------------------
    def on_reconnect(self) -> None:
        """The link to the CSMS is back. Compliant: nothing is lost."""
        if self.knobs.profile_lost_on_reconnect:
            self.store.clear()

    def on_reboot(self) -> None:
        """Reset / power cycle: running transactions end (their TxProfiles with them); the
        other profiles survive unless knob ``profile_lost_on_reboot``."""
        for connector_id in list(self._transactions):
            self.end_transaction(connector_id)
        if self.knobs.profile_lost_on_reboot:
            self.store.clear()


def _misread(item: InstalledProfile, fault: str) -> InstalledProfile:
    """``item`` as a charger with the ``wrong_unit_conversion`` fault reads it."""
    profile = item.profile
    if profile.unit is not RateUnit.W:
        return item
    if fault == "w_as_a":
        return InstalledProfile(item.connector_id, dataclasses.replace(profile, unit=RateUnit.A))

    def scaled(period_limit: float | None, phases: int | None) -> float | None:
        if period_limit is None:
            return None
        if fault == "single_phase":     # W / U instead of W / (U x phases)
            return period_limit * (phases if phases is not None else 3)
        return period_limit / math.sqrt(3)   # line_voltage: W / (sqrt(3) U x phases)
    return InstalledProfile(item.connector_id, dataclasses.replace(profile, periods=tuple(
        dataclasses.replace(p, limit=scaled(p.limit, p.number_phases)) for p in profile.periods)))
