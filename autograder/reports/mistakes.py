"""One card per mistake: a function's lost items grouped by what cost them.

A stub loses all 40 items to one fact per function ("not implemented yet"), and a flipped
kernel loses seven ``conv2d`` items to one mistake. Shown item by item that is 40
identical cards, or the same misconception seven times; so the reports group the lost
items of each function that share a cause (:func:`cause`):

- still the stub (``NotImplementedError``), not defined, or not graded at all;
- the same named mistake (the misconception);
- the same exception, crash or time-out, word for word.

Each group is one :class:`Mistake`: its items, and the one whose case is shown (the
smallest, so the easiest to work through by hand). Any other lost item is a mistake of
its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import rubric
from ..i18n import _
from ..results import Failure, FailureKind, ItemResult

#: The kinds of failure whose every item in a function has the same cause.
SAME_CAUSE = (FailureKind.NOT_IMPLEMENTED, FailureKind.MISSING, FailureKind.NOT_GRADED)
#: The kinds of failure grouped when their summaries are the same, word for word.
SAME_WORDS = (FailureKind.ERROR, FailureKind.TIMEOUT, FailureKind.CRASH)
#: The kinds whose case says nothing worth reading (the function never ran its own code).
NO_CASE = (FailureKind.NOT_IMPLEMENTED, FailureKind.MISSING, FailureKind.NOT_GRADED)

#: The hint of a group whose items' own hints differ (one exception, several items).
SAME_ERROR_HINT = _("These items all stopped at the same exception: the traceback shows the "
                    "line of your code it came from.")


@dataclass(frozen=True)
class Mistake:
    """The lost items of one function that share a cause, in rubric order, and the item
    whose case is shown."""

    function: str
    items: tuple[ItemResult, ...]
    shown: ItemResult

    @property
    def failure(self) -> Failure:
        assert self.shown.failure is not None
        return self.shown.failure

    @property
    def points(self) -> float:
        return sum(r.points for r in self.items)

    @property
    def max_points(self) -> float:
        return sum(r.max_points for r in self.items)

    @property
    def hint(self) -> Any:
        """The hint every item of the group shares; for one exception on items with hints of
        their own, :data:`SAME_ERROR_HINT`."""
        hints = {str(r.failure.hint) for r in self.items if r.failure is not None}
        if len(hints) == 1:
            return self.failure.hint
        return SAME_ERROR_HINT

    @property
    def shows_case(self) -> bool:
        """Whether the shown item's case, expected and got are worth reading."""
        return self.failure.kind not in NO_CASE


def function_of(item: str) -> str:
    """The student function an item grades (the part of its name before the colon)."""
    return item.split(":", 1)[0]


def cause(failure: Failure) -> tuple[Any, ...] | None:
    """What a failure shares with its function's other failures of the same cause; None
    for one that is a mistake of its own."""
    if failure.kind in SAME_CAUSE:
        return (failure.kind,)
    if failure.diagnosis:
        return ("diagnosis", str(failure.diagnosis))
    if failure.kind in SAME_WORDS:
        return (failure.kind, str(failure.summary))
    return None


def case_size(failure: Failure) -> int:
    """How many numbers the failure's case holds (a described array counts as large)."""
    total = 0
    for value in failure.case.values():
        if isinstance(value, np.ndarray):
            total += value.size
        elif isinstance(value, (str, bytes)) and str(value).startswith("array of shape"):
            total += 10**6
        else:
            total += 1
    return total


def mistakes(results: Iterable[ItemResult]) -> list[Mistake]:
    """The lost items of ``results`` as mistakes, in the order of each one's first item."""
    groups: dict[tuple[Any, ...], list[ItemResult]] = {}
    for r in results:
        if r.failure is None:
            continue
        key = cause(r.failure)
        groups.setdefault((function_of(r.name), key) if key is not None else (r.name,), []
                          ).append(r)
    return [Mistake(function_of(items[0].name), tuple(items),
                    min(items, key=lambda r: case_size(r.failure)))  # first of the smallest
            for items in groups.values()]


def title(item: str, lang: str) -> str:
    """An item as a student reads it in ``lang`` (its Korean title beside or instead of its
    English name); an item the rubric does not know keeps its name."""
    try:
        return rubric.item(item).title(lang)
    except KeyError:
        return item


def what(item: str, lang: str) -> str:
    """What an item grades, without its function, in ``lang``."""
    try:
        return rubric.item(item).what(lang)
    except KeyError:
        return item.split(": ", 1)[-1]
