"""Numbers for people: one way to show a metric or a difference everywhere."""

from __future__ import annotations

import math


def format_value(value: float, unit: str) -> str:
    """A metric value: shares and load as percents, whole numbers whole, others to one decimal."""
    if math.isnan(value):
        return "-"
    if unit == "%":
        return f"{value:.1f}%"
    if unit == "share":
        return f"{value * 100:.1f}%"
    return f"{value:,.0f}" if abs(value - round(value)) < 1e-9 else f"{value:,.1f}"


def format_difference(value: float, unit: str) -> str:
    """A difference: percentage points for shares and load %, signed."""
    if math.isnan(value):
        return "-"
    if value == 0:
        return "0"
    if unit == "share":
        return f"{value * 100:+.1f} pp"
    if unit == "%":
        return f"{value:+.1f} pp"
    return f"{value:+,.1f}"
