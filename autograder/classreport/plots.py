"""Bar charts as inline SVG (matplotlib), or as a plain table when matplotlib is missing.

Grading must not need matplotlib: :func:`bar_chart` returns the SVG text, or None if
matplotlib cannot be imported, and the page then shows the numbers as a table instead.
The SVG has no XML declaration, DOCTYPE, namespaces or metadata, so nothing in it points
outside the page.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence


def _pyplot():
    try:
        import matplotlib

        matplotlib.use("Agg", force=True)
        import matplotlib.pyplot as plt
    except Exception:  # not installed, or broken: the page shows a table instead
        return None
    return plt


_STRIP = (
    re.compile(r"<\?xml[^>]*\?>\s*"),
    re.compile(r"<!DOCTYPE[^>]*>\s*", re.S),
    re.compile(r"<metadata>.*?</metadata>\s*", re.S),
    re.compile(r'\s+xmlns(:\w+)?="[^"]*"'),
)


def clean_svg(svg: str) -> str:
    """Matplotlib's SVG made fit for inlining in HTML (no external identifiers)."""
    for pattern in _STRIP:
        svg = pattern.sub("", svg)
    svg = svg.replace("xlink:href=", "href=")
    # scale with the page instead of a fixed size in points
    svg = re.sub(r'^<svg width="[^"]*" height="[^"]*"', '<svg class="chart"', svg.strip())
    return svg


def bar_chart(labels: Sequence[str], counts: Sequence[float], *, xlabel: str, ylabel: str,
              color: str = "#3b6ea8") -> str | None:
    """A bar chart as inline SVG text, or None without matplotlib."""
    plt = _pyplot()
    if plt is None:
        return None
    with plt.rc_context({"svg.fonttype": "none", "svg.hashsalt": "conv-lab",
                         "font.size": 10, "axes.spines.top": False,
                         "axes.spines.right": False}):
        fig, ax = plt.subplots(figsize=(7.0, 2.6))
        try:
            positions = range(len(counts))
            ax.bar(positions, counts, color=color, width=0.85)
            tilt = len(labels) > 6
            ax.set_xticks(list(positions), list(labels), rotation=30 if tilt else 0,
                          ha="right" if tilt else "center")
            ax.set_xlabel(xlabel)
            ax.set_ylabel(ylabel)
            ax.yaxis.get_major_locator().set_params(integer=True)
            for x, c in zip(positions, counts, strict=True):
                if c:
                    ax.annotate(f"{c:g}", (x, c), ha="center", va="bottom", fontsize=8)
            fig.tight_layout()
            buf = io.StringIO()
            fig.savefig(buf, format="svg", metadata={"Date": None})
        finally:
            plt.close(fig)
    return clean_svg(buf.getvalue())


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
