"""Numbers for people: one way to show a metric or a difference everywhere."""

from __future__ import annotations

import math


def format_value(value: float, unit: str) -> str:
    """A metric value: shares and load as percents, money in whole pounds, whole numbers
    whole, others to one decimal."""
    if math.isnan(value):
        return "-"
    if unit == "£":
        return _no_signed_zero(f"{'-' if value < 0 else ''}£{abs(value):,.0f}")
    if unit == "%":
        return _no_signed_zero(f"{value:.1f}%")
    if unit == "share":
        return _no_signed_zero(f"{value * 100:.1f}%")
    return f"{value:,.0f}" if abs(value - round(value)) < 1e-9 else _no_signed_zero(f"{value:,.1f}")


def format_difference(value: float, unit: str) -> str:
    """A difference: percentage points for shares and load %, signed; money in whole pounds."""
    if math.isnan(value):
        return "-"
    if value == 0:
        return "0"
    if unit == "£":
        if abs(value) < 0.5:
            return "0"
        return f"{'+' if value > 0 else '-'}£{abs(value):,.0f}"
    if unit in ("share", "%"):
        text = f"{value * (100 if unit == 'share' else 1):+.1f} pp"
    else:
        text = f"{value:+,.1f}"
    return _no_signed_zero(text)


def _no_signed_zero(text: str) -> str:
    """A value too small to show is 0.0, not -0.0 or +0.0."""
    if text[:1] in "+-" and text[1:4] == "0.0" and not text[4:5].isdigit():
        return text[1:]
    return text
