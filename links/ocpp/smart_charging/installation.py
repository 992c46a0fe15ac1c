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
from typing import TYPE_CHECKING

from links.ocpp.smart_charging.model import ChargingProfile, InstalledProfile, ProfileError, ProfilePurpose
from links.ocpp.transactions import Transaction

if TYPE_CHECKING:
    from links.ocpp.versions import OcppVersion

__all__ = ["check_installation", "install_profile", "clear_profiles", "expired"]


def check_installation(profile: ChargingProfile, connector_id: int, *, version: OcppVersion,
                       transaction: Transaction | None, connector_count: int = 1,
                       require_transaction_id: bool | None = None) -> None:
    """Raise :class:`ProfileError` when ``profile`` may not be installed on ``connector_id``
    (the version's ``connector_id`` / ``evse_id``; ``transaction`` is the transaction running on
    that connector, if any). ``require_transaction_id``: a TxProfile must name its transaction;
    None = the version's rule (2.0.1 SetChargingProfile: yes; 1.6: no); False for the profile of
    a remote start, which names none."""
    where = version.connector_field
    place = where.split("_")[0]
    tx_field = version.field_path("transaction_id")
    if isinstance(connector_id, bool) or not isinstance(connector_id, int) \
            or not 0 <= connector_id <= connector_count:
        raise ProfileError(where, f"expected 0..{connector_count}, got {connector_id!r}")
    if profile.purpose is ProfilePurpose.STATION_MAX and connector_id != 0:
        raise ProfileError(where, f"a {version.purpose_name(profile.purpose)} can only be set on {place} 0, "
                                  f"got {connector_id}")
    if profile.purpose is not ProfilePurpose.TX:
        return
    if connector_id == 0:
        raise ProfileError(where, "a TxProfile needs a specific connector, not 0")
    if transaction is None:
        raise ProfileError(where, f"no transaction is running on {place} "
                                  f"{connector_id}, so a TxProfile cannot be set")
    if require_transaction_id is None:
        require_transaction_id = version.tx_profile_names_transaction
    if require_transaction_id and profile.transaction_id is None:
        raise ProfileError(tx_field, "a TxProfile must name the transaction it applies to")
    if profile.transaction_id is not None and transaction.transaction_id is not None \
            and profile.transaction_id != transaction.transaction_id:
        raise ProfileError(tx_field, f"transaction {profile.transaction_id!r} is not the one "
                                     f"running on {place} {connector_id} "
                                     f"({transaction.transaction_id!r})")


def _overlap(a: ChargingProfile, b: ChargingProfile) -> bool:
    lo = max((t for t in (a.valid_from, b.valid_from) if t is not None), default=None)
    hi = min((t for t in (a.valid_to, b.valid_to) if t is not None), default=None)
    return lo is None or hi is None or lo < hi


def install_profile(installed: Iterable[InstalledProfile], new: InstalledProfile, *,
                    version: OcppVersion) -> tuple[tuple[InstalledProfile, ...],
                                                   tuple[InstalledProfile, ...]]:
    """Install ``new``: returns (profiles now held, profiles it replaced). Raises
    :class:`ProfileError` for a 2.0.1 stackLevel conflict (see the module docstring)."""
    kept: list[InstalledProfile] = []
    replaced: list[InstalledProfile] = []
    p = new.profile
    for item in installed:
        q = item.profile
        same_id = q.profile_id == p.profile_id
        same_slot = (item.connector_id == new.connector_id and q.purpose is p.purpose
                     and q.stack_level == p.stack_level)
        if same_id or (version.replaces_same_stack_level and same_slot):
            replaced.append(item)
            continue
        if same_slot and _overlap(p, q):
            raise ProfileError(version.field_path("stack_level"),
                               f"profile {q.profile_id} already uses stack level {p.stack_level} "
                               f"for {version.purpose_name(p.purpose)} on EVSE {new.connector_id} with an "
                               f"overlapping validity")
        kept.append(item)
    kept.append(new)
    return tuple(kept), tuple(replaced)


def clear_profiles(installed: Iterable[InstalledProfile], *, profile_id: int | None = None,
                   connector_id: int | None = None, purpose: ProfilePurpose | str | None = None,
                   stack_level: int | None = None) -> tuple[tuple[InstalledProfile, ...],
                                                          tuple[InstalledProfile, ...]]:
    """ClearChargingProfile: returns (kept, removed). With ``profile_id`` only that profile is
    removed (other criteria ignored); otherwise every profile matching all given criteria."""
    wanted = ProfilePurpose.parse(purpose) if purpose is not None else None
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
