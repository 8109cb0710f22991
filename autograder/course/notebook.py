"""Scoring inside a notebook: the entry point of nbgrader's hidden-test cells.

    from autograder.course.notebook import score
    score("conv2d", globals())

runs the rubric items of one function against the notebook's own definitions, prints a
plain-text explanation of every mistake to stdout (as ``feedback.html`` gives it: the
items it cost, the diagnosis, the hint, the smallest failing case, expected and got), and
evaluates to the points earned (nbgrader 0.9 records a number as the cell's partial
credit). It writes nothing to stderr: nbgrader scores a test cell 0 when anything appears
there.

The cases are those of ``autograder grade`` with the same seed, the course's term seed
(:func:`course_seed`): from the argument, else the ``CONVLAB_SEED`` environment variable
(``autograder course --seed`` sets it), else ``grading.seed`` in a ``conv-lab.toml`` in the
notebook's folder or above it, else 0. The sandboxed grading of ``autograder course``
takes its seed the same way, so the audit compares like with like. The language is the
course's: from the argument, else ``CONVLAB_LANG`` (``ko``, ``en`` or ``ko+en``), else
``feedback.lang`` in the same ``conv-lab.toml``, else both (Korean first); see
:func:`autograder.i18n.course_lang`.
"""

from __future__ import annotations

import contextlib
import io
import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .. import rubric
from ..i18n import config_value, course_lang
from . import SEED_ENV


def course_seed(seed: int | None = None, start: Path | None = None) -> int:
    """The term's seed: ``seed`` if given, else ``$CONVLAB_SEED``, else ``grading.seed`` in
    the nearest ``conv-lab.toml`` (``start``, default the working folder, or a parent),
    else 0. A malformed value counts as absent: a setting never makes a graded cell fail."""
    if seed is not None:
        return int(seed)
    for value in (os.environ.get(SEED_ENV, "").strip(),
                  config_value("grading", "seed", start or Path.cwd())):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lstrip("-").isdigit():
            return int(value)
    return 0


def seed_from_env(seed: int | None = None) -> int:
    """``seed`` if given, else the course's seed (:func:`course_seed`)."""
    return course_seed(seed)


def explain(results: list, lang: str = "en") -> str:
    """Plain text for the lost items, one block per mistake as ``feedback.html`` shows
    them: the items it cost, the diagnosis and hint, and the smallest failing case with
    what was expected and what came back (bounded); in ``lang`` ("ko+en": each sentence
    in Korean, then in English; the data once)."""
    from ..reports.feedback import explain as explained

    return explained(results, lang)


def score(function: str, namespace: Mapping[str, Any], seed: int | None = None,
          lang: str | None = None) -> float:
    """Grade the rubric items of ``function`` using the definitions in ``namespace``.

    Inputs:
    - function: a student function named in ``autograder.rubric`` (e.g. "conv2d")
    - namespace: where the student's functions live (a notebook's ``globals()``)
    - seed: the term's seed (None: the course's, :func:`course_seed`)
    - lang: "ko", "en" or "ko+en" (None: the course's setting, see the module)

    Returns the points earned, a float between 0 and ``rubric.points_for(function)``.
    Prints an explanation of each lost item to stdout; never writes to stderr.
    """
    if function not in rubric.FUNCTIONS:
        raise ValueError(f"{function!r} is not graded; graded functions: {rubric.FUNCTIONS}")
    sink = io.StringIO()
    with warnings.catch_warnings(), contextlib.redirect_stderr(sink):
        warnings.simplefilter("ignore")
        from ..engine import grade_function, total
        from ..student import InProcessStudent

        results = grade_function(InProcessStudent(namespace), function,
                                 seed=course_seed(seed))
    text = explain(results, course_lang(lang))
    if text:
        print(text)
    return total(results)
