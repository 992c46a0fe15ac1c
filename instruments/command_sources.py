"""Where each driver command comes from: one :class:`CommandRow` per command a driver sends.

Every driver class declares ``commands`` (a tuple of rows, :attr:`instruments.scpi.ScpiDriver.commands`):
the command headers it may send, each with the public source that confirms it (a public driver
file or a manual page) or an explicit ``unconfirmed`` mark saying what is still to be checked on
the instrument. The rows are data, so that

* a test fails when a row has neither a source nor an unconfirmed mark, and when a driver's
  transcript (tests/instruments/transcripts.py) sends a header no row declares;
* ``flexbench instruments check BENCH`` lists the unconfirmed commands a bench's drivers would use;
* the campaign record names them per instrument, and the report says so;
* docs/instrument-command-sources.md is generated from them (:func:`render_markdown`).

Run ``python -m instruments.command_sources > docs/instrument-command-sources.md`` after editing rows.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["CommandRow", "confirmed", "unconfirmed", "svp", "IEEE_488_2", "headers_of_message",
           "manual", "row_for_header", "row_problems", "unconfirmed_commands", "render_markdown"]

SVP_REPOSITORY = "github.com/sunspec/svp_energy_lab"
IEEE_488_2 = "IEEE 488.2-1992 common commands"


def svp(file: str, detail: str = "") -> str:
    """A citation of a SunSpec SVP energy-lab driver file (``Lib/svpelab/<file>``)."""
    return f"{SVP_REPOSITORY} Lib/svpelab/{file}" + (f" ({detail})" if detail else "")


def manual(title: str) -> str:
    """A citation of a manual whose page was not recorded when the driver was written."""
    return f"{title} (as cited when the driver was written; page not recorded)"


@dataclass(frozen=True)
class CommandRow:
    """One command header a driver sends.

    ``header`` is the header as the driver spells it, extra fields in braces
    (``SOURce:PHASe:P1{phase}``); the set form and its ``?`` query share one row. ``source`` names
    the public text that confirms the header (a public driver file path, a manual and page);
    ``unconfirmed`` says why no source confirms it and what to check on the instrument. Exactly one
    of the two is set (the test of the tables enforces it).
    """

    header: str
    source: str = ""
    unconfirmed: str = ""
    note: str = ""

    @property
    def is_confirmed(self) -> bool:
        return bool(self.source) and not self.unconfirmed

    def pattern(self) -> re.Pattern[str]:
        """The header as a case-insensitive regex: ``{field}`` matches a number, leading ``:`` optional."""
        text = self.header.lstrip(":")
        parts = re.split(r"(\{\w+\})", text)
        body = "".join(r"\d+" if re.fullmatch(r"\{\w+\}", p) else re.escape(p) for p in parts)
        return re.compile(rf":?{body}\??", re.IGNORECASE)


def confirmed(header: str, source: str, note: str = "") -> CommandRow:
    return CommandRow(header, source=source, note=note)


def unconfirmed(header: str, why: str, note: str = "") -> CommandRow:
    return CommandRow(header, unconfirmed=why, note=note)


def headers_of_message(message: str) -> list[str]:
    """The headers of one program message as sent (``A:B 1;C 2;:D?`` -> ``A:B``, ``A:C``, ``D``).

    A unit after ``;`` without a leading ``:`` is relative to the previous header's path (SCPI-99
    6.2.4); a header ends at the first blank or, for the comma-separated dialects, the first comma.
    """
    headers: list[str] = []
    path = ""
    for unit in message.split(";"):
        unit = unit.strip()
        if not unit:
            continue
        header = re.split(r"[ ,]", unit, maxsplit=1)[0].rstrip("?")
        if header.startswith("*"):
            headers.append(header)
            continue
        relative = not header.startswith(":") and bool(headers) and bool(path)
        full = f"{path}:{header}" if relative else header.lstrip(":")
        headers.append(full)
        path = full.rsplit(":", 1)[0] if ":" in full else ""
    return headers


def row_for_header(rows: Sequence[CommandRow], header: str) -> CommandRow | None:
    """The first row whose header pattern matches ``header`` (as :func:`headers_of_message` gives it)."""
    for row in rows:
        if row.pattern().fullmatch(header):
            return row
    return None


def row_problems(rows: Sequence[CommandRow]) -> list[str]:
    """What is wrong with a command table: rows with neither a source nor an unconfirmed mark (or
    both), and headers declared twice."""
    problems: list[str] = []
    seen: set[str] = set()
    for row in rows:
        if not row.source and not row.unconfirmed:
            problems.append(f"{row.header}: neither a source nor an unconfirmed mark")
        elif row.source and row.unconfirmed:
            problems.append(f"{row.header}: both a source and an unconfirmed mark")
        if row.header.casefold() in seen:
            problems.append(f"{row.header}: declared twice")
        seen.add(row.header.casefold())
    return problems


def unconfirmed_commands(driver_class: type) -> list[str]:
    """The headers of ``driver_class.commands`` that no public source confirms."""
    rows: Iterable[CommandRow] = getattr(driver_class, "commands", ())
    return [row.header for row in rows if not row.is_confirmed]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown() -> str:
    """docs/instrument-command-sources.md: per registered model, confirmed and unconfirmed rows."""
    from instruments.registry import DRIVERS

    out = ["# Instrument command sources", "",
           "Generated from the drivers' `commands` rows (instruments/command_sources.py) by",
           "`python -m instruments.command_sources > docs/instrument-command-sources.md`;",
           "tests/instruments/test_command_sources.py fails when this page and the rows differ.", "",
           "A *confirmed* command is used in the same form by the public source named (a public driver",
           "file or a manual page). An *unconfirmed* command has no public source at hand: it must be",
           "checked on the instrument before the first hardware campaign. `flexbench instruments check BENCH`",
           "lists the unconfirmed commands of a bench, and a report names them for every instrument whose",
           "driver has any.", ""]
    for model in sorted(DRIVERS):
        klass = DRIVERS.get(model)
        rows: Sequence[CommandRow] = getattr(klass, "commands", ())
        done = [r for r in rows if r.is_confirmed]
        todo = [r for r in rows if not r.is_confirmed]
        out += [f"## `{model}` ({klass.__module__}.{klass.__name__})", "",
                f"{len(done)} confirmed, {len(todo)} unconfirmed.", ""]
        if done:
            out += ["| Confirmed command | Source | Note |", "|---|---|---|"]
            out += [f"| `{_cell(r.header)}` | {_cell(r.source)} | {_cell(r.note)} |" for r in done]
            out.append("")
        if todo:
            out += ["| Unconfirmed command | What to check | Note |", "|---|---|---|"]
            out += [f"| `{_cell(r.header)}` | {_cell(r.unconfirmed)} | {_cell(r.note)} |" for r in todo]
            out.append("")
    return "\n".join(out)


if __name__ == "__main__":  # pragma: no cover - the generator of the docs page
    sys.stdout.write(render_markdown())
