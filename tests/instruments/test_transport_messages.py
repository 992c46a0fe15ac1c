"""Which SCPI messages are queries, and which may be repeated after a reconnection."""

from __future__ import annotations

import pytest

from instruments.scpi_messages import is_idempotent_setting, is_query_message, split_units


def test_split_units_respects_quotes() -> None:
    assert split_units('DISP:TEXT "a;b";*OPC?') == ['DISP:TEXT "a;b"', "*OPC?"]
    assert split_units(" A 1 ;; B? ") == ["A 1", "B?"]


@pytest.mark.parametrize("message,is_query", [
    ("*IDN?", True), ("SOURce:VOLTage:AC?", True), ("MEAS:VOLT? (@1)", True),
    (":NUM:NORM:VAL?;:STAT:ERR?", True), ("OUTPut:STATe ON", False), ("*RST", False),
    ("OUTP ON;*OPC?", False), ("*OPC?;OUTP ON", False), ("", False)])
def test_query_messages(message: str, is_query: bool) -> None:
    assert is_query_message(message) is is_query


@pytest.mark.parametrize("message,idempotent", [
    ("SOURce:VOLTage:AC 230", True), ("INSTrument:COUPle ALL", True), ("OUTPut:STATe OFF", True),
    (":SOURce:VOLTage1,120", True), ("*CLS", True), ("*IDN?", True), ("VOLT 230;FREQ 50", True),
    ("*TRG", False), ("*RST", False), ("INIT", False), ("INITiate:IMMediate:TRANsient", False),
    ("TRIG", False), ("TRIGger:IMMediate", False), ("VOLT UP", False), ("CURR:LEV DOWN", False),
    ("PROG:RUN", False), ("LIST:STARt", False), ("VOLT 230;*TRG", False), ("ABORt", False), ("", False)])
def test_idempotent_settings(message: str, idempotent: bool) -> None:
    assert is_idempotent_setting(message) is idempotent


def test_trigger_source_setting_is_not_a_trigger() -> None:
    assert is_idempotent_setting("TRIGger:SOURce BUS")
