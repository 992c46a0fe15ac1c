"""The simulated analyzer's data store: records at exact multiples of the interval on the lab's
time axis, read back in blocks without loss or duplication, restarted at a new interval."""

from __future__ import annotations

import asyncio

import pytest

from simlab.instruments import SimYokogawaWT5000
from simlab.instruments.data_store import DataStore
from simlab.lab import Lab, LabObserver
from simlab.physics import PhaseTruth
from simlab.spec import LabSpec

TRUTH = [PhaseTruth(230.0, 4.35, 1000.0, 0.0, 1000.0, 1.0)] * 3


def test_store_instants_are_multiples_of_the_interval_after_the_start() -> None:
    clock = {"t": 0.0}
    store: DataStore[float] = DataStore(lambda: clock["t"])
    assert store.next_due_s() is None
    store.start(0.3, 200_000)
    seen = []
    while (due := store.next_due_s()) is not None and due <= 1.0:
        clock["t"] = due
        seen.append(due)
        store.observe(due)
    assert seen == [0.4, 0.6, 0.8, 1.0]     # exact: kept in integer microseconds
    assert store.take(10) == [(400_000, 0.4), (600_000, 0.6), (800_000, 0.8), (1_000_000, 1.0)]


def test_restart_discards_unread_records_and_aligns_to_the_new_interval() -> None:
    store: DataStore[int] = DataStore(lambda: 0)
    store.start(0.0, 200_000)
    store.observe(0.2)
    store.start(0.2, 50_000)
    assert len(store) == 0 and store.next_due_s() == 0.25
    store.stop()
    assert store.next_due_s() is None and not store.running


def _analyzer(time_s: dict[str, float]) -> SimYokogawaWT5000:
    wt = SimYokogawaWT5000(lambda: TRUTH, lambda: 50.0, seed=3, time_fn=lambda: time_s["t"])
    for line in (":COMMunicate:HEADer OFF", ":NUMeric:NORMal:NUMber 2", ":NUMeric:NORMal:ITEM1 U,1",
                 ":NUMeric:NORMal:ITEM2 P,2"):
        assert wt.handle(line) is None
    return wt


def _run_to(wt: SimYokogawaWT5000, time_s: dict[str, float], to_s: float) -> None:
    """What the lab does: observe at every due instant up to ``to_s``."""
    while (due := wt.next_due_s()) is not None and due <= to_s + 1e-9:
        time_s["t"] = due
        wt.observe(due)
    time_s["t"] = to_s


def test_block_reads_lose_and_repeat_nothing() -> None:
    time_s = {"t": 0.0}
    wt = _analyzer(time_s)
    assert isinstance(wt, LabObserver)
    assert wt.handle(":STORe:INTerval 0,0,0.2;:STORe:STARt") is None
    assert wt.handle(":STORe:INTerval?") == "0,0,0.200000" and wt.handle(":STORe:STATe?") == "1"
    _run_to(wt, time_s, 1.0)
    first = wt.handle(":STORe:DATA? 3")
    assert first is not None
    fields = first.split(",")
    assert fields[0] == "3" and fields[1::3] == ["0.200000", "0.400000", "0.600000"]
    assert float(fields[2]) == pytest.approx(230.0, rel=1e-3) and float(fields[3]) == pytest.approx(1000.0, rel=1e-3)
    _run_to(wt, time_s, 1.5)
    rest = wt.handle(":STORe:DATA? 100")
    assert rest is not None
    assert rest.split(",")[0] == "4" and rest.split(",")[1::3] == ["0.800000", "1.000000", "1.200000", "1.400000"]
    assert wt.handle(":STORe:DATA? 100") == "0"
    assert wt.errors == []


def test_stored_values_follow_the_seeded_noise_of_a_poll_at_the_same_instants() -> None:
    time_s = {"t": 0.0}
    stored, polled = _analyzer(time_s), _analyzer(time_s)
    stored.handle(":STORe:INTerval 0,0,0.5;:STORe:STARt")
    _run_to(stored, time_s, 2.0)
    reply = stored.handle(":STORe:DATA? 10")
    assert reply is not None
    values = reply.split(",")[1:]
    polls = [polled.handle(":NUMeric:NORMal:VALue?") for _ in range(4)]
    assert [",".join(values[k * 3 + 1:k * 3 + 3]) for k in range(4)] == polls


def test_interval_below_the_simulated_minimum_is_refused() -> None:
    wt = _analyzer({"t": 0.0})
    wt.handle(":STORe:INTerval 0,0,0.0001")
    assert wt.errors and wt.errors[0][0] == -222
    assert wt.handle(":STORe:INTerval?") == "0,0,0.200000"


class _Observer:
    def __init__(self, lab: Lab, interval_s: float) -> None:
        self.lab, self.interval_s = lab, interval_s
        self.seen: list[tuple[float, float]] = []
        self._next = interval_s

    def next_due_s(self) -> float:
        return self._next

    def observe(self, t_s: float) -> None:
        self.seen.append((t_s, self.lab.physics.t_s))
        self._next = round(self._next + self.interval_s, 9)


def test_the_lab_stops_its_physics_exactly_at_every_observer_instant() -> None:
    lab = Lab(LabSpec(step_s=0.02))
    observer = _Observer(lab, 0.005)     # a quarter of the physics step
    lab.observers.append(observer)
    asyncio.run(lab.advance(0.05))       # one advance: ten observations on the way
    assert [t for t, _ in observer.seen] == pytest.approx([0.005 * k for k in range(1, 11)])
    assert all(abs(t - physics_t) < 1e-12 for t, physics_t in observer.seen)
    assert lab.physics.t_s == pytest.approx(0.05)


def _pv_lab() -> Lab:
    from bench.config import load_bench_config, load_device_profile, resolve_profile_path

    spec = LabSpec.from_config(load_bench_config(), load_device_profile(resolve_profile_path("sim-pv-inverter")))
    return Lab(spec)


def _energize(lab: Lab, volts: float) -> SimYokogawaWT5000:
    analyzer = next(o for o in lab.observers if isinstance(o, SimYokogawaWT5000))
    items = [f"{f},{e}" for e in (1, 2, 3) for f in ("U", "I", "P", "Q", "S", "LAMBda")] + ["FU,1"]
    analyzer.handle(f":NUMeric:NORMal:NUMber {len(items)}")
    for n, item in enumerate(items, start=1):
        analyzer.handle(f":NUMeric:NORMal:ITEM{n} {item}")
    lab.source.voltage_setpoint_v = [volts] * 3
    lab.source.output_on = True
    lab.pv_array.voc_v, lab.pv_array.isc_a, lab.pv_array.vmp_v, lab.pv_array.imp_a = 900.0, 12.0, 800.0, 11.0
    lab.pv_array.output_on = True
    return analyzer


def test_one_large_step_stores_what_polling_every_tick_reads() -> None:
    """The same lab, the same stimulus: stored records (one advance per stimulus) equal the
    readings of a poll after every tick, instant for instant and digit for digit."""
    async def polled() -> list[str]:
        lab = await _started(_pv_lab())
        analyzer = _energize(lab, 230.0)
        out = []
        for k in range(1, 101):                 # 20 s at 0.2 s; 253 V from 10 s on
            if k == 51:
                lab.source.voltage_setpoint_v = [253.0] * 3
            await lab.advance(k * 0.2)
            out.append(f"{k * 0.2:.6f},{analyzer.handle(':NUMeric:NORMal:VALue?')}")
        await _stopped(lab)
        return out

    async def stored() -> list[str]:
        lab = await _started(_pv_lab())
        analyzer = _energize(lab, 230.0)
        analyzer.handle(":STORe:INTerval 0,0,0.2;:STORe:STARt")
        await lab.advance(10.0)
        lab.source.voltage_setpoint_v = [253.0] * 3
        await lab.advance(20.0)
        reply = analyzer.handle(":STORe:DATA? 1000")
        await _stopped(lab)
        assert reply is not None
        fields = reply.split(",")
        width = 20
        return [",".join(fields[1 + k * width:1 + (k + 1) * width]) for k in range(int(fields[0]))]

    polls, records = asyncio.run(polled()), asyncio.run(stored())
    assert len(records) == 100 and records == polls


async def _started(lab: Lab) -> Lab:
    await lab.start()
    return lab


async def _stopped(lab: Lab) -> None:
    lab.handle({"op": "shutdown"})
    await lab.run_until_stopped()
