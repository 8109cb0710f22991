"""What grading produces: one result per rubric item, one record per submission.

These plain dataclasses are the hand-off between the checks (which fill them) and the
reports (``grades.csv``, Gradescope ``results.json``, ``feedback.html``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Failure:
    """Why an item lost points, in terms a student can act on.

    - summary: one line, e.g. "wrong values at 3 of 16 positions"
    - case: the minimal failing inputs hypothesis shrank to (name -> small value)
    - expected, got: the reference's and the student's outputs for that case
    - where: where they differ, e.g. "first difference at [0, 1, 2, 0]: expected 1.5, got -1.5"
    - traceback: the student's exception, trimmed to the student's own frames
    - diagnosis: the named misconception when the output matches a known mistake
    - hint: what to look at next
    """

    summary: str
    case: dict[str, Any] = field(default_factory=dict)
    expected: Any = None
    got: Any = None
    where: str = ""
    traceback: str = ""
    diagnosis: str | None = None
    hint: str = ""


@dataclass
class ItemResult:
    name: str
    points: float
    max_points: float
    failure: Failure | None = None

    @property
    def passed(self) -> bool:
        return self.failure is None


@dataclass
class GradeRecord:
    """Everything known about one submission after grading."""

    student: str
    items: list[ItemResult]
    sandbox: str  # "bubblewrap", "rlimit" or "in-process"
    problems: list[str] = field(default_factory=list)  # e.g. "SyntaxError in line 12: ..."
    seconds: float = 0.0
    limits: str = ""  # the sandbox's resource limits that applied, in words

    @property
    def score(self) -> float:
        return sum(r.points for r in self.items)

    @property
    def max_score(self) -> float:
        return sum(r.max_points for r in self.items)
