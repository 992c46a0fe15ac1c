"""OCPP security profiles (EV-SECURITY-*), tested through what the bench's CSMS controls.

The bench cannot look inside the charger; it can change what its CSMS expects or presents on new
connections, drop the charger (``disconnect``), and watch whether the charger gets in again
(OCPP 1.6 Security Whitepaper ed. 3 §2; OCPP 2.0.1 Part 2 A00). The charger's security profile is
the link's ``security_profile``.

* EV-SECURITY-BASIC-AUTH (profiles 1 and 2; profile 0 FAILs, profile 3 is NOT_APPLICABLE): the
  charger is connected with HTTP Basic auth as its own identity. The CSMS then expects another
  password: the charger must stay out (every attempt refused) for ``refused_observation_s``; with
  the right password back it must return by itself within ``reconnect_timeout_s``.
* EV-SECURITY-SERVER-CERT (profiles 2 and 3): the CSMS presents a certificate chain from a second
  CA the charger was never given (a rogue CSMS): the charger must not connect; with the bench's
  certificate back it must return, over TLS ``min_tls_version`` or higher.
* EV-SECURITY-MTLS (profile 3): the charger is connected with a client certificate the CSMS
  accepted (its CN is the charger's identity) over TLS 1.2+. The CSMS then stops trusting the
  charger's CA: the charger must stay out (no connection without an accepted certificate); with
  the trust restored it must return by itself.
"""

from __future__ import annotations

import re
from typing import Any, Callable

import pytest

from bench.errors import BenchError
from test_suites.sampling import LINK_POLL_S

BASIC, SERVER_CERT, MTLS = "EV-SECURITY-BASIC-AUTH", "EV-SECURITY-SERVER-CERT", "EV-SECURITY-MTLS"
WRONG_PASSWORD = "flexbench-not-the-password-0000"
TLS_VERSION = re.compile(r"TLSv(\d)\.(\d)")


def _csms(dut, name: str) -> Callable[..., Any]:
    """A security control of the bench's CSMS (a missing one is a bench gap: ERROR, not FAIL)."""
    method = getattr(dut.link, name, None)
    if method is None:
        raise BenchError(f"the bench's OCPP link cannot {name.replace('_', ' ')}: security test not possible")
    return method


def _tls_version(dut) -> tuple[int, int] | None:
    """The TLS version of the charger's latest accepted connection (from the CSMS's event)."""
    for event in reversed(dut.link.connection_events()):
        if event.kind == "connected":
            found = TLS_VERSION.search(event.detail)
            return (int(found.group(1)), int(found.group(2))) if found else None
    return None


def _stays_out_then_returns(dut, req: str, what: str, spoil: Callable[[], None], restore: Callable[[], None]) -> None:
    """Spoil new handshakes, drop the charger, watch it stay out; restore, watch it return."""
    check = dut.check
    observe_s = float(dut.param(req, "refused_observation_s"))
    dut.step(f"CSMS: {what}; drop the charger's connection")
    spoil()
    dut.link.disconnect()
    t0 = dut.now_s()
    events_before = len(dut.link.connection_events())
    got_in_at = None
    try:
        while dut.now_s() - t0 < observe_s:
            dut.wait(LINK_POLL_S, sample_period_s=LINK_POLL_S)
            if dut.link.is_connected():
                got_in_at = dut.now_s() - t0
                break
    finally:
        restore()
    attempts = [e for e in dut.link.connection_events()[events_before:] if e.kind in ("refused", "connected")]
    check.require_true(req, f"charger stayed out while the CSMS {what}", got_in_at is None,
                       f"connected {got_in_at:.0f} s after the drop" if got_in_at is not None
                       else f"{observe_s:g} s observed; {len(attempts)} connection attempt(s) seen by the CSMS")
    if got_in_at is not None:
        dut.link.disconnect()            # that connection was made under the spoiled setting
    dut.step("CSMS: back to its own settings")
    took = dut.wait_online(float(dut.param(req, "reconnect_timeout_s")))
    check.require_true(req, "charger reconnected by itself once the CSMS was right again", took is not None,
                       f"after {took:.0f} s of bench time" if took is not None else
                       f"not within {dut.param(req, 'reconnect_timeout_s'):g} s of bench time")


def _judge_tls(dut, req: str) -> None:
    minimum = TLS_VERSION.search(str(dut.param(req, "min_tls_version")))
    want = (int(minimum.group(1)), int(minimum.group(2))) if minimum else (1, 2)
    found = _tls_version(dut)
    dut.check.require_true(req, f"connection over TLS {want[0]}.{want[1]} or higher",
                           found is not None and found >= want,
                           f"TLS {found[0]}.{found[1]}" if found else "no TLS version seen on the connection")


@pytest.mark.requirement(BASIC)
def test_basic_auth(dut):
    """Basic auth: connected as itself, refused with another password, back by itself."""
    profile = dut.link.security_profile
    if profile == 3:
        pytest.skip("NOT_APPLICABLE: security profile 3 authenticates the charger by its client certificate")
    if profile == 0:        # judged on the declaration alone: nothing to prepare, nothing can mask it
        dut.check.require_true(BASIC, "charger uses an authenticated OCPP security profile", False,
                               "security profile 0: the CSMS cannot tell the charger from anyone else")
        return
    dut.transition("online")
    expect = _csms(dut, "set_expected_password")
    _stays_out_then_returns(dut, BASIC, "expects another password", lambda: expect(WRONG_PASSWORD),
                            lambda: expect(None))


@pytest.mark.requirement(SERVER_CERT)
def test_server_certificate_from_unknown_ca_refused(dut):
    """A CSMS certificate from an unknown CA: the charger does not connect."""
    if dut.link.security_profile < 2:
        pytest.skip(f"NOT_APPLICABLE: security profile {dut.link.security_profile} uses no TLS")
    dut.transition("online")
    _judge_tls(dut, SERVER_CERT)
    present = _csms(dut, "use_untrusted_server_certificate")
    _stays_out_then_returns(dut, SERVER_CERT, "presents a certificate from an unknown CA", lambda: present(True),
                            lambda: present(False))
    _judge_tls(dut, SERVER_CERT)


@pytest.mark.requirement(MTLS)
def test_mutual_tls(dut):
    """Mutual TLS: connected with its accepted client certificate; out while the CSMS does not trust it."""
    if dut.link.security_profile != 3:
        pytest.skip(f"NOT_APPLICABLE: security profile {dut.link.security_profile} uses no client certificate")
    dut.transition("online")
    _judge_tls(dut, MTLS)
    trust = _csms(dut, "trust_client_certificates")
    _stays_out_then_returns(dut, MTLS, "does not trust the charger's certificate", lambda: trust(False),
                            lambda: trust(True))
