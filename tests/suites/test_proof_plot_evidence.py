"""Every evidence plot of the reference PV report proves its verdict (issue 14): stimulus on a
second axis, the limit applied and the instants that matter (series), or the measured points
within the required band (characteristics). Read from the session's shared reference campaign;
the EV and heat-pump reference reports are checked by their compliance proofs
(test_proof_ev_charger_compliant.py, test_proof_heat_pump_modbus.py, test_proof_heat_pump_sgready.py)."""

from __future__ import annotations

from proof_campaigns import SHARED_REFERENCE_GROUP, plots_lacking_evidence


@SHARED_REFERENCE_GROUP
def test_every_reference_pv_plot_shows_stimulus_limit_and_instants(shared_campaign):
    result = shared_campaign()
    plotted = {r["id"] for r in result.report["requirements"] if any("plot" in c for c in r["checks"])}
    assert {"PV-UMAX-TRIP", "PV-FMAX-TRIP", "PV-RECONNECT-DELAY", "PV-REMOTE-LIMIT", "PV-PU-STEADY"} <= plotted
    assert plots_lacking_evidence(result.report) == []


def test_a_plot_without_stimulus_limit_or_instants_is_named() -> None:
    bare = {"type": "series", "t_s": [0.0, 1.0], "y": [1.0, 2.0], "limit": None}
    curve = {"type": "curve", "points": [[1.0, 1.0]], "band_low": [], "band_high": [[1.0, 2.0]]}
    report = {"requirements": [{"id": "X-1", "checks": [{"name": "a", "plot": bare}, {"name": "b", "plot": curve},
                                                         {"name": "c"}]}]}
    assert plots_lacking_evidence(report) == ["X-1: a: no stimulus, applied limit, instants", "X-1: b: no band_low"]
