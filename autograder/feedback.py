"""Feedback a student can learn from: one HTML page per submission, and the same as text.

For every item that lost points the page shows the smallest failing case hypothesis
found, what the reference computed and what the student's code returned, where the two
differ, the student's own traceback, the named misconception with a hint, and a picture:
expected, got and their difference as heat maps (inline SVG, so the page is one file
with no external assets and needs no plotting library).

Everything that came from the student (exception messages, returned values, their file's
problems) is HTML-escaped: a submission may well raise ``ValueError("<script>…")``.
Nothing time-dependent goes on the page, so the same submission and seed give the same
bytes.
"""

from __future__ import annotations

import html
import math
from typing import Any

import numpy as np

from .i18n import DEFAULT_LANG, Message, _, label, languages, render, render_all
from .results import Failure, FailureKind, GradeRecord, ItemResult

MAX_SHOWN_VALUES = 100  # larger arrays are described (shape, range), not printed
MAX_SUMMARY_CHARS = 400  # a summary is one line; the case is shown in full below it
MAX_CELLS_PER_SIDE = 40  # larger maps would not fit the page; cases are shrunk anyway
CELL = 18  # pixels per heat-map cell
NUMBERS_UP_TO = 8  # write the value into each cell when the map is at most this big


# --------------------------------------------------------------------------- numbers


def points_text(points: float) -> str:
    """``3`` for whole points, ``2.5`` otherwise (never ``3.0``)."""
    return str(int(points)) if float(points).is_integer() else f"{points:.2f}".rstrip("0")


def format_value(value: Any, language: str = "en") -> str:
    """A value as a student would want to read it: small arrays in full, with shape/dtype;
    the few words around the numbers in ``language`` ("ko" or "en")."""
    def say(message: Any) -> str:
        return render(message, language)

    if isinstance(value, np.ndarray) and value.size > MAX_SHOWN_VALUES:
        return say(_("array of shape {shape}, {dtype}{range}", shape=value.shape,
                     dtype=value.dtype, range=_value_range(value)))
    if isinstance(value, np.ndarray):
        body = np.array2string(
            value, precision=4, suppress_small=True, threshold=200, max_line_width=88
        )
        return say(_("array of shape {shape}, {dtype}:", shape=value.shape,
                     dtype=value.dtype)) + f"\n{body}"
    if isinstance(value, np.generic):
        return f"{value.item()!r} (numpy {value.dtype})"
    if isinstance(value, dict):
        return "\n".join(f"{k}: {_indent_after_first(format_value(v, language))}"
                         for k, v in value.items())
    if isinstance(value, tuple) and any(isinstance(v, np.ndarray) for v in value):
        parts = [f"[{i}] {_indent_after_first(format_value(v, language))}"
                 for i, v in enumerate(value)]
        return say(_("a tuple of {n}:", n=len(value))) + "\n" + "\n".join(parts)
    if isinstance(value, Message):
        return say(value)  # the engine already described a big array in words
    if isinstance(value, str) and value.startswith("array of shape"):
        return value
    text = repr(value)
    return text if len(text) <= 2000 else text[:2000] + " …"


def _value_range(arr: np.ndarray) -> Any:
    """`` (values from -1.2 to 3.4)`` for real arrays, '' otherwise."""
    if arr.dtype.kind not in "biuf" or arr.size == 0:
        return ""
    finite = arr[np.isfinite(arr)] if arr.dtype.kind == "f" else arr
    if finite.size == 0:
        return _(" (no finite values)")
    return _(" (values from {low} to {high})", low=f"{finite.min():.4g}",
             high=f"{finite.max():.4g}")


def _data_language(lang: str) -> str:
    """The language of the words around the data, shown once: Korean only for "ko"."""
    return "ko" if lang == "ko" else "en"


def summary_line(summary: str) -> str:
    """The failure's summary clipped to one readable line."""
    line = " ".join(summary.split())
    return line if len(line) <= MAX_SUMMARY_CHARS else line[: MAX_SUMMARY_CHARS - 1] + "…"


def _indent_after_first(text: str, pad: str = "    ") -> str:
    return text.replace("\n", "\n" + pad)


# --------------------------------------------------------------------------- text


def _explained(failure: Failure) -> list[Any]:
    """The failure's diagnosis and hint as messages ("Looks like: …", "Hint: …")."""
    out: list[Any] = []
    if failure.diagnosis:
        out.append(_("Looks like: {diagnosis}", diagnosis=failure.diagnosis))
    if failure.hint:
        out.append(_("Hint: {hint}", hint=failure.hint))
    return out


def failure_text(failure: Failure, lang: str = DEFAULT_LANG) -> str:
    """One failed item as plain text (Gradescope's per-test ``output``), in ``lang``
    ("ko+en": each sentence in Korean, then in English; the data once)."""
    lines = [summary_line(s) for s in render_all(failure.summary, lang)]
    words = _data_language(lang)
    explained = _explained(failure)
    for language in languages(lang):
        said = [render(m, language) for m in explained]
        lines += ["", *said] if failure.diagnosis else said
    if failure.case:
        lines += ["", label(_("Smallest failing case"), lang) + ":"]
        lines += [f"  {k} = {_indent_after_first(format_value(v, words), '      ')}"
                  for k, v in failure.case.items()]
    if failure.expected is not None or failure.got is not None:
        lines += ["", label(_("Expected (reference)"), lang) + ":",
                  _indent(format_value(failure.expected, words))]
        lines += [label(_("Got (your code)"), lang) + ":",
                  _indent(format_value(failure.got, words))]
    if failure.where:
        lines += [""] + [render(_("Where: {where}", where=failure.where), language)
                         for language in languages(lang)]
    if failure.traceback:
        lines += ["", label(_("Your code raised"), lang) + ":",
                  _indent(failure.traceback.rstrip())]
    return "\n".join(lines)


def _indent(text: str, pad: str = "  ") -> str:
    return "\n".join(pad + line for line in text.splitlines())


def item_text(result: ItemResult, lang: str = DEFAULT_LANG) -> str:
    """``passed`` or the failure text, headed by the points."""
    if result.failure is None:
        return label(_("{points} points: passed", points=_points_of(result)), lang)
    head = label(_("{points} points", points=_points_of(result)), lang)
    return f"{head}: {failure_text(result.failure, lang)}"


def sandbox_text(kind: str) -> str:
    """Which protection the student's code ran under, in words (a Message; as a str,
    English)."""
    return {
        "bubblewrap": _("bubblewrap (no network, read-only file system, memory and time "
                        "limits)"),
        "rlimit": _("a separate process with memory and time limits (bubblewrap was not "
                    "available)"),
        "in-process": _("the grader's own process (not sandboxed)"),
    }.get(kind, kind)


def nothing_loaded(record: GradeRecord) -> bool:
    """True if every item failed because its function was not there at all."""
    return bool(record.items) and all(
        r.failure is not None and r.failure.kind is FailureKind.MISSING for r in record.items)


def record_text(record: GradeRecord, lang: str = DEFAULT_LANG) -> str:
    """The summary for the whole submission (Gradescope's top-level ``output``): one
    block per language of ``lang``, Korean first."""
    return "\n\n".join(_record_text(record, language) for language in languages(lang))


def _record_text(record: GradeRecord, language: str) -> str:
    lost = [r for r in record.items if not r.passed]
    lines = [
        render(_("Score: {score} / {max_score}", score=points_text(record.score),
                 max_score=points_text(record.max_score)), language),
        render(_("Your code ran in {sandbox}.", sandbox=sandbox_text(record.sandbox)), language),
    ]
    if record.problems:
        lines += ["", render(_("Problems with the submission:"), language)]
        lines += [f"  - {_indent_after_first(render(p, language), '    ')}"
                  for p in record.problems]
        if nothing_loaded(record):
            lines += [render(_("Because of this, none of your functions could be found; "
                               "fix the problem above first."), language)]
    if lost:
        lines += ["", render(_("{lost} of {total} items lost points:", lost=len(lost),
                               total=len(record.items)), language)]
        lines += [f"  - {r.name} ({points_text(r.points)}/{points_text(r.max_points)})"
                  + (f": {render(r.failure.diagnosis, language)}"
                     if r.failure and r.failure.diagnosis else "")
                  for r in lost]
    else:
        lines += ["", render(_("Every item passed."), language)]
    return "\n".join(lines)


# --------------------------------------------------------------------------- heat maps


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


def _color(value: float, scale: float) -> str:
    """Diverging colour: blue for negative, white for zero, red for positive."""
    if not math.isfinite(value):
        return "#888888"
    t = max(-1.0, min(1.0, value / scale)) if scale > 0 else 0.0
    end = (178, 24, 43) if t > 0 else (33, 102, 172)
    r, g, b = (round(255 + (c - 255) * abs(t)) for c in end)
    return f"#{r:02x}{g:02x}{b:02x}"


def _cell_number(value: float) -> str:
    if not math.isfinite(value):
        return str(value)
    return f"{value:.2g}" if abs(value) < 100 else f"{value:.0f}"


def heatmap_svg(plane: np.ndarray, title: str, scale: float, mark: np.ndarray | None = None,
                min_width: int = 0) -> str:
    """One 2-D array as an SVG heat map; ``mark`` outlines cells (where got ≠ expected);
    ``min_width`` (pixels) leaves room for a long title."""
    h, w = plane.shape
    write_numbers = h <= NUMBERS_UP_TO and w <= NUMBERS_UP_TO
    width, height = max(w * CELL + 2, min_width), h * CELL + 22
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="{html.escape(title)}">',
        f'<text x="1" y="13" font-size="12">{html.escape(title)}</text>',
    ]
    for i in range(h):
        for j in range(w):
            v = float(plane[i, j])
            x, y = 1 + j * CELL, 18 + i * CELL
            stroke = ' stroke="#000" stroke-width="2"' if mark is not None and mark[i, j] else ""
            parts.append(
                f'<rect x="{x}" y="{y}" width="{CELL}" height="{CELL}" fill="{_color(v, scale)}"'
                f'{stroke}><title>[{i}, {j}] = {html.escape(repr(v))}</title></rect>'
            )
            if write_numbers:
                parts.append(
                    f'<text x="{x + CELL / 2}" y="{y + CELL * 0.65}" font-size="7" '
                    f'text-anchor="middle">{html.escape(_cell_number(v))}</text>'
                )
    parts.append("</svg>")
    return "".join(parts)


def _finite_max_abs(*arrays: np.ndarray) -> float:
    values = [np.abs(a[np.isfinite(a)]) for a in arrays]
    return max((float(v.max()) for v in values if v.size), default=0.0)


def _title_width(title: str, lang: str) -> int:
    """Room for a heat map's title: none asked in English (the page as it always was),
    about 12 px a character otherwise (Hangul is wide)."""
    return 0 if lang == "en" else 12 * len(title)


def heatmaps_html(expected: Any, got: Any, lang: str = DEFAULT_LANG) -> str:
    """Expected, got and difference side by side; '' when there is nothing to draw."""
    found = first_differing_pair(expected, got)
    if found is None:
        return ""
    part, e, g = found
    if e.shape == g.shape:
        lead = _worst_plane_index(e, g)
        pe, pg = _plane(e, lead), _plane(g, lead)
        where = part + (f"[{', '.join(map(str, lead))}, :, :]" if lead else "")
    else:  # different shapes: show both as they are, first plane of each
        pe, pg = _plane(e, (0,) * (e.ndim - 2)), _plane(g, (0,) * (g.ndim - 2))
        where = part
    if max(pe.shape + pg.shape) > MAX_CELLS_PER_SIDE:
        return ""
    scale = _finite_max_abs(pe, pg)

    def draw(plane: np.ndarray, title: Any, scale: float, mark: Any = None) -> str:
        text = label(title, lang)
        return heatmap_svg(plane, text, scale, mark, _title_width(text, lang))

    maps = [draw(pe, _("expected"), scale)]
    if pe.shape == pg.shape:
        diff = pg - pe
        differs = ~np.isclose(pg, pe, rtol=1e-6, atol=1e-9, equal_nan=True)
        maps.append(draw(pg, _("got (differences outlined)"), scale, differs))
        maps.append(draw(diff, _("got − expected"), _finite_max_abs(diff)))
    else:
        maps.append(draw(pg, _("got"), scale))
    captions = []
    for language in languages(lang):
        shown = (render(_("Showing {where}. ", where=where), language) if where else "")
        text = html.escape(shown) + render(_(" Blue is negative, red positive, white zero; "
                                             "hover a cell for its value."), language)
        captions.append(text if len(languages(lang)) == 1
                        else f'<span lang="{language}">{text}</span>')
    return (
        f'<figure class="maps">{"".join(maps)}'
        f"<figcaption>{'<br/>'.join(captions)}</figcaption></figure>"
    )


# --------------------------------------------------------------------------- HTML

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto;
       padding: 0 1rem; color: #222; line-height: 1.45; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
.score { font-size: 1.3rem; font-weight: bold; }
table { border-collapse: collapse; } td, th { padding: .2rem .6rem; border-bottom: 1px solid #ddd; }
td.pts { text-align: right; font-variant-numeric: tabular-nums; }
tr.lost td { background: #fff4f4; } tr.ok td { color: #555; }
.item { border: 1px solid #ddd; border-left: 6px solid #c33; border-radius: 4px;
        padding: .5rem 1rem; margin: 1rem 0; }
.diagnosis { background: #fff8e1; padding: .4rem .6rem; border-radius: 4px; }
pre { background: #f6f6f6; padding: .5rem; overflow-x: auto; font-size: .85rem; }
figure.maps svg { margin-right: 1rem; vertical-align: top; }
figcaption { font-size: .85rem; color: #555; }
.problems { background: #fdecea; padding: .5rem 1rem; border-radius: 4px; }
"""


def _pre(text: str) -> str:
    return f"<pre>{html.escape(text)}</pre>"


def _inline(text: Any, lang: str) -> str:
    """``text`` escaped, in ``lang``: both languages side by side, each marked with its
    ``lang``, when there are two (a single language is the page's own)."""
    said = render_all(text, lang)
    if len(said) == 1:
        return html.escape(said[0])
    return " · ".join(f'<span lang="{language}">{html.escape(t)}</span>'
                      for language, t in zip(languages(lang), said, strict=True))


def _paragraphs(texts: list[Any], lang: str, cls: str = "", sep: str = "<br>") -> str:
    """One ``<p>`` per language holding ``texts`` (messages or HTML already made, by
    language), each marked with its ``lang`` when there are two."""
    klass = f' class="{cls}"' if cls else ""
    parts = []
    for language in languages(lang):
        body = sep.join(t(language) if callable(t) else html.escape(render(t, language))
                        for t in texts)
        marked = f' lang="{language}"' if len(languages(lang)) > 1 else ""
        parts.append(f"<p{klass}{marked}>{body}</p>")
    return "\n".join(parts)


def _problem_html(problem: Any, lang: str) -> str:
    """One problem as ``<pre>`` blocks: one per language of ``lang`` (each marked with
    its ``lang`` when there are two); a plain string (a student's error text, an old
    record's problem) reads the same in both and is given once."""
    said = render_all(problem, lang)
    if len(said) == 1:
        return _pre(said[0])
    return "".join(f'<pre lang="{language}">{html.escape(t)}</pre>'
                   for language, t in zip(languages(lang), said, strict=True))


def _heading(tag: str, text: Any, lang: str) -> str:
    return f"<{tag}>{_inline(text, lang)}</{tag}>"


def failure_html(result: ItemResult, lang: str = DEFAULT_LANG) -> str:
    """The box for one item that lost points."""
    f = result.failure
    assert f is not None
    e = html.escape
    words = _data_language(lang)
    parts = [
        f'<section class="item" id="{e(_anchor(result.name))}">',
        f"<h3>{e(result.name)} — {_points_of(result)}</h3>",
        _paragraphs([lambda language: e(summary_line(render(f.summary, language)))], lang),
    ]
    if f.diagnosis or f.hint:
        def strong(template: Any, value: Any) -> Any:
            return lambda language: f"<strong>{e(render(template, language))}</strong> " + e(
                render(value, language))

        lines = [strong(_("Looks like:"), f.diagnosis)] if f.diagnosis else []
        lines += [strong(_("Hint:"), f.hint)] if f.hint else []
        parts.append(_paragraphs(lines, lang, "diagnosis"))
    if f.case:
        parts.append(_heading("h4", _("Smallest failing case"), lang))
        parts.append(_pre("\n".join(f"{k} = {_indent_after_first(format_value(v, words), '    ')}"
                                    for k, v in f.case.items())))
    if f.expected is not None or f.got is not None:
        parts.append(_heading("h4", _("Expected (reference) and got (your code)"), lang))
        parts.append(heatmaps_html(f.expected, f.got, lang))
        parts.append(_pre(f"{render(_('expected'), words)}: {format_value(f.expected, words)}"
                          f"\n\n{render(_('got'), words)}: {format_value(f.got, words)}"))
    if f.where:
        where = _("Where:")
        parts.append(_paragraphs([lambda language: f"<strong>{e(render(where, language))}"
                                  f"</strong> {e(render(f.where, language))}"], lang))
    if f.traceback:
        parts.append(_heading("h4", _("Your code raised"), lang)
                     + _pre(f.traceback.rstrip()))
    parts.append("</section>")
    return "\n".join(p for p in parts if p)


def _points_of(result: ItemResult) -> str:
    return f"{points_text(result.points)}/{points_text(result.max_points)}"


def _anchor(name: str) -> str:
    return "item-" + "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")


#: Why a mistake shows up under one function only (``autograder.provided``).
EARLIER_FUNCTIONS = _("While a function is graded, the calls of earlier functions that a "
                      "correct version makes on the input being graded (conv2d inside "
                      "tiny_cnn_forward, say) give correct answers, so a mistake costs only "
                      "the items of the function it is in; any other call runs your own "
                      "function.")


def feedback_html(record: GradeRecord, lang: str = DEFAULT_LANG) -> str:
    """The whole page for one submission: standalone, escaped, deterministic. ``lang``:
    "ko", "en" or "ko+en" (each text in Korean, then English, each block marked with its
    ``lang``; the page's own language is the first)."""
    e = html.escape
    langs = languages(lang)
    rows = []
    for r in record.items:
        name = (f'<a href="#{e(_anchor(r.name))}">{e(r.name)}</a>' if not r.passed
                else e(r.name))
        mark = "✓" if r.passed else "✗"
        rows.append(
            f'<tr class="{"ok" if r.passed else "lost"}"><td>{mark}</td><td>{name}</td>'
            f'<td class="pts">{_points_of(r)}</td></tr>'
        )
    problems = ""
    if record.problems:
        cannot = _("Because of this, none of your functions could be found; fix the "
                   "problem above first.")
        problems = ('<div class="problems"><strong>'
                    + _inline(_("Problems with your submission"), lang) + "</strong><ul>"
                    + "".join(f"<li>{_problem_html(p, lang)}</li>" for p in record.problems)
                    + "</ul>"
                    + (_paragraphs([cannot], lang) if nothing_loaded(record) else "")
                    + "</div>")
    lost = [r for r in record.items if not r.passed]
    details = (_heading("h2", _("What went wrong, item by item"), lang) + "\n"
               + "\n".join(failure_html(r, lang) for r in lost)
               if lost else _heading("h2", _("Every item passed. Well done!"), lang))
    title = label(_("conv-lab feedback: {student}", student=record.student), lang)
    score = _paragraphs([_("Score: {score} / {max_score}", score=points_text(record.score),
                           max_score=points_text(record.max_score))], lang, "score")
    if len(langs) > 1:  # one score line: the number reads the same in both
        score_label = _inline(_("Score"), lang)
        score = (f'<p class="score">{score_label}: {points_text(record.score)} / '
                 f"{points_text(record.max_score)}</p>")
    intro = _paragraphs([_("Your code ran in {sandbox}. The grader compared it with the\n"
                           "reference solution on many small inputs; for each item that lost "
                           "points, the smallest\ninput it found is shown below.",
                           sandbox=sandbox_text(record.sandbox)),
                         EARLIER_FUNCTIONS], lang)
    heading = _inline(_("conv-lab feedback for {student}", student=record.student), lang)
    columns = (_inline(_("Items"), lang), _inline(_("item"), lang), _inline(_("points"), lang))
    return f"""<!DOCTYPE html>
<html lang="{langs[0]}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)}</title>
<style>{_STYLE}</style>
</head>
<body>
<h1>{heading}</h1>
{score}
{intro}
{problems}
<h2>{columns[0]}</h2>
<table>
<tr><th></th><th>{columns[1]}</th><th>{columns[2]}</th></tr>
{chr(10).join(rows)}
</table>
{details}
</body>
</html>
"""
