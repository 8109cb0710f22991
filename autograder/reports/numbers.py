"""Points as the reports write them."""

from __future__ import annotations


def points_text(points: float) -> str:
    """``3`` for whole points, ``2.5`` otherwise (never ``3.0``)."""
    return str(int(points)) if float(points).is_integer() else f"{points:.2f}".rstrip("0")


def points_phrase(points: float) -> str:
    """``1 point``, ``0 points``, ``2.5 points``: the number with its noun, in English."""
    return f"{points_text(points)} {'point' if float(points) == 1 else 'points'}"


def json_number(points: float) -> int | float:
    """Points as JSON numbers: ``3`` rather than ``3.0`` when whole."""
    return int(points) if float(points).is_integer() else round(float(points), 4)
