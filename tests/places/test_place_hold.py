"""The place hold (bench/places) against a real labgrid coordinator: the holder is named, a waiter
gives up after wait_s or gets the place as soon as it is released, every exit path releases, a
reservation the coordinator drops is a lost place, an unreachable coordinator is a bench error."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bench.errors import BenchError, ConfigError
from bench.places import CoordinatorError, CoordinatorSession, PlaceBusy, PlaceConfig, PlaceHold, owner_name
from bench.places.hold import campaign_place
from external_device import free_port
from labgrid_coordinator import running_coordinator

PLACES = ("bench-a", "bench-b", "bench-c", "bench-d", "bench-e", "bench-f")


@pytest.fixture(scope="module")
def coordinator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_coordinator(tmp_path_factory.mktemp("coordinator"), PLACES) as address:
        yield address


def _hold(address: str, place: str, bench: str, wait_s: float = 0.0, poll_s: float = 5.0) -> PlaceHold:
    return PlaceHold(PlaceConfig(name=place, coordinator=address, wait_s=wait_s, poll_s=poll_s), owner_name(bench),
                     notify=lambda _text: None)


def _holder(address: str, place: str) -> str | None:
    session = CoordinatorSession(address, "tests/observer")
    try:
        return session.holder(place)
    finally:
        session.close()


def test_a_second_bench_gives_up_after_wait_s_naming_the_holder(coordinator: str) -> None:
    first = _hold(coordinator, "bench-a", "bench one")
    first.acquire()
    try:
        assert _holder(coordinator, "bench-a") == first.owner
        assert "/bench one pid " in first.owner          # host/user/bench name pid N, as the coordinator reports it
        second = _hold(coordinator, "bench-a", "bench two", wait_s=0.6)
        started = time.monotonic()
        with pytest.raises(PlaceBusy) as busy:
            second.acquire()
        assert 0.6 <= time.monotonic() - started < 10.0
        assert busy.value.holder == first.owner and first.owner in str(busy.value)
        assert isinstance(busy.value, BenchError)          # exit 2 (INCONCLUSIVE), never a FAIL
        assert _holder(coordinator, "bench-a") == first.owner   # the waiter's reservation is gone, not queued
    finally:
        first.release()
    assert _holder(coordinator, "bench-a") is None


def test_a_waiting_bench_gets_the_place_as_soon_as_it_is_released(coordinator: str) -> None:
    first, second = _hold(coordinator, "bench-b", "bench one"), _hold(coordinator, "bench-b", "bench two", wait_s=30)
    events: list[dict[str, object]] = []
    second.attach(events.append)
    first.acquire()
    waiter = threading.Thread(target=second.acquire)
    waiter.start()
    deadline = time.monotonic() + 10
    while not events and time.monotonic() < deadline:
        time.sleep(0.05)
    assert events and events[0]["action"] == "waiting" and events[0]["holder"] == first.owner
    released_at = time.monotonic()
    first.release()
    waiter.join(timeout=10)
    # handed over at once (the coordinator's own scheduling pass would come up to 15 s later); the
    # margin is for a loaded machine: the waiter polls every second
    assert second.held and time.monotonic() - released_at < 5.0
    assert _holder(coordinator, "bench-b") == second.owner
    assert events[-1]["action"] == "acquired" and events[-1]["previous_holder"] == first.owner
    second.release()
    assert [e["action"] for e in events] == ["waiting", "acquired", "released"]


def test_a_waiting_bench_asks_for_the_scheduling_pass_a_plain_cancel_leaves_out(coordinator: str) -> None:
    other = CoordinatorSession(coordinator, "lab/someone")       # e.g. labgrid-client reserve / cancel
    token = other.reserve("bench-f").token
    waiting = _hold(coordinator, "bench-f", "bench two", wait_s=30)
    events: list[dict[str, object]] = []
    waiting.attach(events.append)
    waiter = threading.Thread(target=waiting.acquire)
    waiter.start()
    try:
        _until_true(lambda: bool(events), 10)
        assert events[0]["holder"] == "lab/someone"
        cancelled_at = time.monotonic()
        other.cancel(token)           # the coordinator frees the place only on its next pass (<= 15 s)
        waiter.join(timeout=20)
        assert waiting.held and time.monotonic() - cancelled_at < 5.0
    finally:
        other.close()
        waiting.release()


def _until_true(condition: Callable[[], bool], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_campaign_place_releases_on_an_exception(coordinator: str) -> None:
    from bench.config import load_bench_config
    import dataclasses

    config = dataclasses.replace(load_bench_config(None), place=PlaceConfig("bench-c", coordinator))
    with pytest.raises(RuntimeError), campaign_place(config) as hold:
        assert hold is not None and _holder(coordinator, "bench-c") == hold.owner
        raise RuntimeError("a test crashed")
    assert _holder(coordinator, "bench-c") is None


def test_a_reservation_the_coordinator_drops_is_a_lost_place(coordinator: str) -> None:
    hold = _hold(coordinator, "bench-d", "bench one", poll_s=0.5)
    events: list[dict[str, object]] = []
    lost: list[str] = []
    hold.attach(events.append)
    hold.on_lost(lost.append)
    hold.acquire()
    admin = CoordinatorSession(coordinator, "tests/admin")
    try:
        (token,) = [t for t, r in admin.reservations().items() if r.owner == hold.owner]
        admin.cancel(token)      # as after a coordinator restart: it keeps no reservations
    finally:
        admin.close()
    deadline = time.monotonic() + 5
    while not lost and time.monotonic() < deadline:
        time.sleep(0.05)
    assert lost and "bench-d" in lost[0] and hold.lost and not hold.held
    assert events[-1]["action"] == "lost" and events[-1]["level"] == "error"
    hold.release()


def test_an_unknown_place_or_unreachable_coordinator_is_a_bench_error_naming_it(
        coordinator: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(CoordinatorError, match="has no place 'no-such-place'"):
        _hold(coordinator, "no-such-place", "bench one").acquire()
    monkeypatch.setattr("bench.places.client.CONNECT_TIMEOUT_S", 0.3)
    closed = f"127.0.0.1:{free_port()}"
    with pytest.raises(CoordinatorError, match=f"coordinator {closed} unreachable") as err:
        _hold(closed, "bench-e", "bench one").acquire()
    assert isinstance(err.value, BenchError)


def test_the_place_section_of_a_bench_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bench.config import load_bench_config
    from proof_campaigns import write_bench

    monkeypatch.delenv("LG_COORDINATOR", raising=False)
    assert load_bench_config(None).place is None
    place = load_bench_config(write_bench(tmp_path, {"place": {"name": "grid-sim-1", "wait_s": 600}})).place
    assert place == PlaceConfig(name="grid-sim-1", coordinator="127.0.0.1:20408", wait_s=600.0)
    monkeypatch.setenv("LG_COORDINATOR", "coordinator.lab:20408")
    from_env = load_bench_config(write_bench(tmp_path, {"place": {"name": "g"}})).place
    assert from_env is not None and from_env.coordinator == "coordinator.lab:20408"
    bad = write_bench(tmp_path, {"place": {"name": "g", "coordinator": "no-port"}}, name="bad")
    with pytest.raises(ConfigError, match="field 'place.coordinator'") as err:
        load_bench_config(bad)
    assert str(bad) in str(err.value)
    with pytest.raises(ConfigError, match="place"):
        load_bench_config(write_bench(tmp_path, {"place": {"name": "g", "wait": 5}}, name="typo"))


def test_the_report_says_through_which_place_whom_the_bench_waited_for_and_a_lost_place() -> None:
    from reports.content import place_hold, place_sentence
    from reports.record import parse_record

    common = {"place": "grid-sim-1", "coordinator": "10.0.0.5:20408", "owner": "h/u/bench two pid 7"}
    lines = [{"kind": "campaign_start", "t_s": 0.0},
             {"kind": "place", "action": "waiting", "holder": "h/u/bench one pid 6", "wait_s": 600, **common},
             {"kind": "place", "action": "acquired", "waited_s": 12.34, "token": "T", **common},
             {"kind": "place", "action": "lost", "level": "error", "reason": "reservation T is gone", **common}]
    place = place_hold(parse_record(lines))
    assert place is not None and place["waited_for"] == ["h/u/bench one pid 6"] and place["held_s"] is None
    assert place_sentence(place) == ("Instruments held through labgrid place grid-sim-1 (coordinator 10.0.0.5:20408) "
                                     "by h/u/bench two pid 7, after waiting 12.3 s for h/u/bench one pid 6; not "
                                     "released in the record; LOST during the campaign: reservation T is gone.")
    assert place_hold(parse_record(lines[:1])) is None
