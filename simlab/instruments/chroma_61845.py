"""Simulated Chroma 61845 grid simulator: the dialect of
:mod:`instruments.drivers.chroma_61800` (see its command rows for which headers a public source
confirms), acting on a :class:`GridSourceState`.

Phases: ``INSTrument:EDIT ALL|EACH`` + ``INSTrument:NSELect n`` address all phases or one;
``SOURce:PHASe:P12`` / ``P13`` set the angles of phases 2 / 3 (``P2`` / ``P3`` are undefined
headers, as on the instrument). Output: ``OUTPut:STATe ON`` energises the terminals only when the
output relay is closed (``OUTPut:RELay ON``); ``SOURce:CURRent:LIMit`` and
``OUTPut:PROTection:CLEar`` are accepted (no protection trips are simulated).

LIST mode (the headers of :mod:`instruments.drivers.chroma_list`): the list data
(``LIST:COUPling ALL``, ``LIST:COUNt 1``, ``LIST:BASE TIME``, ``LIST:TRIGger AUTO``, ``LIST:DWELl``
(ms), ``LIST:SHAPe`` (buffer ``A``), ``LIST:VOLTage:AC:STARt|END`` and ``LIST:FREQuency:STARt|END``,
one value per point; a point holds its voltage, so its start and end must be equal, and ramps its
frequency linearly from start to end over the dwell; the optional ``LIST:DEGRee`` shifts every phase's
angle by the point's value against the program's start: a phase jump) is accepted only in
``OUTPut:MODE FIXED`` (the simulation's reading of the public driver's order, which selects LIST
mode last); ``TRIG ON|OFF`` and ``TRIG:STATE?`` (``OFF``/``RUNNING``). ``TRIG ON`` starts the program at
that lab instant; the source is a lab observer (``next_due_s``/``observe``), so each following point
starts exactly at its programmed instant, and after the last dwell the output holds the last point.

A programmed step fires the source's trigger output (:class:`simlab.instruments.capture.TriggerLine`,
wired to the analyzer's external trigger input) at its lab instant: the start of a LIST program, or a
voltage or frequency setting that changes the output's setpoint."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from simlab.instruments._scpi_device import (ON_OFF, SimCommand, SimScpiDevice, SimScpiError,
                                               choice, in_range, number)
from simlab.instruments.capture import TriggerLine
from simlab.physics import GridSourceState

MAX_VOLTAGE_V = 300.0
LIST_MAX_POINTS = 100
_US = 1_000_000


def _fmt(value: float) -> str:
    return f"{value:.10g}"


class SimChroma61845(SimScpiDevice):
    """Chroma 61845 on the lab's grid-source state (phases 1-based on the wire)."""

    identity = "Chroma ATE,61845,SIMULATED-61845,1.00,1.00,1.00"
    no_error_reply = '0,"No error"'

    def __init__(self, state: GridSourceState, *, faults: Mapping[str, int] | None = None,
                 trigger_line: TriggerLine | None = None,
                 time_fn: Callable[[], float] = lambda: 0.0) -> None:
        self.state = state
        self.trigger_line = trigger_line
        self.time_fn = time_fn          # the lab's time (s): where a LIST program starts
        self.list_mode = False
        self.lists: dict[str, list[float]] = {}
        self._point_ends_us: list[int] = []     # end instant of each point of the running program
        self._point = 0
        self._fixed_frequency_slew: float | None = None   # the fixed-mode slew a ramping point replaces
        self.coupled = True
        self.selected_phase = 1
        self.voltage_limit_v = MAX_VOLTAGE_V
        self.current_limit_a: float | None = None
        self.output_state = False
        self.relay_closed = False
        super().__init__(faults)

    def reset(self) -> None:
        s = self.state
        s.voltage_setpoint_v = [0.0] * s.phase_count
        s.frequency_setpoint_hz = 50.0
        s.phase_angle_deg = [0.0, 240.0, 120.0][:s.phase_count]
        s.voltage_slew_v_per_s = None
        s.frequency_slew_hz_per_s = None
        s.output_on = False
        self.output_state, self.relay_closed, self.current_limit_a = False, False, None
        self.coupled, self.selected_phase, self.voltage_limit_v = True, 1, MAX_VOLTAGE_V
        self.list_mode, self.lists, self._point_ends_us = False, {}, []
        s.phase_shift_deg = 0.0

    def _targets(self) -> list[int]:
        return list(range(self.state.phase_count)) if self.coupled else [self.selected_phase - 1]

    # -- handlers ------------------------------------------------------------------------
    def _set_edit(self, args: list[str], _: int | None) -> None:
        self.coupled = bool(choice(args, {"ALL": True, "EACH": False}))

    def _set_select(self, args: list[str], _: int | None) -> None:
        self.selected_phase = int(in_range(number(args), 1, self.state.phase_count))

    def _set_voltage(self, args: list[str], _: int | None) -> None:
        volts = in_range(number(args), 0.0, self.voltage_limit_v)
        stepped = any(self.state.voltage_setpoint_v[i] != volts for i in self._targets())
        for i in self._targets():
            self.state.voltage_setpoint_v[i] = volts
        if stepped:
            self._trigger_out()

    def _get_voltage(self, args: list[str], _: int | None) -> str:
        return _fmt(self.state.voltage_setpoint_v[self._targets()[0]])

    def _set_limit(self, args: list[str], _: int | None) -> None:
        self.voltage_limit_v = in_range(number(args), 0.0, MAX_VOLTAGE_V)

    def _set_frequency(self, args: list[str], _: int | None) -> None:
        hertz = in_range(number(args), 15.0, 1000.0)
        stepped = hertz != self.state.frequency_setpoint_hz
        self.state.frequency_setpoint_hz = hertz
        if stepped:
            self._trigger_out()

    def _trigger_out(self) -> None:
        """A setpoint step: pulse the trigger output (when the source's output is on)."""
        if self.trigger_line is not None and self.state.output_on:
            self.trigger_line.fire()

    def _set_phase(self, args: list[str], suffix: int | None) -> None:
        self.state.phase_angle_deg[self._phase_index(suffix)] = in_range(number(args), 0.0, 360.0)

    def _get_phase(self, args: list[str], suffix: int | None) -> str:
        return _fmt(self.state.phase_angle_deg[self._phase_index(suffix)])

    def _phase_index(self, suffix: int | None) -> int:
        if suffix not in (12, 13) or suffix - 10 > self.state.phase_count:
            raise SimScpiError(-114, f"P{suffix}")
        return suffix - 11

    def _set_voltage_slew(self, args: list[str], _: int | None) -> None:
        self.state.voltage_slew_v_per_s = in_range(number(args), 0.001, 1000.0) * 1000.0

    def _get_voltage_slew(self, args: list[str], _: int | None) -> str:
        rate = self.state.voltage_slew_v_per_s
        return _fmt(rate / 1000.0) if rate is not None else "1000"

    def _set_frequency_slew(self, args: list[str], _: int | None) -> None:
        self.state.frequency_slew_hz_per_s = in_range(number(args), 0.001, 1000.0) * 1000.0

    def _get_frequency_slew(self, args: list[str], _: int | None) -> str:
        rate = self.state.frequency_slew_hz_per_s
        return _fmt(rate / 1000.0) if rate is not None else "1000"

    # -- LIST mode --------------------------------------------------------------------------
    def _set_mode(self, args: list[str], _: int | None) -> None:
        self.list_mode = choice(args, {"LIST": True, "FIXed": False}) is True
        if not self.list_mode:
            self._stop_program()

    def _stop_program(self) -> None:
        """End a running program where it is (its ramping point's slew replaced by the fixed one)."""
        if self._point_ends_us:
            self._point_ends_us = []
            self.state.frequency_slew_hz_per_s = self._fixed_frequency_slew

    def _fixed_mode_only(self, header: str) -> None:
        if self.list_mode:
            raise SimScpiError(-221, f"{header} while OUTPut:MODE LIST (load the list in FIXED mode)")

    def _list_setter(self, key: str, low: float, high: float) -> Callable[[list[str], int | None], None]:
        def set_values(args: list[str], _: int | None) -> None:
            self._fixed_mode_only("list data")
            if not 1 <= len(args) <= LIST_MAX_POINTS:
                raise SimScpiError(-108, f"{len(args)} list points")
            self.lists[key] = [in_range(number(args, i), low, high) for i in range(len(args))]
        return set_values

    def _set_shape(self, args: list[str], _: int | None) -> None:
        self._fixed_mode_only("LIST:SHAPe")
        if not 1 <= len(args) <= LIST_MAX_POINTS or any(a.strip().upper() != "A" for a in args):
            raise SimScpiError(-221, "only waveform buffer A is simulated")
        self.lists["shape"] = [1.0] * len(args)

    def _set_list_option(self, header: str, value: str) -> Callable[[list[str], int | None], None]:
        def set_option(args: list[str], _: int | None) -> None:
            self._fixed_mode_only(header)
            if choice(args, {value: value}) != value:
                raise SimScpiError(-221, f"only {header} {value} is simulated")
        return set_option

    def _set_base(self, args: list[str], _: int | None) -> None:
        self._fixed_mode_only("LIST:BASE")
        if choice(args, {"TIME": "TIME", "CYCLe": "CYCLE"}) != "TIME":
            raise SimScpiError(-221, "only LIST:BASE TIME is simulated")

    def _set_count(self, args: list[str], _: int | None) -> None:
        self._fixed_mode_only("LIST:COUNt")
        if number(args) != 1:
            raise SimScpiError(-221, "only LIST:COUNt 1 is simulated")

    def _set_trigger(self, args: list[str], _: int | None) -> None:
        if choice(args, ON_OFF):
            self._start_list()
        else:
            self._stop_program()

    def _start_list(self) -> None:
        lists = self.lists
        keys = ("volt_start", "volt_end", "freq_start", "freq_end", "dwell_ms", "shape")
        if not self.list_mode or any(k not in lists for k in keys):
            raise SimScpiError(-221, "TRIG ON needs OUTPut:MODE LIST and a complete list")
        if len({len(lists[k]) for k in (*keys, *(["degrees"] if "degrees" in lists else []))}) != 1:
            raise SimScpiError(-221, "list lengths differ")
        if lists["volt_start"] != lists["volt_end"]:
            raise SimScpiError(-221, "voltage ramps within a point are not simulated (start must equal end)")
        self._fixed_frequency_slew = self.state.frequency_slew_hz_per_s
        t_us = round(self.time_fn() * _US)
        self._point_ends_us = []
        for dwell_ms in lists["dwell_ms"]:
            t_us += round(dwell_ms * 1000.0)
            self._point_ends_us.append(t_us)
        self._point = 0
        self._apply_point()
        if self.trigger_line is not None and self.state.output_on:
            self.trigger_line.fire()

    def _apply_point(self) -> None:
        """The point's voltage and angle at once; its frequency from its start value, ramping to
        its end value over the dwell (the source's frequency slew, the fixed-mode one restored on a
        point that holds its frequency)."""
        s, point = self.state, self._point
        for i in range(s.phase_count):
            s.voltage_setpoint_v[i] = self.lists["volt_start"][point]
        if "degrees" in self.lists:
            s.phase_shift_deg = self.lists["degrees"][point]
        start_hz, end_hz = self.lists["freq_start"][point], self.lists["freq_end"][point]
        s.frequency_setpoint_hz = end_hz
        if start_hz == end_hz:
            s.frequency_slew_hz_per_s = self._fixed_frequency_slew
            return
        s.frequency_hz = start_hz
        dwell_s = self.lists["dwell_ms"][point] / 1000.0
        s.frequency_slew_hz_per_s = abs(end_hz - start_hz) / dwell_s

    def _list_state(self, args: list[str], _: int | None) -> str:
        return "RUNNING" if self._point_ends_us else "OFF"

    # the lab's observer protocol (simlab/lab.py LabObserver): the program's point boundaries
    def next_due_s(self) -> float | None:
        return self._point_ends_us[self._point] / _US if self._point_ends_us else None

    def observe(self, t_s: float) -> None:
        due = self.next_due_s()
        if due is None or t_s < due - 1e-9:
            return
        self._point += 1
        if self._point >= len(self._point_ends_us):
            self._stop_program()                # done: the output holds the last point
            return
        self._apply_point()

    def _set_output(self, args: list[str], _: int | None) -> None:
        self.output_state = bool(choice(args, ON_OFF))
        self.state.output_on = self.output_state and self.relay_closed

    def _set_relay(self, args: list[str], _: int | None) -> None:
        self.relay_closed = bool(choice(args, ON_OFF))
        self.state.output_on = self.output_state and self.relay_closed

    def _set_current_limit(self, args: list[str], _: int | None) -> None:
        self.current_limit_a = in_range(number(args), 0.0, 1000.0)

    def _get_current_limit(self, args: list[str], _: int | None) -> str:
        return _fmt(self.current_limit_a) if self.current_limit_a is not None else "0"

    def commands(self) -> list[SimCommand]:
        s = self.state
        return [
            SimCommand("INSTrument:EDIT", self._set_edit,
                       lambda a, n: "ALL" if self.coupled else "EACH"),
            SimCommand("INSTrument:NSELect", self._set_select,
                       lambda a, n: str(self.selected_phase)),
            SimCommand("[SOURce:]VOLTage[:LEVel][:IMMediate][:AMPLitude]:AC",
                       self._set_voltage, self._get_voltage),
            SimCommand("[SOURce:]VOLTage:LIMit:AC", self._set_limit,
                       lambda a, n: _fmt(self.voltage_limit_v)),
            SimCommand("[SOURce:]FREQuency[:IMMediate]", self._set_frequency,
                       lambda a, n: _fmt(s.frequency_setpoint_hz)),
            SimCommand("[SOURce:]PHASe:P<n>", self._set_phase, self._get_phase),
            SimCommand("OUTPut:SLEW:VOLTage:AC", self._set_voltage_slew, self._get_voltage_slew),
            SimCommand("OUTPut:SLEW:FREQuency", self._set_frequency_slew,
                       self._get_frequency_slew),
            SimCommand("OUTPut[:STATe]", self._set_output,
                       lambda a, n: "ON" if self.output_state else "OFF"),
            SimCommand("OUTPut:RELay", self._set_relay, lambda a, n: "ON" if self.relay_closed else "OFF"),
            SimCommand("OUTPut:PROTection:CLEar", lambda a, n: None, None),
            SimCommand("[SOURce:]CURRent:LIMit", self._set_current_limit, self._get_current_limit),
            SimCommand("OUTPut:MODE", self._set_mode, lambda a, n: "LIST" if self.list_mode else "FIXED"),
            SimCommand("[SOURce:]LIST:BASE", self._set_base, lambda a, n: "TIME"),
            SimCommand("[SOURce:]LIST:COUNt", self._set_count, lambda a, n: "1"),
            SimCommand("[SOURce:]LIST:COUPling", self._set_list_option("LIST:COUPling", "ALL"),
                       lambda a, n: "ALL"),
            SimCommand("[SOURce:]LIST:TRIGger", self._set_list_option("LIST:TRIGger", "AUTO"),
                       lambda a, n: "AUTO"),
            SimCommand("[SOURce:]LIST:SHAPe", self._set_shape, None),
            SimCommand("[SOURce:]LIST:VOLTage:AC:STARt", self._list_setter("volt_start", 0.0, MAX_VOLTAGE_V)),
            SimCommand("[SOURce:]LIST:VOLTage:AC:END", self._list_setter("volt_end", 0.0, MAX_VOLTAGE_V)),
            SimCommand("[SOURce:]LIST:FREQuency:STARt", self._list_setter("freq_start", 15.0, 1000.0)),
            SimCommand("[SOURce:]LIST:FREQuency:END", self._list_setter("freq_end", 15.0, 1000.0)),
            SimCommand("[SOURce:]LIST:DWELl", self._list_setter("dwell_ms", 0.1, 99999.9)),
            SimCommand("[SOURce:]LIST:DEGRee", self._list_setter("degrees", -360.0, 360.0)),
            SimCommand("TRIG", self._set_trigger, None),
            SimCommand("TRIG:STATE", None, self._list_state),
        ]
