"""The simulated OCPP EV charger (lab device kind ``ev_charger``): one AC connector, an EV on it.

``lab_device(ctx)`` (registered in simlab/devices/registry.py) builds an
:class:`~simlab.devices.ev_charger.charger.EvChargerSim` from the device profile:

* ``ctx.parameters`` / ``ctx.knobs`` -> :func:`knobs.parse_parameters` / :func:`knobs.parse_knobs`
  (bad entries raise ``SimSettingError``);
* ``ctx.nameplate`` -> BootNotification identity (manufacturer, model, serial_number,
  firmware_version; the OCPP field lengths are checked here) and the ratings;
* ``ctx.links["control"]`` (or the first link whose protocol is ``ocpp16j`` / ``ocpp201``): the
  runtime info of the bench's OCPP opener (``protocol``, ``csms_url``, ``charger_id``, ``password``,
  ``security_profile``, ``ca_cert``, ``client_cert``, ``client_key``). Without a ``csms_url``
  (profile validation, no lab) the charger is built but never dials;
* ``ctx.physics.ev_port``: the cable to the EV-emulator instrument (a private port without a lab).

The OCPP version the charger speaks is ``parameters.ocpp_version`` when the profile gives it,
else the link's protocol's (a version object of :mod:`links.ocpp.versions`); a charger whose
version differs from the bench's CSMS is refused at the handshake, as a real one would be.

Parts: charger.py (EvChargerSim, version-neutral OCPP behaviour and the lab hooks), ocpp16.py and
ocpp201.py (the wire), electrical.py (pilot, contactor, EV, meter), controller.py (smart charging),
knobs.py (parameters and fault knobs).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from links.ocpp.versions import BY_PROTOCOL, OCPP16J, OcppVersion, by_label
from simlab.devices.ev_charger.charger import (ChargerIdentity, EvChargerSim, OcppEndpoint, OcppSettings,
                                                  SmartChargingLimits)
from simlab.devices.registry import SimSettingError

__all__ = ["lab_device", "EvChargerSim", "endpoint_from_link", "identity_from_nameplate", "settings_from"]


def _link(ctx: Any) -> tuple[str, dict[str, Any]] | None:
    control = ctx.links.get("control")
    if control is not None and control.get("protocol", OCPP16J.protocol) in BY_PROTOCOL:
        return "control", control
    return ctx.link_with_protocol(*BY_PROTOCOL)


def _link_version(link: Mapping[str, Any]) -> OcppVersion:
    """The version of an OCPP link (a ``control`` link without a protocol is 1.6J)."""
    return BY_PROTOCOL[str(link.get("protocol", OCPP16J.protocol))]


def endpoint_from_link(name: str, link: Mapping[str, Any], version: OcppVersion) -> OcppEndpoint | None:
    """The charger's dialling information from the link's runtime info (None: no CSMS to dial)."""
    url = link.get("csms_url")
    if not url:
        return None

    def path(key: str) -> Path | None:
        value = link.get(key)
        return Path(value) if value else None

    charger_id = link.get("charger_id")
    if not isinstance(charger_id, str) or not charger_id:
        raise SimSettingError(f"{name}.charger_id", "the OCPP link gives no charger_id", "links")
    profile = link.get("security_profile", 0)
    if isinstance(profile, bool) or profile not in (0, 1, 2, 3):
        raise SimSettingError(f"{name}.security_profile", f"expected 0..3, got {profile!r}", "links")
    if profile == 3 and (path("client_cert") is None or path("client_key") is None):
        raise SimSettingError(f"{name}.client_cert", "security profile 3 needs a client certificate and key",
                              "links")
    return OcppEndpoint(csms_url=str(url), charger_id=charger_id, version=version,
                        security_profile=int(profile), password=link.get("password"),
                        ca_cert=path("ca_cert"), client_cert=path("client_cert"), client_key=path("client_key"))


def identity_from_nameplate(nameplate: Mapping[str, Any], version: OcppVersion) -> ChargerIdentity:
    """BootNotification identity; a field too long for the OCPP version is a settings error."""
    values = {"manufacturer": nameplate.get("manufacturer") or "flexbench",
              "model": nameplate.get("model") or "sim-ev-charger",
              "serial_number": nameplate.get("serial_number"),
              "firmware_version": nameplate.get("firmware_version")}
    for key, limit in version.boot_field_limits.items():
        value = values[key]
        if value is not None and len(str(value)) > limit:
            raise SimSettingError(f"nameplate.{key}", f"OCPP {version} BootNotification allows at most "
                                                      f"{limit} characters, got {len(str(value))}", "parameters")
    return ChargerIdentity(vendor=str(values["manufacturer"]), model=str(values["model"]),
                           serial_number=None if values["serial_number"] is None else str(values["serial_number"]),
                           firmware_version=None if values["firmware_version"] is None
                           else str(values["firmware_version"]))


def settings_from(params: Any, knobs: Any) -> OcppSettings:
    """The OCPP client's behaviour from EvChargerParameters / EvChargerKnobs (knobs.py)."""
    return OcppSettings(
        id_tag=params.id_tag, meter_value_interval_s=params.meter_value_interval_s,
        heartbeat_interval_s=params.heartbeat_interval_s, reboot_delay_s=params.reboot_delay_s,
        reconnect_backoff_min_s=params.reconnect_backoff_min_s,
        reconnect_backoff_max_s=params.reconnect_backoff_max_s, boot_retry_s=params.boot_retry_s,
        connection_timeout_s=params.connection_timeout_s, call_timeout_s=params.call_timeout_s,
        offline_queue_max=params.offline_queue_max, measurands=tuple(params.measurands),
        closes_socket_on_unknown_message=knobs.closes_socket_on_unknown_message,
        accepts_any_server_certificate=knobs.accepts_any_server_certificate,
        drops_offline_transaction_messages=knobs.drops_offline_transaction_messages,
        gives_up_after_refusal=knobs.gives_up_after_refusal,
        meter_values_break_schema=knobs.meter_values_break_schema)


def lab_device(ctx: Any) -> EvChargerSim:
    """Build the simulated charger from a :class:`~simlab.devices.registry.DeviceContext`."""
    from simlab.devices.ev_charger.controller import ChargingController, ProfileStore
    from simlab.devices.ev_charger.electrical import EvseElectrical
    from simlab.devices.ev_charger.knobs import parse_knobs, parse_parameters
    from simlab.devices.ev_charger.ocpp16 import Ocpp16Protocol
    from simlab.devices.ev_charger.ocpp201 import Ocpp201Protocol
    from simlab.ev_port import EvPort
    from simlab.physics import grid_phases_for

    raw = dict(ctx.parameters)
    found = _link(ctx)
    if "ocpp_version" not in raw and found is not None:
        raw["ocpp_version"] = _link_version(found[1]).label
    params = parse_parameters(raw, ctx.nameplate)
    knobs = parse_knobs(ctx.knobs)
    version = by_label(params.ocpp_version)
    endpoint = endpoint_from_link(found[0], found[1], version) if found is not None else None
    identity = identity_from_nameplate(ctx.nameplate, version)
    port = ctx.physics.ev_port if ctx.physics is not None else EvPort()
    settings = settings_from(params, knobs)
    epoch = ctx.calendar(0.0)

    def calendar(t_s: float) -> dt.datetime:      # ctx.calendar, without parsing its ISO string each step
        return epoch + dt.timedelta(seconds=t_s)

    protocols: dict[OcppVersion, type[Ocpp16Protocol] | type[Ocpp201Protocol]] = {
        cls.version: cls for cls in (Ocpp16Protocol, Ocpp201Protocol)}
    protocol_cls = protocols[version]
    device = EvChargerSim(
        electrical=EvseElectrical(params, knobs, port),
        controller=ChargingController(params, knobs, ProfileStore()),
        protocol=protocol_cls(identity, settings, calendar), endpoint=endpoint, identity=identity,
        settings=settings, calendar=calendar, rated_current_a=params.rated_current_a,
        phase_count=params.phase_count, grid_phases=grid_phases_for(params.phase_count, params.phase_connection),
        limits=SmartChargingLimits(max_stack_level=params.charge_profile_max_stack_level,
                                   max_periods=params.charging_schedule_max_periods,
                                   max_profiles=params.max_charging_profiles_installed))
    if params.p1_load_balancing and ctx.physics is not None:
        from simlab.devices.ev_charger.p1_balancing import P1Balancer
        from simlab.site import site_of

        device.p1 = P1Balancer(params, knobs, site_of(ctx.physics))
    device.physics_step_s = params.physics_step_s   # read by the lab (simlab/devices/registry.py)
    if params.randomised_restart is not None:
        from simlab.devices.ev_charger.rebound import ChargerRebound
        from simlab.devices.restart_delay import RandomisedRestart
        device.rebound = ChargerRebound(RandomisedRestart(params.randomised_restart, knobs.randomised_restart_faults),
                                        min_current_a=params.min_current_a, rated_current_a=params.rated_current_a)
    return device
