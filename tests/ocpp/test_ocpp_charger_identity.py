"""Issue 13 finding 10: one connection per charging station identity, identities of the OCPP
identifier set only, and violation text bounded whatever the charger sends (finding 3)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator

import pytest
from ocpp_test_chargers import CALL_TIMEOUT_S
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from links.ocpp import CsmsConfig, CsmsServer
from links.ocpp.handshake import identity_problem
from links.violations import MAX_REASON_CHARS, Violation, bounded, quote

BOOT = '[2, "b", "BootNotification", {"chargePointVendor": "A", "chargePointModel": "B"}]'


@pytest.fixture
def server() -> Iterator[CsmsServer]:
    csms = CsmsServer(CsmsConfig(response_timeout_s=CALL_TIMEOUT_S))
    csms.start()
    yield csms
    csms.stop()


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


async def _status_of(url: str) -> int:
    """The HTTP status a handshake to ``url`` was refused with (101 when it was accepted)."""
    try:
        async with connect(url, subprotocols=["ocpp1.6"]):   # type: ignore[list-item]
            return 101
    except InvalidStatus as refused:
        return refused.response.status_code


@pytest.mark.parametrize("identity", ["CP-1", "a*b-c_d=e:f+g|h@i.j", "X" * 48])
def test_identities_of_the_identifier_set_pass(identity: str) -> None:
    assert identity_problem(identity) is None


@pytest.mark.parametrize("identity, said", [("", "no charging station identity"),
                                            ("CP\x00X", r"'\x00'"), ("CP 1", "' '"), ("Ladesäule", "'ä'"),
                                            ("X" * 49, "49 characters")])
def test_identities_outside_the_identifier_set_are_named(identity: str, said: str) -> None:
    problem = identity_problem(identity)
    assert problem is not None and said in problem


@pytest.mark.parametrize("path", ["/CP%00X", "/CP%20ONE", "/" + "X" * 49, "/", "/Lades%C3%A4ule"])
def test_an_identity_outside_the_set_is_refused_at_the_handshake_and_recorded(server: CsmsServer, path: str) -> None:
    assert asyncio.run(_status_of(f"ws://127.0.0.1:{server.port}{path}")) == 400
    [violation] = server.violations()
    assert "identifierString" in violation.reason and path[:40] in violation.frame
    assert "\x00" not in violation.peer_id            # never stored raw (finding 10: a NUL was stored)
    [event] = server.connection_events()
    assert event.kind == "refused" and "400" in event.detail and "\x00" not in event.charger_id
    assert server.connected_chargers() == []


def test_a_duplicate_identity_is_refused_and_the_established_session_kept(server: CsmsServer) -> None:
    url = f"ws://127.0.0.1:{server.port}/CP"

    async def scenario() -> tuple[int, str]:
        async with connect(url, subprotocols=["ocpp1.6"]) as first:   # type: ignore[list-item]
            await first.send(BOOT)
            await asyncio.wait_for(first.recv(), CALL_TIMEOUT_S)
            status = await _status_of(url)
            await first.send('[2, "h", "Heartbeat", {}]')           # the first session still works
            return status, await asyncio.wait_for(first.recv(), CALL_TIMEOUT_S)

    status, beat = asyncio.run(scenario())
    assert status == 409 and '"h"' in beat
    [violation] = server.violations("CP")
    assert "second connection" in violation.reason and violation.frame == "GET /CP"
    assert [e.kind for e in server.connection_events("CP")][:2] == ["connected", "refused"]


def test_300_duplicate_attempts_leave_no_descriptors_behind(server: CsmsServer) -> None:
    """Before: every duplicate took over the session and the first stayed open (614 descriptors
    for 300 duplicates). Now each is refused at the handshake and its socket closed."""
    url = f"ws://127.0.0.1:{server.port}/CP"
    attempts = 300

    async def scenario() -> tuple[int, int, list[int]]:
        async with connect(url, subprotocols=["ocpp1.6"]) as first:   # type: ignore[list-item]
            await first.send(BOOT)
            await asyncio.wait_for(first.recv(), CALL_TIMEOUT_S)
            before = _open_fds()
            statuses = [await _status_of(url) for _ in range(attempts)]
            await asyncio.sleep(0.2)                                   # the server's side of the last close
            assert server.connected_chargers() == ["CP"]
            return before, _open_fds(), statuses

    before, after, statuses = asyncio.run(scenario())
    assert set(statuses) == {409}
    assert after - before <= 4, f"{after - before} descriptors more after {attempts} duplicates"
    assert len(server.violations("CP")) == attempts


def test_a_200_kb_boot_field_gives_a_bounded_reason(server: CsmsServer) -> None:
    """Finding 3: the library quoted the 200 KB field (and the payload) in its error: a 400 KB reason."""
    huge = "V" * 200_000

    async def scenario() -> None:
        async with connect(f"ws://127.0.0.1:{server.port}/BIG", subprotocols=["ocpp1.6"]) as ws:  # type: ignore[list-item]
            await ws.send(f'[2, "b", "BootNotification", {{"chargePointVendor": "{huge}", "chargePointModel": "B"}}]')
            await asyncio.wait_for(ws.recv(), CALL_TIMEOUT_S)

    asyncio.run(scenario())
    [violation] = server.violations("BIG")
    assert len(violation.reason) <= MAX_REASON_CHARS
    assert violation.reason.startswith("BootNotification rejected") and "characters cut" in violation.reason
    assert len(violation.frame) > 200_000                              # the evidence stays whole


def test_quote_and_bounded_keep_the_length_and_both_ends() -> None:
    assert quote("short") == "'short'"
    assert quote("A" * 1000, 10) == "'AAAAAAAAAA'... (1000 characters)"
    text = "head " + "x" * 5000 + " tail"
    cut = bounded(text, 200)
    assert len(cut) <= 200 and cut.startswith("head ") and cut.endswith(" tail") and "of 5010 characters" in cut
    assert Violation("CP", "", "r" * 10_000).reason == bounded("r" * 10_000)


def test_a_duplicate_that_raced_past_the_gate_is_closed_with_1008(server: CsmsServer,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Two handshakes of one identity in flight together both pass the gate; the session start re-checks."""
    monkeypatch.setattr(server._gate, "_is_connected", lambda charger_id: False)
    url = f"ws://127.0.0.1:{server.port}/CP"

    async def scenario() -> int | None:
        async with connect(url, subprotocols=["ocpp1.6"]) as first:   # type: ignore[list-item]
            await first.send(BOOT)
            await asyncio.wait_for(first.recv(), CALL_TIMEOUT_S)
            async with connect(url, subprotocols=["ocpp1.6"]) as second:   # type: ignore[list-item]
                await asyncio.wait_for(second.wait_closed(), CALL_TIMEOUT_S)
                code = second.close_code
            await first.send('[2, "h", "Heartbeat", {}]')
            assert '"h"' in await asyncio.wait_for(first.recv(), CALL_TIMEOUT_S)
            return code

    assert asyncio.run(scenario()) == 1008
    [violation] = server.violations("CP")
    assert "second connection" in violation.reason
