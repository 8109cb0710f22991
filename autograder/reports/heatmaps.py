"""Heat maps of expected, got and their difference, as data for the feedback page's SVG.

:func:`heatmaps` finds the first pair of arrays that differ inside an expected and a got
value (tuples, lists, dicts), picks the 2-D plane with the largest difference, and gives
each cell's position, colour and value; the template draws them (inline SVG, so the page
is one file and needs no plotting library).

Small maps get large cells (:func:`cell_size`): a shrunk case often has a 1×1 or 2×2
output, which must still read as a picture with legible numbers. The pictures are hidden
from screen readers; a table of the cells that differ (position, expected, got,
difference) stands in for them.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from ..i18n import DEFAULT_LANG, _, has_hangul, label, languages, render

MAX_CELLS_PER_SIDE = 40  # larger maps would not fit the page; cases are shrunk anyway
NUMBERS_UP_TO = 8  # write the value into each cell when the map is at most this big
NUMBER_FONT = 11  # pixels: legible, and "-0.25" fits a cell of 32
MAX_LISTED = 50  # cells the screen readers' table lists (the text below has every value)


def cell_size(h: int, w: int) -> int:
    """Pixels per cell of an h×w map: 40 up to 4×4, 32 up to 8×8 (both with numbers), 14
    for larger maps (values on hover and in the table)."""
    side = max(h, w)
    return 40 if side <= 4 else 32 if side <= NUMBERS_UP_TO else 14


def _as_map(value: Any) -> np.ndarray | None:
    """A real-valued array with at least one dimension, as float64; None if not drawable."""
    if not isinstance(value, (np.ndarray, np.generic, list, tuple)):
        return None
    try:
        arr = np.asarray(value)
    except Exception:
        return None
    if arr.dtype.kind not in "biuf" or arr.ndim == 0 or arr.size == 0:
        return None
    return arr.astype(np.float64)


def first_differing_pair(expected: Any, got: Any, label: str = "") -> tuple[str, Any, Any] | None:
    """The first pair of arrays inside ``expected``/``got`` (tuples, lists, dicts) that differ.

    Returns ``(label, expected_part, got_part)``; label names the part, e.g. ``"[1]"`` for
    the ``dw`` of ``(dx, dw, db)`` or ``"['W1']"`` for a gradient dictionary.
    """
    if isinstance(expected, dict) and isinstance(got, dict):
        for key in expected:
            if key in got:
                found = first_differing_pair(expected[key], got[key], f"{label}[{key!r}]")
                if found:
                    return found
        return None
    if (isinstance(expected, (tuple, list)) and isinstance(got, (tuple, list))
            and not _is_numeric_sequence(expected)):
        for i, (e, g) in enumerate(zip(expected, got, strict=False)):
            found = first_differing_pair(e, g, f"{label}[{i}]")
            if found:
                return found
        return None
    e, g = _as_map(expected), _as_map(got)
    if e is None or g is None:
        return None
    if e.shape == g.shape and np.array_equal(e, g, equal_nan=True):
        return None
    return label, e, g


def _is_numeric_sequence(value: Any) -> bool:
    return all(isinstance(v, (int, float, np.generic)) for v in value)


def _plane(arr: np.ndarray, lead: tuple[int, ...]) -> np.ndarray:
    """The 2-D plane ``arr[lead + (:, :)]``; 1-D arrays become one row."""
    if arr.ndim == 1:
        return arr[None, :]
    return arr[lead] if lead else arr


def _worst_plane_index(e: np.ndarray, g: np.ndarray) -> tuple[int, ...]:
    """Leading indices of the 2-D plane holding the largest difference (NaN counts as largest)."""
    if e.ndim <= 2:
        return ()
    diff = np.abs(e - g)
    diff = np.where(np.isnan(diff), np.inf, diff)
    return tuple(int(i) for i in np.unravel_index(int(np.argmax(diff)), diff.shape)[:-2])


def _color(value: float, scale: float) -> tuple[str, bool]:
    """Diverging colour (blue for negative, white for zero, red for positive), and whether
    it is dark enough to need white numbers."""
    if not math.isfinite(value):
        return "#888888", True
    t = max(-1.0, min(1.0, value / scale)) if scale > 0 else 0.0
    end = (178, 24, 43) if t > 0 else (33, 102, 172)
    r, g, b = (round(255 + (c - 255) * abs(t)) for c in end)
    return f"#{r:02x}{g:02x}{b:02x}", abs(t) > 0.55


def _cell_number(value: float) -> str:
    if not math.isfinite(value):
        return str(value)
    return f"{value:.2g}" if abs(value) < 100 else f"{value:.0f}"


def _finite_max_abs(*arrays: np.ndarray) -> float:
    values = [np.abs(a[np.isfinite(a)]) for a in arrays]
    return max((float(v.max()) for v in values if v.size), default=0.0)


def _title_width(title: str) -> int:
    """Room for a heat map's title at 13 px: about 13 px a Hangul syllable, 7 any other
    character."""
    return sum(13 if has_hangul(c) else 7 for c in title)


class Cell(NamedTuple):
    """One cell of a heat map: its index, position, colour, outline and value as shown."""

    i: int
    j: int
    x: int
    y: int
    fill: str
    marked: bool
    value: str  # repr of the number, in the cell's tooltip
    tx: str  # where the number is written in the cell
    ty: str
    number: str
    light: bool  # the number is written in white (a dark cell)


def heatmap(plane: np.ndarray, title: str, scale: float, mark: np.ndarray | None = None,
            min_width: int = 0) -> dict[str, Any]:
    """One 2-D array as the template's heat map: size, title and cells; ``mark`` outlines
    cells (where got ≠ expected); ``min_width`` (pixels) leaves room for a long title."""
    h, w = plane.shape
    size = cell_size(h, w)
    cells = []
    for i in range(h):
        for j in range(w):
            v = float(plane[i, j])
            x, y = 1 + j * size, 20 + i * size
            fill, dark = _color(v, scale)
            cells.append(Cell(i, j, x, y, fill, mark is not None and bool(mark[i, j]),
                              repr(v), str(x + size / 2), str(y + size / 2 + NUMBER_FONT * 0.35),
                              _cell_number(v), dark))
    return {"width": max(w * size + 2, min_width), "height": h * size + 24, "title": title,
            "cell": size, "font": NUMBER_FONT,
            "numbers": h <= NUMBERS_UP_TO and w <= NUMBERS_UP_TO, "cells": cells}


class Row(NamedTuple):
    """One row of the screen readers' table: a cell where got differs from expected."""

    position: str
    expected: str
    got: str
    difference: str


def _differing_rows(pe: np.ndarray, pg: np.ndarray, differs: np.ndarray) -> list[Row]:
    return [Row(f"[{i}, {j}]", repr(float(pe[i, j])), repr(float(pg[i, j])),
                repr(float(pg[i, j] - pe[i, j])))
            for i, j in np.argwhere(differs)[:MAX_LISTED]]


def heatmaps(expected: Any, got: Any, lang: str = DEFAULT_LANG) -> dict[str, Any] | None:
    """Expected, got and difference side by side, with a caption per language and, for
    screen readers, a table of the cells that differ; None when there is nothing to
    draw."""
    found = first_differing_pair(expected, got)
    if found is None:
        return None
    part, e, g = found
    if e.shape == g.shape:
        lead = _worst_plane_index(e, g)
        pe, pg = _plane(e, lead), _plane(g, lead)
        where = part + (f"[{', '.join(map(str, lead))}, :, :]" if lead else "")
    else:  # different shapes: show both as they are, first plane of each
        pe, pg = _plane(e, (0,) * (e.ndim - 2)), _plane(g, (0,) * (g.ndim - 2))
        where = part
    if max(pe.shape + pg.shape) > MAX_CELLS_PER_SIDE:
        return None
    scale = _finite_max_abs(pe, pg)

    def draw(plane: np.ndarray, title: Any, scale: float, mark: Any = None) -> dict[str, Any]:
        text = label(title, lang)
        return heatmap(plane, text, scale, mark, _title_width(text))

    maps = [draw(pe, _("expected"), scale)]
    rows: list[Row] = []
    count = 0
    if pe.shape == pg.shape:
        diff = pg - pe
        differs = ~np.isclose(pg, pe, rtol=1e-6, atol=1e-9, equal_nan=True)
        maps.append(draw(pg, _("got (differences outlined)"), scale, differs))
        maps.append(draw(diff, _("got − expected"), _finite_max_abs(diff)))
        rows, count = _differing_rows(pe, pg, differs), int(differs.sum())
    else:
        maps.append(draw(pg, _("got"), scale))
    captions = []
    for language in languages(lang):
        shown = render(_("Showing {where}. ", where=where), language) if where else ""
        captions.append((language, shown + render(_(" Blue is negative, red positive, white "
                                                    "zero; hover a cell for its value."),
                                                  language)))
    table = None
    if rows:
        table = {"caption": label(_("Cells where got differs from expected: {count}",
                                    count=count), lang),
                 "columns": [label(t, lang) for t in (_("position"), _("expected"), _("got"),
                                                      _("got − expected"))],
                 "rows": rows}
    return {"maps": maps, "captions": captions, "marked": len(languages(lang)) > 1,
            "table": table}
