"""Thermal model of the simulated heat pump's house: a buffer tank heats the house through its
emitters, the house loses heat through its envelope to the outdoor temperature.

The buffer setpoint follows an ideal heating curve (the buffer temperature at which the emitters
cover the house's loss at the indoor setpoint). The outdoor temperature is constant, or a daily
sinusoid over the bench calendar (``outdoor_temperature_c`` ± ``outdoor_daily_amplitude_k``,
coldest at ``outdoor_coldest_hour`` local time). Heat sources (compressor x COP, gas boiler) are
the device's: :meth:`HouseBufferModel.integrate` takes the heat delivered to the buffer.
"""

from __future__ import annotations

import math

from simlab.devices.heat_pump.knobs import HeatPumpParameters

__all__ = ["HouseBufferModel"]


class HouseBufferModel:
    """House, buffer tank and outdoor temperature, °C; heat flows in W, capacities in J/K."""

    def __init__(self, parameters: HeatPumpParameters, seconds_of_day_at_start: float = 0.0) -> None:
        self.p = parameters
        self._day_offset_s = seconds_of_day_at_start
        self.outdoor_c = self.outdoor_temperature_c(0.0)
        self.t_house_c = parameters.indoor_setpoint_c
        self.t_buffer_c = self.buffer_setpoint_c()

    def outdoor_temperature_c(self, t_s: float) -> float:
        """Constant, or a daily sinusoid (coldest at ``outdoor_coldest_hour`` local time)."""
        p = self.p
        if p.outdoor_daily_amplitude_k == 0.0:
            return p.outdoor_temperature_c
        hour = ((self._day_offset_s + t_s) % 86400.0) / 3600.0
        return p.outdoor_temperature_c - p.outdoor_daily_amplitude_k * math.cos(
            2.0 * math.pi * (hour - p.outdoor_coldest_hour) / 24.0)

    def follow_outdoor(self, t_s: float) -> None:
        """Move the outdoor temperature to bench time ``t_s`` (only the daily sinusoid moves)."""
        if self.p.outdoor_daily_amplitude_k:
            self.outdoor_c = self.outdoor_temperature_c(t_s)

    def buffer_setpoint_c(self) -> float:
        """Ideal heating curve: emitters cover the envelope loss at the indoor setpoint."""
        p = self.p
        loss_w = p.house_loss_w_per_k * (p.indoor_setpoint_c - self.outdoor_c)
        return p.indoor_setpoint_c + max(loss_w, 0.0) / p.emitter_w_per_k

    def emitter_heat_w(self) -> float:
        """Heat the emitters draw from the buffer into the house now."""
        return max(self.p.emitter_w_per_k * (self.t_buffer_c - self.t_house_c), 0.0)

    def integrate(self, heat_to_buffer_w: float, dt_s: float) -> None:
        """Advance the buffer and house temperatures by ``dt_s`` with ``heat_to_buffer_w`` delivered."""
        p = self.p
        emit_w = self.emitter_heat_w()
        loss_w = p.house_loss_w_per_k * (self.t_house_c - self.outdoor_c)
        self.t_buffer_c += (heat_to_buffer_w - emit_w) * dt_s / p.buffer_capacity_j_per_k
        self.t_house_c += (emit_w - loss_w) * dt_s / p.house_capacity_j_per_k
