"""Fault knobs ``gives_up_after_refusal`` and ``meter_values_break_schema`` of the simulated charger
(simlab/devices/ev_charger/knobs.py), through the real Lab and the bench's CsmsServer (the rig of
test_ev_charger_ocpp.py), each with the compliant charger as the control: the knob must change what
the CSMS sees, and nothing else.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import ev_charger_rig as rig_module
from ev_charger_rig import CHARGER_ID, REPLY_S

from links.ocpp import VERSIONS, OcppVersion, TestPki
from simlab.devices.ev_charger.knobs import EvChargerKnobs, parse_knobs
from simlab.devices.registry import SimSettingError

GIVES_UP = {"gives_up_after_refusal": True}
BREAKS_SCHEMA = {"meter_values_break_schema": True}


@pytest.fixture
def make_rig(tmp_path: Path) -> Iterator[Any]:
    """The rig of test_ev_charger_ocpp.py."""
    yield from rig_module.rig_factory(tmp_path)


def wait_offline(rig: Any) -> None:
    """Real-time wait until the charger has seen the CSMS close its connection."""
    deadline = time.monotonic() + REPLY_S
    while rig.in_loop(lambda: rig.charger.online):
        assert time.monotonic() < deadline, "the charger did not notice the closed connection"
        time.sleep(0.005)


def test_new_knobs_validate_and_default_to_compliant() -> None:
    knobs = EvChargerKnobs()
    assert knobs.gives_up_after_refusal is False and knobs.meter_values_break_schema is False
    parsed = parse_knobs({**GIVES_UP, **BREAKS_SCHEMA})
    assert parsed.gives_up_after_refusal and parsed.meter_values_break_schema
    with pytest.raises(SimSettingError) as caught:
        parse_knobs({"gives_up_after_refusal": "yes"})
    assert caught.value.key == "gives_up_after_refusal"


# ---- gives_up_after_refusal --------------------------------------------------------------------
@pytest.mark.parametrize("version", VERSIONS, ids=str)
@pytest.mark.parametrize("knobs", [{}, GIVES_UP], ids=["compliant", "gives-up"])
def test_after_a_401_the_charger_retries_unless_it_gives_up(make_rig, version: OcppVersion,
                                                           knobs: dict[str, Any]) -> None:
    rig = make_rig(version, security_profile=1, knobs=knobs)
    rig.csms.wait_for_charger(CHARGER_ID, REPLY_S)
    rig.csms.set_expected_password(CHARGER_ID, "not-the-charger-password")
    assert rig.csms.disconnect(CHARGER_ID)
    wait_offline(rig)
    attempts = rig.charger.connect_attempts
    rig.advance(200.0)                                  # backoff 10, 20, 40, 80 s: several attempts
    assert "401" in (rig.charger.last_connect_error or "")
    assert not rig.charger.online
    rig.csms.set_expected_password(CHARGER_ID, None)    # the right password again
    rig.advance(800.0)
    if knobs:
        assert rig.charger.connect_attempts == attempts + 1, "one refused attempt, then no redial"
        assert rig.charger.gave_up_at_s is not None
        assert not rig.charger.online
        assert rig.csms.connected_chargers() == []
    else:
        assert rig.charger.connect_attempts >= attempts + 3
        assert rig.charger.gave_up_at_s is None
        assert rig.charger.online


@pytest.mark.parametrize("version", VERSIONS, ids=str)
def test_a_refused_server_certificate_makes_the_knobbed_charger_give_up(make_rig, version: OcppVersion) -> None:
    rig = make_rig(version, security_profile=2, trust_other_ca=True, knobs=GIVES_UP)
    assert "CERTIFICATE_VERIFY_FAILED" in (rig.charger.last_connect_error or "")
    rig.advance(300.0)
    assert rig.charger.connect_attempts == 1
    assert rig.charger.gave_up_at_s == pytest.approx(0.0)


@pytest.mark.parametrize("version", VERSIONS, ids=str)
@pytest.mark.parametrize("knobs", [{}, GIVES_UP], ids=["compliant", "gives-up"])
def test_a_distrusted_client_certificate_is_a_refusal(make_rig, monkeypatch, tmp_path: Path, version: OcppVersion,
                                                      knobs: dict[str, Any]) -> None:
    """Profile 3: the CSMS stops trusting the charger's CA (TLS-level refusal, as in EV-SECURITY-MTLS)."""
    rogue = TestPki(tmp_path / "rogue", name="rogue CA").issue_server_cert()
    real_config = rig_module.CsmsConfig
    monkeypatch.setattr(rig_module, "CsmsConfig", lambda **kwargs: real_config(**kwargs, untrusted_tls=rogue))
    rig = make_rig(version, security_profile=3, knobs=knobs)
    rig.csms.wait_for_charger(CHARGER_ID, REPLY_S)
    rig.csms.trust_client_certificates(False)
    assert rig.csms.disconnect(CHARGER_ID)
    wait_offline(rig)
    attempts = rig.charger.connect_attempts
    rig.advance(100.0)
    assert not rig.charger.online
    rig.csms.trust_client_certificates(True)
    rig.advance(700.0)
    if knobs:
        assert rig.charger.connect_attempts == attempts + 1, rig.charger.last_connect_error
        assert rig.charger.gave_up_at_s is not None
        assert not rig.charger.online
    else:
        assert rig.charger.connect_attempts >= attempts + 2, rig.charger.last_connect_error
        assert rig.charger.online


@pytest.mark.parametrize("version", VERSIONS, ids=str)
def test_a_busy_csms_503_is_not_a_refusal(make_rig, version: OcppVersion) -> None:
    """The knob gives up only on authentication / TLS refusals: a 503 (CSMS busy) is retried."""
    rig = make_rig(version, knobs=GIVES_UP)
    rig.csms.wait_for_charger(CHARGER_ID, REPLY_S)
    rig.drop_connection()                               # refuses with HTTP 503
    rig.advance(60.0)
    assert "503" in (rig.charger.last_connect_error or "")
    assert rig.charger.gave_up_at_s is None
    rig.csms.refuse_connections(CHARGER_ID, False)
    rig.advance(400.0)
    assert rig.charger.online


# ---- meter_values_break_schema -----------------------------------------------------------------
@pytest.mark.parametrize("version", VERSIONS, ids=str)
@pytest.mark.parametrize("knobs", [{}, BREAKS_SCHEMA], ids=["compliant", "breaks-schema"])
def test_meter_values_breaking_the_schema_are_csms_violations(make_rig, version: OcppVersion,
                                                             knobs: dict[str, Any]) -> None:
    rig = make_rig(version, knobs=knobs)
    rig.csms.wait_for_charger(CHARGER_ID, REPLY_S)
    rig.advance(15.0)                                   # MeterValues outside a transaction at 10 s
    idle = list(rig.csms.violations(CHARGER_ID))
    rig.plug_in()
    rig.advance(35.0)                                   # a transaction; its samples at 20 and 30 s
    violations = rig.csms.violations(CHARGER_ID)
    assert rig.charger.online, "the connection stays up; only the messages are refused"
    if not knobs:
        assert violations == []
        assert rig.csms.meter_values(CHARGER_ID, measurand="Power.Active.Import")
        return
    assert idle and all("MeterValues" in v.reason for v in idle), idle
    in_tx = version.transaction_sample_action
    assert any(v.reason.startswith(in_tx) and '"timestamp"' not in v.frame.split('"meterValue"')[1]
               for v in violations[len(idle):]), violations
    assert all("timestamp" in v.reason for v in violations), [v.reason for v in violations]
    assert rig.actions_in(version.transaction_start_action), \
        "transaction messages other than the samples still go through"
