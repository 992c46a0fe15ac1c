"""Every driver command row names its source or is marked unconfirmed; every header a driver's
transcript sends is declared by a row; docs/instrument-command-sources.md is generated from the rows."""

from __future__ import annotations

from pathlib import Path

import pytest
from transcripts import TRANSCRIPTS

from instruments.command_sources import (CommandRow, confirmed, headers_of_message, render_markdown,
                                         row_for_header, row_problems, unconfirmed, unconfirmed_commands)
from instruments.registry import DRIVERS

DOCS_PAGE = Path(__file__).resolve().parents[2] / "docs" / "instrument-command-sources.md"


@pytest.mark.parametrize("model", sorted(DRIVERS))
def test_every_row_has_a_source_or_an_unconfirmed_mark(model: str) -> None:
    rows = DRIVERS.get(model).commands
    assert rows, f"{model}: the driver declares no command rows"
    assert row_problems(rows) == []


def test_a_row_without_source_or_mark_is_a_problem() -> None:
    rows = (CommandRow("SOURce:VOLTage"), confirmed("OUTPut", "manual p. 1"),
            CommandRow("X", source="s", unconfirmed="u"), unconfirmed("output", "?"))
    assert row_problems(rows) == ["SOURce:VOLTage: neither a source nor an unconfirmed mark",
                                  "X: both a source and an unconfirmed mark", "output: declared twice"]


@pytest.mark.parametrize("model", sorted(TRANSCRIPTS))
def test_every_transcript_header_is_declared(model: str) -> None:
    rows = DRIVERS.get(model).commands
    undeclared = sorted({header for exchange in TRANSCRIPTS[model].values() for sent, _ in exchange
                         for header in headers_of_message(sent) if row_for_header(rows, header) is None})
    assert undeclared == [], f"{model} sends headers no command row declares"


def test_headers_of_a_compound_message() -> None:
    assert headers_of_message("CURRent:SAS:ISC 5,(@1);IMP 4.5,(@1);:VOLTage:SAS:VOC 100") == [
        "CURRent:SAS:ISC", "CURRent:SAS:IMP", "VOLTage:SAS:VOC"]
    assert headers_of_message(":SOURce:VOLTage2,207") == ["SOURce:VOLTage2"]
    assert headers_of_message("*IDN?") == ["*IDN"]
    assert row_for_header([confirmed("SOURce:PHASe:P1{phase}", "s")], "source:phase:p13") is not None
    assert row_for_header([confirmed("SOURce:PHASe:P1{phase}", "s")], "SOURce:PHASe:P3") is None


def test_unconfirmed_commands_of_a_driver() -> None:
    class Driver:
        commands = (confirmed("A", "manual"), unconfirmed("B", "no source"))

    assert unconfirmed_commands(Driver) == ["B"]


def test_docs_page_is_generated_from_the_rows() -> None:
    assert DOCS_PAGE.read_text(encoding="utf-8") == render_markdown(), (
        "regenerate: python -m instruments.command_sources > docs/instrument-command-sources.md")
