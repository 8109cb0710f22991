"""Points as the reports write them."""

from __future__ import annotations


def points_text(points: float) -> str:
    """``3`` for whole points, ``2.5`` otherwise (never ``3.0``)."""
    return str(int(points)) if float(points).is_integer() else f"{points:.2f}".rstrip("0")


def json_number(points: float) -> int | float:
    """Points as JSON numbers: ``3`` rather than ``3.0`` when whole."""
    return int(points) if float(points).is_integer() else round(float(points), 4)
