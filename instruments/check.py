"""``flexbench instruments check BENCH``: inspect every instrument of a bench without energising it.

For each instrument of the bench config the check opens its resource through a
:class:`~instruments.transport.ReadOnlyTransport` (only queries and ``*CLS`` can pass; an output-on
command cannot reach the instrument even by mistake), builds the model's driver on it *without*
running the driver's ``open()`` (which programs the instrument), and reports:

* identity: ``*IDN?`` and whether it is the model the bench config names;
* the error queue as found (errors left by earlier use), read until it reports 0;
* output state, by capability (``output_is_on`` / ``load_is_on``);
* protection, limit and range settings: every query of the driver's command table whose header
  names a LIMit, PROTection or RANGe (the table is the driver's declaration of what it sets);
* the error queue again: errors caused by the check's own queries (a header the firmware lacks);
* the commands the driver may send that no public source confirms (its ``commands`` rows marked
  unconfirmed, instruments/command_sources.py): to confirm on the instrument before a campaign.

A query the read-only session refuses (a driver method that would write) is reported, not sent.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from typing import Any

from bench.errors import ConfigError, FlexbenchError

from instruments.command_sources import unconfirmed_commands
from instruments.identify import model_key_for_idn
from instruments.scpi import ScpiDriver, Setting, parse_error_reply

__all__ = ["InstrumentCheck", "check_instrument", "check_bench", "protection_settings",
           "read_error_queue", "OUTPUT_STATE_METHODS"]

OUTPUT_STATE_METHODS: tuple[str, ...] = ("output_is_on", "load_is_on")
"""Read-only capability methods that report whether an instrument is energising something."""

_PROTECTION_HEADER = re.compile(r"(LIM|PROT|RANG|OVP|OCP|OPP)", re.IGNORECASE)


@dataclass
class InstrumentCheck:
    """The findings for one instrument; ``problems`` empty means ready to use."""

    role: str
    model: str
    resource: str
    idn: str | None = None
    recognised_model: str | None = None
    errors_found: list[str] = field(default_factory=list)
    errors_from_check: list[str] = field(default_factory=list)
    output: dict[str, Any] = field(default_factory=dict)
    protection: dict[str, Any] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)
    unconfirmed_commands: list[str] = field(default_factory=list)
    """Headers the driver may send that no public source confirms (not a problem of the instrument)."""
    problems: list[str] = field(default_factory=list)
    transcript: list[tuple[str, str | None]] = field(default_factory=list)
    """The wire exchange of the check as ``(sent, reply)`` pairs (``None``: a write), the shape
    of ``tests/instruments/transcripts.py``: a dry transcript of the real instrument."""

    def _trace(self, direction: str, text: str) -> None:
        if direction == "out":
            self.transcript.append((text, None))
        elif direction == "in" and self.transcript:
            self.transcript[-1] = (self.transcript[-1][0], text)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if k != "transcript"}


def read_error_queue(driver: ScpiDriver, *, max_reads: int = 32) -> list[str]:
    """Read the model's error query until it reports 0 (SCPI-99 21.8); return the entries."""
    entries: list[str] = []
    for _ in range(max_reads):
        code, message = parse_error_reply(driver.query(driver.error_query))
        if code == 0:
            return entries
        entries.append(f"{code},{message}")
    entries.append(f"(queue still not empty after {max_reads} reads)")
    return entries


def protection_settings(driver_class: type[ScpiDriver]) -> dict[str, Setting]:
    """Rows of the driver's command table (module- and class-level ``Setting`` objects) with a
    field-free query naming a limit, a protection or a range."""
    module = sys.modules[driver_class.__module__]
    rows: dict[str, Setting] = {}
    candidates = list(vars(module).items())
    for klass in reversed(driver_class.__mro__):
        candidates += list(vars(klass).items())
    for name, value in candidates:
        if not isinstance(value, Setting) or value.query is None:
            continue
        if not _PROTECTION_HEADER.search(value.query) or "{" in value.query:
            continue
        rows[name] = value
    return rows


def check_instrument(role: str, model: str, resource: str, *, timeout_ms: int) -> InstrumentCheck:
    """Inspect one instrument read-only (see the module docstring)."""
    from bench.registry import UnknownEntryError
    from instruments.registry import DRIVERS, PORT_DRIVERS
    from instruments.transport import NO_RECONNECT, ReadOnlyTransport, VisaTransport, WriteRefused

    result = InstrumentCheck(role=role, model=model, resource=resource)
    if model in PORT_DRIVERS:      # a one-way stream (P1 port): it opens, nothing to query
        try:
            port = PORT_DRIVERS.get(model).open_port(resource, name=role, timeout_ms=timeout_ms)
            result.idn, result.recognised_model = port.identify(), model
            port.close()
        except FlexbenchError as exc:
            result.problems.append(f"cannot open: {exc}")
        return result
    try:
        driver_class = DRIVERS.get(model)
    except UnknownEntryError as exc:
        raise ConfigError(exc.detail, field=f"instruments.{role}.model") from None
    result.unconfirmed_commands = unconfirmed_commands(driver_class)
    try:
        transport = ReadOnlyTransport(VisaTransport(resource, timeout_ms=timeout_ms,
                                                    reconnect=NO_RECONNECT, trace=result._trace))
    except FlexbenchError as exc:
        result.problems.append(f"cannot open: {exc}")
        return result
    driver = driver_class(transport, name=role)
    try:
        result.idn = driver.identify()
        try:
            result.recognised_model = model_key_for_idn(result.idn)
        except ValueError as exc:
            result.problems.append(str(exc))
        if result.recognised_model != model:
            result.problems.append(f"*IDN? {result.idn!r} is {result.recognised_model or 'no known model'}, "
                                   f"the bench config says {model}")
        result.errors_found = read_error_queue(driver)
        if result.errors_found:
            result.problems.append(f"error queue held {len(result.errors_found)} error(s) before the check")
        for method in OUTPUT_STATE_METHODS:
            if callable(getattr(driver, method, None)):
                try:
                    result.output[method] = getattr(driver, method)()
                except WriteRefused as exc:
                    result.output[method] = f"not read: {exc}"
                except FlexbenchError as exc:
                    result.output[method] = f"error: {exc}"
        if any(state is True for state in result.output.values()):
            result.problems.append("output is ON")
        for name, setting in protection_settings(driver_class).items():
            try:
                result.protection[name] = driver.fetch(setting)
            except FlexbenchError as exc:
                result.protection[name] = f"error: {exc}"
        result.errors_from_check = read_error_queue(driver)
    except FlexbenchError as exc:
        result.problems.append(f"{type(exc).__name__}: {exc}")
    except ValueError as exc:
        result.problems.append(f"garbled reply: {exc}")
    finally:
        result.refused = list(transport.refused)
        transport.close()
    return result


def check_bench(bench: str | None) -> tuple[Any, list[InstrumentCheck]]:
    """Check every instrument of a bench config; start (and stop) the simulated lab when the
    config says ``lab.simulated``. Returns the loaded config and one result per instrument."""
    from bench.config import load_bench_config

    config = load_bench_config(bench)
    lab = None
    if config.lab.simulated:
        from instruments.scan import start_sim_lab

        lab = start_sim_lab(config)
    try:
        results = []
        for role, inst in config.instruments.items():
            resource = inst.resource
            if "{port}" in resource:
                if lab is None or role not in lab.ports:
                    raise ConfigError("'{port}' but no simulated instrument serves this role",
                                      file=config.file, field=f"instruments.{role}.resource")
                resource = resource.replace("{port}", str(lab.ports[role]))
            results.append(check_instrument(role, inst.model, resource, timeout_ms=inst.timeout_ms))
        return config, results
    finally:
        if lab is not None:
            lab.stop()
