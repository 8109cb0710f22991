"""Feedback a student can learn from: one HTML page per submission, and the same as text.

For every mistake the page shows one card (:mod:`autograder.reports.mistakes`: a
function's lost items that share a cause are one mistake): the items it cost, the
smallest failing case hypothesis found, what the reference computed and what the
student's code returned, where the two differ, the student's own traceback, the named
misconception with a hint, and a picture: expected, got and their difference as heat
maps (:mod:`autograder.reports.heatmaps`). Items are named in the asked language
(``rubric.Item.title``). An expected exception is shown as one ("ValueError 발생 · raises
ValueError"), never as a value.

The student's page names no sandbox: how the code was isolated is the instructor's
business (``results.json``'s ``extra_data``, the class report, the terminal), and a
student can act on none of it. A submission's problems (a syntax error, an exit at
import) are shown only when they cost something.

The page comes from the Jinja2 templates ``templates/feedback.html`` (the page) and
``feedback_parts.html`` (its parts), with autoescaping:
everything that came from the student (exception messages, returned values, their file's
problems) is escaped wherever it lands; a submission may well raise
``ValueError("<script>…")``. Nothing time-dependent goes on the page, so the same
submission, seed and settings give the same bytes.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
from markupsafe import Markup

from ..i18n import DEFAULT_LANG, Message, _, label, languages, render, render_all
from ..results import Failure, FailureKind, GradeRecord, ItemResult, MismatchKind
from .heatmaps import heatmaps
from .mistakes import NO_CASE, Mistake, function_of, mistakes, title, what
from .numbers import points_text

MAX_SHOWN_VALUES = 100  # larger arrays are described (shape, range), not printed
MAX_SUMMARY_CHARS = 400  # a summary is one line; the case is shown in full below it
MAX_MISTAKE_CHARS = 4000  # one mistake as text (nbgrader's cell output) is cut here
TEMPLATES = Path(__file__).with_name("templates")
#: The mismatches where an exception was expected.
RAISES = (MismatchKind.NO_ERROR, MismatchKind.WRONG_ERROR)

def format_value(value: Any, language: str = "en") -> str:
    """A value as a student would want to read it: small arrays in full, with shape/dtype;
    the few words around the numbers in ``language`` ("ko", "en", or "ko+en": both,
    joined as a label is)."""
    def say(message: Any) -> str:
        return label(message, language)

    if isinstance(value, np.ndarray) and value.size > MAX_SHOWN_VALUES:
        return say(_("array of shape {shape}, {dtype}{range}", shape=value.shape,
                     dtype=value.dtype, range=_value_range(value)))
    if isinstance(value, np.ndarray):
        body = np.array2string(
            value, precision=4, suppress_small=True, threshold=200, max_line_width=88
        )
        return say(_("array of shape {shape}, {dtype}", shape=value.shape,
                     dtype=value.dtype)) + f":\n{body}"
    if isinstance(value, np.generic):
        return f"{value.item()!r} (numpy {value.dtype})"
    if isinstance(value, dict):
        return "\n".join(f"{k}: {_indent_after_first(format_value(v, language))}"
                         for k, v in value.items())
    if isinstance(value, tuple) and any(isinstance(v, np.ndarray) for v in value):
        parts = [f"[{i}] {_indent_after_first(format_value(v, language))}"
                 for i, v in enumerate(value)]
        return say(_("a tuple of {n}", n=len(value))) + ":\n" + "\n".join(parts)
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


def _exception_expected(failure: Failure) -> str | None:
    """The exception a "should have raised" failure names (its summary's ``exc_type``)."""
    stack: list[Any] = [failure.summary]
    while stack:
        message = stack.pop()
        if isinstance(message, Message):
            if "exc_type" in message.params:
                return str(message.params["exc_type"])
            stack += [v for v in message.params.values() if isinstance(v, Message)]
    return None


def expected_shown(failure: Failure) -> Any:
    """What the reports show as the expected value: an expected exception as one
    ("raises ValueError"), never as None."""
    if failure.expected is None and failure.mismatch in RAISES:
        exc_type = _exception_expected(failure)
        return _("raises {exc_type}", exc_type=exc_type) if exc_type else None
    return failure.expected


def got_shown(failure: Failure) -> Any:
    """What the reports show as the student's answer: a different exception as one."""
    if failure.mismatch is MismatchKind.WRONG_ERROR and isinstance(failure.got, str) \
            and not isinstance(failure.got, Message):
        return _("raised {exception}", exception=failure.got)
    return failure.got


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


def _lines_of_case(failure: Failure, lang: str) -> list[str]:
    """The case, expected and got, where and traceback of a failure as text lines (the
    data once, its few words in ``lang``)."""
    lines: list[str] = []
    if failure.case and failure.kind not in NO_CASE:
        lines += ["", label(_("Smallest failing case"), lang) + ":"]
        lines += [f"  {k} = {_indent_after_first(format_value(v, lang), '      ')}"
                  for k, v in failure.case.items()]
    expected, got = expected_shown(failure), got_shown(failure)
    if expected is not None or got is not None:
        lines += ["", label(_("Expected (reference)"), lang) + ":",
                  _indent(format_value(expected, lang))]
        lines += [label(_("Got (your code)"), lang) + ":", _indent(format_value(got, lang))]
    if failure.where:
        lines += [""] + [render(_("Where: {where}", where=failure.where), language)
                         for language in languages(lang)]
    if failure.traceback:
        lines += ["", label(_("Your code raised"), lang) + ":",
                  _indent(failure.traceback.rstrip())]
    return lines


def failure_text(failure: Failure, lang: str = DEFAULT_LANG) -> str:
    """One failed item as plain text (Gradescope's per-test ``output``), in ``lang``
    ("ko+en": each sentence in Korean, then in English; the data once)."""
    lines = [summary_line(s) for s in render_all(failure.summary, lang)]
    explained = _explained(failure)
    for language in languages(lang):
        said = [render(m, language) for m in explained]
        lines += ["", *said] if failure.diagnosis else said
    return "\n".join(lines + _lines_of_case(failure, lang))


def mistake_text(mistake: Mistake, lang: str = DEFAULT_LANG) -> str:
    """One mistake as plain text (nbgrader's hidden cells): the items it cost, then as
    :func:`failure_text` the shown item's summary, diagnosis and hint in each language
    of ``lang``, and its case, expected, got and where; at most MAX_MISTAKE_CHARS."""
    f = mistake.failure
    lines = []
    for language in languages(lang):
        items = ", ".join(what(r.name, language) for r in mistake.items)
        item = f"{mistake.function}: {items}"
        lost = (_("✗ {item}: 0 of 1 point", item=item) if mistake.max_points == 1 else
                _("✗ {item}: 0 of {points} points", item=item,
                  points=points_text(mistake.max_points)))
        lines.append(render(lost, language))
        lines.append("    " + summary_line(render(f.summary, language)))
        if f.diagnosis:
            lines.append("    " + render(_("Looks like: {diagnosis}", diagnosis=f.diagnosis),
                                         language))
        if mistake.hint:
            lines.append("    " + render(_("Hint: {hint}", hint=mistake.hint), language))
    if mistake.shows_case:
        lines += [_indent(line, "    ") if line else "" for line in _lines_of_case(f, lang)]
    text = "\n".join(lines)
    return text if len(text) <= MAX_MISTAKE_CHARS else text[: MAX_MISTAKE_CHARS - 1] + "…"


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
        "rlimit-as-other-user": _("a separate process of an unprivileged user of its own, "
                                  "which sees only Python and numpy, with memory and time "
                                  "limits (bubblewrap was not available)"),
        "rlimit-as-self": _("a separate process with memory and time limits, as the "
                            "grader's own user: it could read and change the grader's "
                            "files (bubblewrap was not available)"),
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


def problems_shown(record: GradeRecord) -> bool:
    """Whether the student reads the submission's problems: only when points were lost
    (a file that exits at import after defining every function right lost nothing)."""
    return bool(record.problems) and any(not r.passed for r in record.items)


def _record_text(record: GradeRecord, language: str) -> str:
    lost = [r for r in record.items if not r.passed]
    lines = [render(_("Score: {score} / {max_score}", score=points_text(record.score),
                      max_score=points_text(record.max_score)), language)]
    if problems_shown(record):
        lines += ["", render(_("Problems with the submission:"), language)]
        lines += [f"  - {_indent_after_first(render(p, language), '    ')}"
                  for p in record.problems]
        if nothing_loaded(record):
            lines += [render(_("Because of this, none of your functions could be found; "
                               "fix the problem above first."), language)]
    if lost:
        lines += ["", render(_("{lost} of {total} items lost points:", lost=len(lost),
                               total=len(record.items)), language)]
        lines += [f"  - {title(r.name, language)} ({points_text(r.points)}/"
                  f"{points_text(r.max_points)})"
                  + (f": {render(r.failure.diagnosis, language)}"
                     if r.failure and r.failure.diagnosis else "")
                  for r in lost]
    else:
        lines += ["", render(_("Every item passed."), language)]
    return "\n".join(lines)


def explain(results: Iterable[ItemResult], lang: str = DEFAULT_LANG) -> str:
    """The lost items of ``results`` as text, one block per mistake (:func:`mistake_text`);
    '' when nothing was lost."""
    return "\n\n".join(mistake_text(m, lang) for m in mistakes(results))


def _points_of(result: ItemResult) -> str:
    return f"{points_text(result.points)}/{points_text(result.max_points)}"


# --------------------------------------------------------------------------- the page

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto;
       padding: 0 1rem; color: #222; line-height: 1.45; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
.score { font-size: 1.3rem; font-weight: bold; }
table { border-collapse: collapse; } td, th { padding: .2rem .6rem; border-bottom: 1px solid #ddd; }
td.pts { text-align: right; font-variant-numeric: tabular-nums; }
tr.lost td { background: #fff4f4; } tr.ok td { color: #555; }
.item { border: 1px solid #ddd; border-left: 6px solid #c33; border-radius: 4px;
        padding: .5rem 1rem; margin: 1rem 0; }
.cost { color: #444; }
.diagnosis { background: #fff8e1; padding: .4rem .6rem; border-radius: 4px; }
pre { background: #f6f6f6; padding: .5rem; overflow-x: auto; font-size: .85rem; }
figure.maps { margin: .5rem 0; }
figure.maps svg { margin-right: 1.5rem; vertical-align: top; }
figcaption { font-size: .85rem; color: #555; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden;
           clip: rect(0 0 0 0); white-space: nowrap; }
.problems { background: #fdecea; padding: .5rem 1rem; border-radius: 4px; }
"""

#: Why a mistake shows up under one function only (``autograder.provided``).
EARLIER_FUNCTIONS = _("While a function is graded, the calls of earlier functions that a "
                      "correct version makes on the input being graded (conv2d inside "
                      "tiny_cnn_forward, say) give correct answers, so a mistake costs only "
                      "the items of the function it is in; any other call runs your own "
                      "function.")


def _escape(value: Any) -> Any:
    """How the template escapes a value: as ``html.escape`` does. Autoescaping (markupsafe)
    writes quotes as ``&#34;``/``&#39;``, ``html.escape`` as ``&quot;``/``&#x27;``: a text
    with a quote is escaped here (and marked done), any other is left to autoescaping,
    which gives the same bytes for it."""
    if isinstance(value, str) and not isinstance(value, Markup) and (
            '"' in value or "'" in value):
        return Markup(html.escape(value))
    return value


@cache
def _template(name: str) -> jinja2.Template:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             finalize=_escape, keep_trailing_newline=True,
                             undefined=jinja2.StrictUndefined)
    return env.get_template(name)


def _each(lang: str, text: Callable[[str], str]) -> list[tuple[str, str]]:
    """(language, text) for each language of ``lang`` in which ``text(language)`` reads
    differently (a text that reads the same in both is given once)."""
    said: list[tuple[str, str]] = []
    for language in languages(lang):
        shown = text(language)
        if shown not in [t for _, t in said]:
            said.append((language, shown))
    return said


def _said(text: Any, lang: str) -> list[tuple[str, str]]:
    """A message in each language of ``lang`` (:func:`_each`)."""
    return _each(lang, lambda language: render(text, language))


def _block(lang: str, pieces: list[Any], cls: str = "", sep: str = "<br>") -> dict[str, Any]:
    """One paragraph per language of ``lang`` holding ``pieces``: messages, functions of
    the language giving the text, or (label, text) pairs shown as a bold label and its
    text."""
    def one(piece: Any, language: str) -> Any:
        if callable(piece):
            return piece(language)
        if isinstance(piece, tuple):
            return (render(piece[0], language), render(piece[1], language))
        return render(piece, language)

    return {"by_language": [(language, [one(p, language) for p in pieces])
                            for language in languages(lang)],
            "cls": cls, "sep": Markup(sep), "marked": len(languages(lang)) > 1}


def _case_text(case: dict[str, Any], lang: str) -> str:
    return "\n".join(f"{k} = {_indent_after_first(format_value(v, lang), '    ')}"
                     for k, v in case.items())


def _compared_text(expected: Any, got: Any, lang: str) -> str:
    """Expected and got, each after its label in ``lang`` (both languages for "ko+en")."""
    return (f"{label(_('expected'), lang)}: {format_value(expected, lang)}"
            f"\n\n{label(_('got'), lang)}: {format_value(got, lang)}")


def _card(mistake: Mistake, lang: str) -> dict[str, Any]:
    """What the page shows for one mistake (one lost item, or a function's items that
    share a cause)."""
    f, shown = mistake.failure, mistake.shown
    single = len(mistake.items) == 1
    box: dict[str, Any] = {
        "anchor": _anchor(shown.name if single else mistake.items[0].name, single),
        "heading": title(shown.name, lang) if single else mistake.function,
        "points": f"{points_text(mistake.points)}/{points_text(mistake.max_points)}",
        "cost": None if single else [
            {"anchor": _anchor(r.name), "what": what(r.name, lang), "points": _points_of(r)}
            for r in mistake.items],
        "items_label": _said(_("Items lost to this mistake"), lang),
        "summary": _block(lang, [lambda language: summary_line(render(f.summary, language))]),
        "diagnosis": None, "case": "", "compared": "", "maps": None, "where": None,
        "traceback": "",
    }
    pairs = [(_("Looks like:"), f.diagnosis)] if f.diagnosis else []
    pairs += [(_("Hint:"), mistake.hint)] if mistake.hint else []
    if pairs:
        box["diagnosis"] = _block(lang, pairs, "diagnosis")
    if not mistake.shows_case:
        return box
    if f.case:
        box["case_title"] = (_said(_("Smallest failing case"), lang) if single else _each(
            lang, lambda language: render(_("Smallest failing case ({item})",
                                            item=what(shown.name, language)), language)))
        box["case"] = _case_text(f.case, lang)
    expected, got = expected_shown(f), got_shown(f)
    if expected is not None or got is not None:
        box["compared_title"] = _said(_("Expected (reference) and got (your code)"), lang)
        box["maps"] = heatmaps(expected, got, lang)
        box["compared"] = _compared_text(expected, got, lang)
    if f.where:
        box["where"] = _block(lang, [(_("Where:"), f.where)])
    if f.traceback:
        box["traceback_title"] = _said(_("Your code raised"), lang)
        box["traceback"] = f.traceback.rstrip()
    return box


def heatmaps_html(expected: Any, got: Any, lang: str = DEFAULT_LANG) -> str:
    """Expected, got and difference as the page draws them; '' when there is nothing to
    draw."""
    maps = heatmaps(expected, got, lang)
    return "" if maps is None else str(_template("feedback_parts.html").module.heatmaps(maps))


def mistake_html(mistake: Mistake, lang: str = DEFAULT_LANG) -> str:
    """The card for one mistake, as the page shows it."""
    return str(_template("feedback_parts.html").module.card(_card(mistake, lang)))


def failure_html(result: ItemResult, lang: str = DEFAULT_LANG) -> str:
    """The card for one item that lost points, as the page shows it."""
    return mistake_html(Mistake(function_of(result.name), (result,), result), lang)


def _anchor(name: str, single: bool = True) -> str:
    """The id of an item's place on the page (its card, or its line in a group's card)."""
    slug = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
    return ("item-" if single else "mistake-") + slug


def feedback_html(record: GradeRecord, lang: str = DEFAULT_LANG,
                  late: Message | None = None) -> str:
    """The whole page for one submission: standalone, escaped, deterministic. ``lang``:
    "ko", "en" or "ko+en" (each text in Korean, then English, each block marked with its
    ``lang``; the page's own language is the first). ``late``: the lateness paragraph
    shown under the title (:func:`autograder.reports.late.late_message`), if any."""
    langs = languages(lang)
    score, top = points_text(record.score), points_text(record.max_score)
    lost = [r for r in record.items if not r.passed]
    unloaded = nothing_loaded(record)  # the problems box says why; no card per function
    cards = [] if unloaded else mistakes(record.items)
    page = {
        "lang": langs[0], "style": Markup(STYLE),
        "title": label(_("conv-lab feedback: {student}", student=record.student), lang),
        "heading": _said(_("conv-lab feedback for {student}", student=record.student), lang),
        "late": render_all(late, lang) if late is not None else [],
        "score_line": f"{score} / {top}" if len(langs) > 1 else "",
        "score_label": _said(_("Score"), lang),
        "score": _block(lang, [_("Score: {score} / {max_score}", score=score,
                                 max_score=top)], "score"),
        "intro": _block(lang, [_("The grader compared your code with the reference solution "
                                 "on many small inputs; for each mistake it found, the "
                                 "smallest failing input is shown below."),
                               EARLIER_FUNCTIONS]),
        "problems": [_said(p, lang) for p in record.problems] if problems_shown(record) else [],
        "problems_title": _said(_("Problems with your submission"), lang),
        "nothing_loaded": _block(lang, [_("Because of this, none of your functions could be "
                                          "found; fix the problem above first.")])
        if unloaded else None,
        "items_title": _said(_("Items"), lang),
        "item_column": _said(_("item"), lang), "points_column": _said(_("points"), lang),
        "rows": [{"passed": r.passed, "name": title(r.name, lang),
                  "anchor": "" if unloaded else _anchor(r.name), "points": _points_of(r)}
                 for r in record.items],
        "details_title": _said(_("What went wrong") if lost
                               else _("Every item passed. Well done!"), lang),
        "cards": [_card(m, lang) for m in cards],
    }
    return _template("feedback.html").render(page=page)
