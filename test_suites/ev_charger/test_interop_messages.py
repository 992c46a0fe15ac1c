"""Interoperability of the charger's messages (EV-INTEROP-MESSAGES), judged over the whole campaign.

Method: the bench's CSMS records every frame from the charger that breaks the OCPP JSON schema of
its action, the OCPP-J RPC framing, or the message order (a CALL before an accepted
BootNotification) as a Violation (links/ocpp/frames.py), never as a bench crash. This test runs
last (test_suites/ev_charger/conftest.py orders it) and turns each recorded violation into a FAIL
with the offending frame as evidence; more than ``max_violations`` is non-conformant.
"""

from __future__ import annotations

import pytest

REQ = "EV-INTEROP-MESSAGES"
MAX_LISTED = 20
FRAME_CHARS = 500


@pytest.mark.requirement(REQ)
def test_no_protocol_violations_during_campaign(dut):
    """Every frame the CSMS received from the charger during the campaign followed the schema and order."""
    check = dut.check
    violations = dut.link.violations()
    events = dut.link.connection_events()
    allowed = int(dut.param(REQ, "max_violations"))
    check.within(REQ, "schema / framing / order violations recorded by the CSMS", "count", "count",
                 float(len(violations)), 0.0, None, float(allowed),
                 detail=f"over {len(events)} connection event(s) of the campaign")
    for violation in violations[:MAX_LISTED]:
        check.require_true(REQ, f"violation: {violation.reason[:120]}", False,
                           f"frame: {violation.frame[:FRAME_CHARS]}")
