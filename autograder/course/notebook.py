"""Scoring inside a notebook: the entry point of nbgrader's hidden-test cells.

    from autograder.course.notebook import score
    score("conv2d", globals())

runs the rubric items of one function against the notebook's own definitions, prints a
short plain-text explanation of every lost item to stdout, and evaluates to the points
earned (nbgrader 0.9 records a number as the cell's partial credit). It writes nothing
to stderr: nbgrader scores a test cell 0 when anything appears there.

The cases are those of ``autograder grade`` with the same seed: from the argument, else
the ``CONVLAB_SEED`` environment variable, else 0.
"""

from __future__ import annotations

import contextlib
import io
import os
import warnings
from collections.abc import Mapping
from typing import Any

from .. import rubric


def seed_from_env(seed: int | None = None) -> int:
    """``seed`` if given, else ``$CONVLAB_SEED``, else 0."""
    if seed is not None:
        return int(seed)
    text = os.environ.get("CONVLAB_SEED", "").strip()
    try:
        return int(text) if text else 0
    except ValueError:
        return 0  # a malformed variable must not make the cell fail


def explain(results: list) -> str:
    """Plain text for the lost items: what failed, on which case, and what to look at."""
    lines = []
    for r in results:
        if r.passed:
            continue
        f = r.failure
        lines.append(f"✗ {r.name}: 0 of {r.max_points:g} points")
        lines.append(f"    {f.summary}")
        if f.where:
            lines.append(f"    {f.where}")
        if f.diagnosis:
            lines.append(f"    likely mistake: {f.diagnosis}")
        if f.hint:
            lines.append(f"    hint: {f.hint}")
    return "\n".join(lines)


def score(function: str, namespace: Mapping[str, Any], seed: int | None = None) -> float:
    """Grade the rubric items of ``function`` using the definitions in ``namespace``.

    Inputs:
    - function: a student function named in ``autograder.rubric`` (e.g. "conv2d")
    - namespace: where the student's functions live (a notebook's ``globals()``)
    - seed: the term's seed (None: ``$CONVLAB_SEED`` or 0)

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
                                 seed=seed_from_env(seed))
    text = explain(results)
    if text:
        print(text)
    return total(results)
