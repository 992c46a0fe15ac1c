"""Communication-loss and robustness tools of the CSMS: disconnect, refuse_connections, send_raw,
calls cut by a closing connection, chargers without an OCPP subprotocol."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Iterator
from itertools import pairwise

import pytest
from ocpp.v16 import call as v16_call
from ocpp_test_chargers import CALL_TIMEOUT_S, FullCharger16, boot16, running
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from links.ocpp import OCPP16J, CsmsConfig, CsmsServer, OcppCallTimeout, OcppConnectionClosed, OcppNotConnected

T0 = dt.datetime(2026, 6, 21, 12, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def server() -> Iterator[CsmsServer]:
    calendar = iter(T0 + dt.timedelta(seconds=s) for s in range(10_000))
    csms = CsmsServer(CsmsConfig(response_timeout_s=CALL_TIMEOUT_S, now=lambda: next(calendar)))
    csms.start()
    yield csms
    csms.stop()


def test_disconnect_then_refuse_keeps_the_charger_out_until_let_back_in(server: CsmsServer) -> None:
    url = f"ws://127.0.0.1:{server.port}"

    async def scenario() -> None:
        async with running(FullCharger16, url, "CP", "ocpp1.6") as cp:
            await boot16(cp)
            beat = await cp.call(v16_call.Heartbeat(), suppress=False)
            assert beat.current_time.startswith("2026-06-21T12:00:")     # the CSMS's now(), not the wall clock
            server.refuse_connections("CP", True)
            assert server.is_connected("CP")                              # refusing keeps an open connection
            assert await asyncio.to_thread(server.disconnect, "CP") is True
            await asyncio.wait_for(cp._connection.wait_closed(), CALL_TIMEOUT_S)
            assert cp._connection.close_code == 1001                     # "going away"
        assert not server.is_connected("CP")
        assert await asyncio.to_thread(server.disconnect, "CP") is False
        for _ in range(2):
            with pytest.raises(InvalidStatus) as refused:
                async with running(FullCharger16, url, "CP", "ocpp1.6"):
                    pass
            assert refused.value.response.status_code == 503
        server.refuse_connections("CP", False)
        async with running(FullCharger16, url, "CP", "ocpp1.6") as cp:
            await boot16(cp)
            await asyncio.to_thread(server.wait_for_charger, "CP", CALL_TIMEOUT_S)

    asyncio.run(scenario())
    server.wait_for_disconnect("CP", CALL_TIMEOUT_S)     # the charger hung up last: until the CSMS saw it
    events = server.connection_events("CP")
    assert [e.kind for e in events] == ["connected", "disconnected", "closed", "refused", "refused",
                                        "connected", "closed"]
    assert "1001" in events[2].detail and "503" in events[3].detail
    assert all(a.calendar < b.calendar for a, b in pairwise(events))   # stamped with now()
    assert server.violations() == []


def test_a_call_cut_by_the_charger_closing_fails_at_once_as_connection_closed(server: CsmsServer) -> None:
    url = f"ws://127.0.0.1:{server.port}"

    async def scenario() -> float:
        async with connect(f"{url}/QUIT", subprotocols=["ocpp1.6"]) as ws:  # type: ignore[list-item]
            await ws.send('[2, "b", "BootNotification", {"chargePointVendor": "A", "chargePointModel": "B"}]')
            await ws.recv()
            reset = v16_call.Reset(type="Soft")
            pending = asyncio.create_task(asyncio.to_thread(server.call_checked, "QUIT", reset, 5.0))
            await ws.recv()                       # the Reset CALL arrives; hang up instead of answering
            started = time.monotonic()
            await ws.close()
            with pytest.raises(OcppConnectionClosed):
                await pending
            return time.monotonic() - started

    assert asyncio.run(scenario()) < 2.0        # not the 5 s call timeout


def test_send_raw_returns_the_chargers_reply_for_unknown_and_malformed_calls(server: CsmsServer) -> None:
    url = f"ws://127.0.0.1:{server.port}"

    async def scenario() -> None:
        async with running(FullCharger16, url, "RAW", "ocpp1.6") as cp:
            await boot16(cp)
            send = asyncio.to_thread
            unknown = await send(server.send_raw, "RAW", '[2,"u-1","FlyToTheMoon",{}]')
            assert (unknown.kind, unknown.unique_id, unknown.error_code) == ("error", "u-1", "NotSupported")
            bad_payload = await send(server.send_raw, "RAW", '[2,"u-2","Reset",{"type":"Sideways"}]')
            assert bad_payload.kind == "error" and bad_payload.unique_id == "u-2"
            assert bad_payload.error_code in ("FormationViolation", "FormatViolation", "PropertyConstraintViolation")
            good = await send(server.send_raw, "RAW", '[2,"u-3","Reset",{"type":"Soft"}]')
            assert (good.kind, good.payload) == ("result", {"status": "Accepted"})
            silence = await send(server.send_raw, "RAW", "this is not json", 0.3)
            assert (silence.kind, silence.frame) == ("silent", None)   # the library's charge point ignores it
            # the link still works for ordinary calls afterwards
            assert await send(server.reset, "RAW", "Hard") == "Accepted"

    asyncio.run(scenario())
    server.wait_for_disconnect("RAW", CALL_TIMEOUT_S)    # the charger hung up: until the CSMS saw it
    assert server.violations("RAW") == []        # the bench's own odd frames are not the charger's fault
    with pytest.raises(OcppNotConnected):
        server.send_raw("RAW", "[]")


def test_send_raw_reports_an_id_less_reply_and_a_hang_up(server: CsmsServer) -> None:
    url = f"ws://127.0.0.1:{server.port}"

    async def scenario() -> None:
        async with connect(f"{url}/HANG", subprotocols=["ocpp2.0.1"]) as ws:  # type: ignore[list-item]
            await ws.send('[2, "b", "BootNotification", {"chargingStation": {"vendorName": "A", "model": "B"},'
                          ' "reason": "PowerUp"}]')
            await ws.recv()
            pending = asyncio.create_task(asyncio.to_thread(server.send_raw, "HANG", "[2, 17]"))
            assert await ws.recv() == "[2, 17]"
            await ws.send('[4,"-1","RpcFrameworkError","no message id",{}]')    # 2.0.1: id unreadable -> "-1"
            reply = await pending
            assert (reply.kind, reply.unique_id, reply.error_code) == ("error", "-1", "RpcFrameworkError")
            pending = asyncio.create_task(asyncio.to_thread(server.send_raw, "HANG", '[2,"x","Reset",{}]'))
            await ws.recv()
            await ws.close()
            assert (await pending).kind == "closed"

    asyncio.run(scenario())


def test_a_charger_offering_no_ocpp_subprotocol_is_closed_and_recorded(server: CsmsServer) -> None:
    async def scenario() -> int:
        async with connect(f"ws://127.0.0.1:{server.port}/NOPROTO") as ws:
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), CALL_TIMEOUT_S)
            return closed.value.rcvd.code

    assert asyncio.run(scenario()) == 1002
    [violation] = server.violations("NOPROTO")
    assert "no OCPP subprotocol" in violation.reason
    assert server.connection_events("NOPROTO")[0].kind == "refused"


def test_default_subprotocol_serves_such_a_charger_but_still_records_it() -> None:
    csms = CsmsServer(CsmsConfig(default_subprotocol="ocpp1.6", subprotocols=("ocpp1.6",)))
    csms.start()
    try:
        async def scenario() -> str:
            async with connect(f"ws://127.0.0.1:{csms.port}/OLD") as ws:
                await ws.send('[2, "b", "BootNotification", {"chargePointVendor": "A", "chargePointModel": "B"}]')
                return await asyncio.wait_for(ws.recv(), CALL_TIMEOUT_S)

        assert '"Accepted"' in asyncio.run(scenario())
        assert csms.version("OLD") is OCPP16J
        assert len(csms.violations("OLD")) == 1
    finally:
        csms.stop()


def test_a_call_waits_its_own_timeout_not_the_configured_default() -> None:
    """timeout_s of a call wins over CsmsConfig.response_timeout_s (here 0.2 s) in both directions."""
    csms = CsmsServer(CsmsConfig(response_timeout_s=0.2))
    csms.start()
    try:
        async def scenario() -> None:
            async with connect(f"ws://127.0.0.1:{csms.port}/SLOW", subprotocols=["ocpp1.6"]) as ws:  # type: ignore[list-item]
                await ws.send('[2, "b", "BootNotification", {"chargePointVendor": "A", "chargePointModel": "B"}]')
                await ws.recv()
                pending = asyncio.create_task(asyncio.to_thread(csms.reset, "SLOW", "Soft", timeout_s=3.0))
                unique_id = (await ws.recv()).split('"')[1]
                await asyncio.sleep(0.6)                     # slower than the default, within the call's own
                await ws.send(f'[3, "{unique_id}", {{"status": "Accepted"}}]')
                assert await pending == "Accepted"
                started = time.monotonic()
                with pytest.raises(OcppCallTimeout):
                    await asyncio.to_thread(csms.reset, "SLOW", "Soft")       # default 0.2 s, never answered
                assert time.monotonic() - started < 2.0

        asyncio.run(scenario())
    finally:
        csms.stop()
