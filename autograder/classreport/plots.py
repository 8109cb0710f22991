"""Bar charts as inline SVG, drawn here (no plotting library: grading needs none).

The SVG has no XML declaration, DOCTYPE, namespaces or links, so nothing in it points
outside the page; every label is escaped text. It scales with the page (``class="chart"``
and a ``viewBox``).
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

WIDTH, HEIGHT = 720, 260
#: Space for the axes' labels: left, right, top, bottom.
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 18, 58


def _text(x: float, y: float, text: str, *, anchor: str = "middle", size: int = 11,
          extra: str = "") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}"'
            f"{extra}>{html.escape(text)}</text>")


def nice_ticks(top: float, most: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``top`` (steps of 1, 2 or 5 times a power of
    ten, whole numbers for counts), at most ``most`` + 1 of them."""
    top = max(top, 1.0)
    step = 10 ** math.floor(math.log10(top / most)) if top >= most else 1
    for factor in (1, 2, 5, 10):
        if top / (step * factor) <= most:
            step *= factor
            break
    step = max(1, round(step))
    return [i * step for i in range(math.ceil(top / step) + 1)]


def bar_chart(labels: Sequence[str], counts: Sequence[float], *, xlabel: str, ylabel: str,
              color: str = "#3b6ea8") -> str:
    """A bar chart as inline SVG text: one bar per label, its count written above it."""
    ticks = nice_ticks(max(counts, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(1, len(counts))
    bar_w = slot * 0.85

    def y_of(value: float) -> float:
        return TOP + plot_h * (1 - value / ticks[-1])

    tilt = len(labels) > 6
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'font-family="sans-serif"><title>{html.escape(ylabel)} / '
             f"{html.escape(xlabel)}</title>"]
    for tick in ticks:
        y = y_of(tick)
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
                     'stroke="#e3e3e3"/>')
        parts.append(_text(LEFT - 6, y + 4, f"{tick:g}", anchor="end", size=10))
    for i, (label, count) in enumerate(zip(labels, counts, strict=True)):
        x = LEFT + i * slot + (slot - bar_w) / 2
        centre = x + bar_w / 2
        if count:
            y = y_of(count)
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" '
                         f'height="{TOP + plot_h - y:.1f}" fill="{color}"/>')
            parts.append(_text(centre, y - 3, f"{count:g}", size=9))
        base = TOP + plot_h + 14
        if tilt:
            parts.append(_text(centre, base, label, anchor="end", size=10,
                               extra=f' transform="rotate(-30 {centre:.1f} {base:.1f})"'))
        else:
            parts.append(_text(centre, base, label, size=10))
    parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + plot_h}" '
                 f'y2="{TOP + plot_h}" stroke="#333"/>')
    parts.append(f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{TOP + plot_h}" '
                 'stroke="#333"/>')
    parts.append(_text(LEFT + plot_w / 2, HEIGHT - 6, xlabel, size=11))
    middle = TOP + plot_h / 2
    parts.append(_text(14, middle, ylabel, size=11,
                       extra=f' transform="rotate(-90 14 {middle:.1f})"'))
    parts.append("</svg>")
    return "".join(parts)


def histogram(values: Sequence[float], edges: Sequence[float]) -> list[int]:
    """How many ``values`` fall in each [edges[i], edges[i+1]) (the last bin is closed)."""
    counts = [0] * (len(edges) - 1)
    for v in values:
        for i in range(len(counts)):
            if edges[i] <= v < edges[i + 1] or (i == len(counts) - 1 and v == edges[-1]):
                counts[i] += 1
                break
    return counts


def time_edges(seconds: Sequence[float], bins: int = 8) -> list[float]:
    """Round bin edges (steps of 1, 2 or 5 times a power of ten) from 0 past the longest
    grading time, at most ``bins`` bins."""
    top = max([*seconds, 0.1])
    step = 10 ** math.floor(math.log10(top / bins))
    for factor in (1, 2, 5, 10):
        if top / (step * factor) <= bins:
            step *= factor
            break
    count = math.floor(top / step) + 1
    return [round(i * step, 6) for i in range(count + 1)]
