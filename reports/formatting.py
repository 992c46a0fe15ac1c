"""Numbers for people: one formatting of report values, shared by the PDF, the HTML and results.csv.

A measured value is shown to the decimal place of its expanded uncertainty U, and U with two
significant digits (GUM 7.2.6): ``4523.456 ± 8`` reads "4523.5 ± 8.0". A value without an
uncertainty (a limit, a setting, a time stamp) is shown with at most :data:`PLAIN_DIGITS`
significant digits and no trailing zeros. Plain decimal notation is used from 1e-6 up to 1e9, so
no report shows ``2.72727e-05`` or float noise such as ``+500.001``.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

__all__ = ["DASH", "PLAIN_DIGITS", "U_DIGITS", "decimals_for", "fmt_measured", "fmt_number", "fmt_signed",
           "fmt_uncertainty", "fmt_value"]

DASH = "\u2014"
PLAIN_DIGITS = 5
"""Significant digits of a value shown without an uncertainty."""
U_DIGITS = 2
"""Significant digits of an expanded uncertainty."""
_MAX_DECIMALS = 9
_PLAIN_RANGE = (1e-6, 1e9)


def _finite(value: Any) -> float | None:
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def decimals_for(uncertainty: Any, digits: int = U_DIGITS) -> int | None:
    """Decimal places that show ``uncertainty`` with ``digits`` significant digits (may be negative:
    -1 rounds to tens); None when there is no positive, finite uncertainty."""
    u = _finite(uncertainty)
    if u is None or u <= 0:
        return None
    return min(_MAX_DECIMALS, digits - 1 - math.floor(math.log10(abs(u))))


def _fixed(number: float, decimals: int) -> str:
    if decimals >= 0:
        text = f"{number:.{decimals}f}"
    else:
        step = 10 ** -decimals
        text = f"{round(number / step) * step:.0f}"
    return "0" if text.lstrip("-").strip("0.") == "" else text


def fmt_number(value: Any, decimals: int | None = None, digits: int = PLAIN_DIGITS) -> str:
    """A number: to ``decimals`` places when given, else with up to ``digits`` significant digits
    and no trailing zeros; plain decimal notation between 1e-6 and 1e9; None / non-numbers as an
    em dash, booleans as yes/no, integers exactly."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    number = _finite(value)
    if number is None:
        return DASH
    if decimals is not None:
        return _fixed(number, decimals)
    if isinstance(value, int) and abs(value) < _PLAIN_RANGE[1]:
        return str(value)
    if number == 0:
        return "0"
    if not _PLAIN_RANGE[0] <= abs(number) < _PLAIN_RANGE[1]:
        return f"{number:.{digits}g}"
    rounded = Decimal(f"{number:.{digits}g}")
    text = f"{rounded:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def fmt_uncertainty(uncertainty: Any) -> str:
    """An expanded uncertainty with :data:`U_DIGITS` significant digits."""
    return fmt_number(uncertainty, decimals_for(uncertainty))


def fmt_measured(value: Any, uncertainty: Any = None) -> str:
    """A measured value to the decimal place of its uncertainty (plain digits when it has none)."""
    return fmt_number(value, decimals_for(uncertainty))


def fmt_signed(value: Any, uncertainty: Any = None) -> str:
    """A difference (margin, deviation) with its sign, to the decimal place of ``uncertainty``."""
    text = fmt_measured(value, uncertainty)
    return text if text in (DASH, "0") or text.startswith("-") else "+" + text


def fmt_value(value: Any, uncertainty: Any = None, unit: str = "") -> str:
    """``value ± U unit`` (or ``value unit`` without an uncertainty); booleans as yes/no."""
    text = fmt_measured(value, uncertainty)
    if text != DASH and _finite(uncertainty):
        text += f" \u00b1 {fmt_uncertainty(uncertainty)}"
    return f"{text} {unit}".rstrip() if text != DASH and unit not in ("", "1", "bool") else text
