"""The suites' sampling periods (bench time, s), each named by what it is sampled for.

A wait on the bench clock records one analyzer sample per period (``dut.wait(duration_s,
sample_period_s=...)``); a wait without a period samples at the bench config's recorder period.
The period bounds the time resolution of what is judged on the samples (a time measured between
two samples is uncertain by one period), so each value here is part of the method: changing one
changes the measured data.
"""

from __future__ import annotations

# --- instants: the time of an event is judged to within one period -----------------------------
TRIP_SAMPLE_S = 0.02
"""Protection clearing times and the first power after a reconnection (timed to tens of ms)."""

DROOP_RESPONSE_SAMPLE_S = 0.05
"""An inverter's first-order power response to a frequency step (LFSM-O, Tr of a few seconds)."""

REMOTE_LIMIT_SAMPLE_S = 0.1
"""An inverter's response to a remote power limit (at most Tr / 20 of the response time)."""

NO_TRIP_HOLD_SAMPLE_S = 0.1
"""A level held to see the output stay up: a trip latches the output at 0, no timing is needed."""

SETPOINT_RESPONSE_SAMPLE_S = 0.2
"""A battery settling on a new setpoint (response time of seconds)."""

CONTROL_RESPONSE_SAMPLE_S = 0.5
"""A heat pump's or battery's response to a control signal or its loss (SG-Ready, limits, failsafe,
an undervoltage stop; Tr of tens of seconds)."""

CHARGER_RESPONSE_SAMPLE_S = 1.0
"""A charger's response to a charging-profile limit or a grid event (Tr of tens of seconds)."""

RESTART_SAMPLE_S = 1.0
"""A load's restart after a stop, polled over minutes and timed to within a second."""

# --- levels: means, extremes and ramps over an observation ------------------------------------
STEADY_SAMPLE_S = 1.0
"""Reaching a named state, and observations judged on a mean, extreme or ramp over tens of seconds."""

AGGREGATE_SAMPLE_S = 1.0
"""The 10-minute mean's 3-s aggregates: levels change on 3-s boundaries only, so 1-s samples give
exact aggregates."""

SLOW_LOAD_SAMPLE_S = 2.0
"""Holds of minutes on slow loads (heat pumps, batteries): blocks, failsafe holds, SoC legs."""

LONG_OBSERVATION_SAMPLE_S = 10.0
"""Observations of many minutes to hours (a 2-h block, a charger kept offline)."""

TIME_OF_DAY_SAMPLE_S = 60.0
"""Hours of bench time passed to reach a time of day on the bench calendar."""

# --- polling ----------------------------------------------------------------------------------
LINK_POLL_S = 2.0
"""Polling a link for a state (a charger back online): wait this long, sampled once, between looks."""
