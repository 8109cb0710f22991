"""What grading produces: one result per rubric item, one record per submission.

These plain dataclasses are the hand-off between the checks (which fill them) and the
reports (``grades.csv``, Gradescope ``results.json``, ``feedback.html``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class FailureKind(enum.Enum):
    """What kind of outcome cost an item its points (set where the Failure is made)."""

    MISSING = "missing"  # the function is not defined (or not callable)
    NOT_IMPLEMENTED = "not implemented"  # still the stub's NotImplementedError
    ERROR = "error"  # the student's function raised (or tried to exit)
    TIMEOUT = "timeout"  # a call ran past its time limit
    CRASH = "crash"  # the process running the student's code died
    MISMATCH = "mismatch"  # an answer came back and was wrong (see MismatchKind)
    GRADER_ERROR = "grader error"  # the grader failed, not the student
    NOT_GRADED = "not graded"  # the submission as a whole could not be graded (see problems)


class MismatchKind(enum.Enum):
    """How a wrong answer differs from the expected one; shared by
    :class:`autograder.compare.Mismatch` and the misconceptions that explain it."""

    TYPE = "type"  # not the kind of value expected (a float for an int, a list for an array)
    SHAPE = "shape"  # an array of the wrong shape
    DTYPE = "dtype"  # an array of the wrong dtype
    VALUE = "value"  # the right kind of value, wrong numbers
    NO_ERROR = "no error"  # returned although it should have raised
    WRONG_ERROR = "wrong error"  # raised, but not the exception expected


@dataclass
class Failure:
    """Why an item lost points, in terms a student can act on.

    - summary: one line, e.g. "wrong values at 3 of 16 positions"
    - kind: what kind of outcome it was (missing, error, timeout, mismatch, ...)
    - case: the minimal failing inputs hypothesis shrank to (name -> small value)
    - expected, got: the reference's and the student's outputs for that case
    - where: where they differ, e.g. "first difference at [0, 1, 2, 0]: expected 1.5, got -1.5"
    - traceback: the student's exception, trimmed to the student's own frames
    - diagnosis: the named misconception when the output matches a known mistake
    - hint: what to look at next
    - mismatch: for a MISMATCH, how the answer differed (shape, dtype, values, ...)
    """

    summary: str
    kind: FailureKind
    case: dict[str, Any] = field(default_factory=dict)
    expected: Any = None
    got: Any = None
    where: str = ""
    traceback: str = ""
    diagnosis: str | None = None
    hint: str = ""
    mismatch: MismatchKind | None = None


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
    # where it was graded, for the instructor only: {"host": ...} (+ "worker" on a cluster)
    graded_by: dict[str, str] = field(default_factory=dict)

    @property
    def score(self) -> float:
        return sum(r.points for r in self.items)

    @property
    def max_score(self) -> float:
        return sum(r.max_points for r in self.items)
