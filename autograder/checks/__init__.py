"""The grader's checks: one function per rubric item, registered by ``@check``.

A check takes a :class:`autograder.student.Student`, calls the student's function
through it, and raises :class:`autograder.compare.Mismatch` (or lets the student's own
exception through) when the answer is wrong. Most are hypothesis tests::

    @check("conv2d: stride", hint="...")
    @given(case=conv_cases(geometries=valid_geometries(max_stride=3)))
    def conv2d_stride(student, case): ...

Points come from :mod:`autograder.rubric` only; every rubric item has exactly one check.
The hypothesis settings are fixed here (derandomized, no database, no deadline, quiet);
the engine picks the seed.

Hypothesis draws each case's geometry and the seeds of its arrays; a check gets the arrays
themselves, made from those seeds under the submission's salt when it runs
(``strategies.made``). A check whose cases hold no array (the sizes of ``output_size``)
says ``per_submission="cases"``: the engine then mixes the salt into its seed instead.
"""

from __future__ import annotations

import functools
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from hypothesis import HealthCheck, Phase, Verbosity, settings
from hypothesis.configuration import set_hypothesis_home_dir

from .. import rubric
from ..strategies import SALT, made

# Hypothesis caches what it reads from source files in ./.hypothesis/ even without a
# database. Grading runs in course and student folders (nbgrader's hidden cells run in the
# source folder, whose contents get released): keep that cache in the temp folder instead.
if not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
    set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "convlab-hypothesis")

CheckFn = Callable[..., None]

#: Settings every hypothesis-driven check runs with (``max_examples`` set per check).
GRADER_SETTINGS = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=12,
    suppress_health_check=list(HealthCheck),
    verbosity=Verbosity.quiet,
    report_multiple_bugs=False,
    print_blob=False,
    phases=(Phase.explicit, Phase.generate, Phase.shrink),  # no "explain": extra student calls
)


@dataclass(frozen=True)
class Check:
    """A registered check: its rubric item, the function it runs, and a hint for students."""

    item: rubric.Item
    run: CheckFn
    hint: str
    #: what differs from one submission to the next: the arrays' "values" (the geometry
    #: stays the term's), or, for checks without arrays, the "cases" themselves
    per_submission: Literal["values", "cases"] = "values"

    @property
    def function(self) -> str:
        return self.item.function

    @property
    def uses_hypothesis(self) -> bool:
        return hasattr(self.run, "hypothesis")


#: Rubric item name → its check, filled in as the check modules are imported.
REGISTRY: dict[str, Check] = {}


def check(name: str, *, hint: str = "", max_examples: int = 12,
          per_submission: Literal["values", "cases"] = "values") -> Callable[[CheckFn], CheckFn]:
    """Register the decorated function as the check of rubric item ``name``.

    ``hint`` is shown to students whose answer fails this item; ``max_examples`` bounds
    the cases hypothesis draws (small: student code may be slow loops);
    ``per_submission``: see :attr:`Check.per_submission`.
    """
    item = rubric.item(name)  # KeyError for a name that is not in the rubric

    def register(fn: CheckFn) -> CheckFn:
        if name in REGISTRY:
            raise ValueError(f"rubric item {name!r} already has a check")
        if hasattr(fn, "hypothesis"):
            fn = settings(GRADER_SETTINGS, max_examples=max_examples)(fn)
            fn.hypothesis.inner_test = _made_when_run(fn.hypothesis.inner_test)
        REGISTRY[name] = Check(item, fn, hint, per_submission)
        return fn

    return register


def _made_when_run(test: CheckFn) -> CheckFn:
    """``test`` given its case's arrays, made under the salt of the submission graded."""
    @functools.wraps(test)
    def run(*args: object, **kwargs: object) -> None:
        salt = SALT.get()
        test(*made(args, salt), **made(kwargs, salt))

    return run


#: A "rejects ..." item passes when bad input raises ValueError, which a function that
#: raises on everything does too. So it earns its points only when the same function also
#: answers valid input: its prerequisite item (item → prerequisite) must pass as well. The
#: prerequisites are the function's most basic valid-input items, which no single classic
#: mistake in the rejecting logic breaks (see README, design decisions).
PREREQUISITES: dict[str, str] = {
    "output_size: rejects non-integer sizes": "output_size: lecture examples",
    "conv2d: rejects bad geometry": "conv2d: output shape",
}
for _item, _needed in PREREQUISITES.items():  # a renamed item fails here, at import
    if rubric.item(_item).function != rubric.item(_needed).function:
        raise ValueError(f"{_item!r} must depend on an item of the same function")


def checks_for(function: str | None = None) -> list[Check]:
    """The checks in rubric order, all of them or those of one student function."""
    return [
        REGISTRY[it.name] for it in rubric.ITEMS
        if it.name in REGISTRY and (function is None or it.function == function)
    ]


# Importing the modules registers their checks.
from . import backprop, conv, geometry, layers, padding, pooling  # noqa: E402, F401
