"""Which profiles a charger holds: SetChargingProfile and ClearChargingProfile rules.

* OCPP 1.6J §5.16 SetChargingProfile: a new profile with the same
  chargingProfileId, or the same stackLevel / chargingProfilePurpose combination (on the same
  connector), replaces the existing one; otherwise it is added.
* OCPP 2.0.1 K01: a profile with the same id replaces the existing one; a profile with the same
  stackLevel and purpose on the same EVSE whose validity overlaps an installed one is refused.
* ChargePointMaxProfile / ChargingStationMaxProfile only on connector (EVSE) 0; TxProfile only
  on a connector with a running transaction (1.6 §3.13 purposes; 2.0.1 K01, where a TxProfile
  must name the transaction).
* ClearChargingProfile (1.6 §5.5 / 2.0.1 K10): by id, or by connector / purpose / stack level;
  no criteria clears everything.

The functions are pure: they take and return tuples of :class:`InstalledProfile`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Literal

from links.ocpp.smart_charging.model import (ChargingProfile, InstalledProfile, ProfileError, Purpose,
                                        Transaction)

__all__ = ["OcppVersion", "parse_purpose", "check_installation", "install_profile",
           "clear_profiles", "expired"]

OcppVersion = Literal["1.6", "2.0.1"]

_PURPOSE_NAMES = {
    "ChargePointMaxProfile": Purpose.STATION_MAX,
    "ChargingStationMaxProfile": Purpose.STATION_MAX,
    "TxDefaultProfile": Purpose.TX_DEFAULT,
    "TxProfile": Purpose.TX,
}


def parse_purpose(name: Purpose | str) -> Purpose:
    """A purpose from its 1.6 or 2.0.1 name (``ChargingStationMaxProfile`` =
    ``ChargePointMaxProfile``). Raises ValueError for anything else."""
    if isinstance(name, Purpose):
        return name
    try:
        return _PURPOSE_NAMES[str(name)]
    except KeyError:
        raise ValueError(f"unknown charging profile purpose {name!r}") from None


def _version(ocpp_version: str) -> OcppVersion:
    if ocpp_version in ("1.6", "1.6J"):
        return "1.6"
    if ocpp_version == "2.0.1":
        return "2.0.1"
    raise ValueError(f"ocpp_version: expected '1.6' or '2.0.1', got {ocpp_version!r}")


def check_installation(profile: ChargingProfile, connector_id: int, *, ocpp_version: str,
                       transaction: Transaction | None, connector_count: int = 1,
                       require_transaction_id: bool | None = None) -> None:
    """Raise :class:`ProfileError` when ``profile`` may not be installed on ``connector_id``
    (field ``connector_id`` in 1.6, ``evse_id`` in 2.0.1; ``transaction`` is the transaction
    running on that connector, if any). ``require_transaction_id``: a TxProfile must name its
    transaction; None = the version's rule (2.0.1 SetChargingProfile: yes; 1.6: no); False for
    the profile of a remote start, which names none."""
    version = _version(ocpp_version)
    where = "connector_id" if version == "1.6" else "evse_id"
    tx_field = ("cs_charging_profiles.transaction_id" if version == "1.6"
                else "charging_profile.transaction_id")
    if isinstance(connector_id, bool) or not isinstance(connector_id, int) \
            or not 0 <= connector_id <= connector_count:
        raise ProfileError(where, f"expected 0..{connector_count}, got {connector_id!r}")
    if profile.purpose is Purpose.STATION_MAX and connector_id != 0:
        name = "ChargePointMaxProfile" if version == "1.6" else "ChargingStationMaxProfile"
        raise ProfileError(where, f"a {name} can only be set on {where.split('_')[0]} 0, "
                                  f"got {connector_id}")
    if profile.purpose is not Purpose.TX:
        return
    if connector_id == 0:
        raise ProfileError(where, "a TxProfile needs a specific connector, not 0")
    if transaction is None:
        raise ProfileError(where, f"no transaction is running on {where.split('_')[0]} "
                                  f"{connector_id}, so a TxProfile cannot be set")
    if require_transaction_id is None:
        require_transaction_id = version == "2.0.1"
    if require_transaction_id and profile.transaction_id is None:
        raise ProfileError(tx_field, "a TxProfile must name the transaction it applies to")
    if profile.transaction_id is not None and transaction.transaction_id is not None \
            and profile.transaction_id != transaction.transaction_id:
        raise ProfileError(tx_field, f"transaction {profile.transaction_id!r} is not the one "
                                     f"running on {where.split('_')[0]} {connector_id} "
                                     f"({transaction.transaction_id!r})")


def _overlap(a: ChargingProfile, b: ChargingProfile) -> bool:
    lo = max((t for t in (a.valid_from, b.valid_from) if t is not None), default=None)
    hi = min((t for t in (a.valid_to, b.valid_to) if t is not None), default=None)
    return lo is None or hi is None or lo < hi


def install_profile(installed: Iterable[InstalledProfile], new: InstalledProfile, *,
                    ocpp_version: str) -> tuple[tuple[InstalledProfile, ...],
                                                tuple[InstalledProfile, ...]]:
    """Install ``new``: returns (profiles now held, profiles it replaced). Raises
    :class:`ProfileError` for a 2.0.1 stackLevel conflict (see the module docstring)."""
    version = _version(ocpp_version)
    kept: list[InstalledProfile] = []
    replaced: list[InstalledProfile] = []
    p = new.profile
    for item in installed:
        q = item.profile
        same_id = q.profile_id == p.profile_id
        same_slot = (item.connector_id == new.connector_id and q.purpose is p.purpose
                     and q.stack_level == p.stack_level)
        if same_id or (version == "1.6" and same_slot):
            replaced.append(item)
            continue
        if version == "2.0.1" and same_slot and _overlap(p, q):
            raise ProfileError("charging_profile.stack_level",
                               f"profile {q.profile_id} already uses stack level {p.stack_level} "
                               f"for {p.purpose.value} on EVSE {new.connector_id} with an "
                               f"overlapping validity")
        kept.append(item)
    kept.append(new)
    return tuple(kept), tuple(replaced)


def clear_profiles(installed: Iterable[InstalledProfile], *, profile_id: int | None = None,
                   connector_id: int | None = None, purpose: Purpose | str | None = None,
                   stack_level: int | None = None) -> tuple[tuple[InstalledProfile, ...],
                                                          tuple[InstalledProfile, ...]]:
    """ClearChargingProfile: returns (kept, removed). With ``profile_id`` only that profile is
    removed (other criteria ignored); otherwise every profile matching all given criteria."""
    wanted = parse_purpose(purpose) if purpose is not None else None
    kept: list[InstalledProfile] = []
    removed: list[InstalledProfile] = []
    for item in installed:
        q = item.profile
        if profile_id is not None:
            match = q.profile_id == profile_id
        else:
            match = ((connector_id is None or item.connector_id == connector_id)
                     and (wanted is None or q.purpose is wanted)
                     and (stack_level is None or q.stack_level == stack_level))
        (removed if match else kept).append(item)
    return tuple(kept), tuple(removed)


def expired(item: InstalledProfile, now: dt.datetime) -> bool:
    """True once ``now`` is at or past the profile's validTo: it will never count again."""
    return item.profile.valid_to is not None and now >= item.profile.valid_to
