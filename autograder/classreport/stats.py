"""The numbers of a class report, computed from the records (and, for code signals, the
submissions' fingerprints): :func:`build_report` returns a :class:`ClassReport`.

A submission that attempted nothing (every item not implemented or missing, or the file
not loadable) is counted apart: it is in the score distribution and the list of
students, but not in the items' pass rates or the misconceptions' shares, which would
otherwise say that a class missed what it never tried.
"""

from __future__ import annotations

import functools
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from .. import rubric
from ..names import safe_name
from ..results import GradeRecord
from .catalogue import misconception_functions, misconception_info
from .fingerprint import SubmissionPrints
from .outcomes import (
    CRASH,
    ERROR,
    MISMATCH,
    MISSING,
    NOT_GRADED,
    NOT_IMPLEMENTED,
    TIMEOUT,
    failure_kind,
)
from .signals import Cluster, code_clusters, output_clusters

DEFAULT_AT_RISK = 50.0
#: Score histogram bins: 0–10, 10–20, …, 90–100 (100 falls in the last one).
SCORE_BINS = tuple(range(0, 101, 10))


#: Failure kinds that mean the student wrote nothing the grader could run.
NOTHING_KINDS = frozenset({NOT_IMPLEMENTED, MISSING, NOT_GRADED})


def attempted_nothing(record: GradeRecord) -> bool:
    """True when every item of ``record`` failed as not implemented, missing or not graded
    (the file could not be loaded): the student attempted nothing gradable."""
    return bool(record.items) and all(
        r.failure is not None and failure_kind(r.failure) in NOTHING_KINDS
        for r in record.items)


def function_of(item: str) -> str:
    """The function an item grades (``"conv2d: bias"`` -> ``"conv2d"``)."""
    return item.split(":", 1)[0]


def percent(score: float, max_score: float) -> float:
    """``score`` as a percentage of ``max_score`` (0 when nothing was graded)."""
    return 100.0 * score / max_score if max_score else 0.0


@dataclass
class StudentRow:
    name: str
    score: float
    max_score: float
    percent: float
    seconds: float
    sandbox: str
    parts: dict[str, float]  # notebook stem -> percent of its graded points
    weakest: str | None  # the notebook with the lowest percent
    misconceptions: list[str]
    problems: list[str]
    feedback: str  # relative link to the student's feedback.html
    attempted: bool = True  # False: every item not implemented, missing or not graded


@dataclass
class ItemRow:
    name: str
    notebook: str
    points: float
    graded: int
    passed: int
    kinds: dict[str, int]  # failure kind -> students

    @property
    def failed(self) -> int:
        return self.graded - self.passed

    @property
    def pass_rate(self) -> float:
        return self.passed / self.graded if self.graded else 0.0


@dataclass
class MisconceptionRow:
    name: str
    explanation: str
    hint: str
    functions: tuple[str, ...]
    items: dict[str, int]  # item -> students whose failure there it explains
    students: list[str]
    found_in: dict[str, list[str]] = field(default_factory=dict)  # student -> functions

    @property
    def count(self) -> int:
        return len(self.students)

    def functions_found(self) -> dict[str, int]:
        """function -> how many students it was found in, most first."""
        counts = Counter(f for functions in self.found_in.values() for f in functions)
        return dict(counts.most_common())


@dataclass
class ClassReport:
    """Everything the class report shows. ``students`` in class order, ``items`` from most
    missed, ``misconceptions`` from most common, ``clusters`` most telling first."""

    students: list[StudentRow]
    items: list[ItemRow]
    misconceptions: list[MisconceptionRow]
    output_clusters: list[Cluster]
    code_clusters: list[Cluster] | None  # None: the sources were not available
    at_risk: float
    notes: list[str] = field(default_factory=list)

    @property
    def at_risk_students(self) -> list[StudentRow]:
        return [s for s in self.students if s.percent < self.at_risk]

    @property
    def nothing_attempted(self) -> list[str]:
        """Students whose submission attempted nothing, in class order."""
        return [s.name for s in self.students if not s.attempted]

    @property
    def attempted(self) -> int:
        """How many students attempted something: the base of every rate but the scores'."""
        return sum(s.attempted for s in self.students)

    @property
    def sandboxes(self) -> dict[str, int]:
        return dict(Counter(s.sandbox for s in self.students).most_common())

    def part_stats(self) -> list[dict[str, Any]]:
        """Per notebook graded: stem, titles, mean and median percent over the class."""
        rows = []
        for part in rubric.PARTS:
            values = [s.parts[part.stem] for s in self.students if part.stem in s.parts]
            if values:
                rows.append({"notebook": part.stem, "title_en": part.title_en,
                             "title_ko": part.title_ko, "mean": statistics.fmean(values),
                             "median": statistics.median(values)})
        return rows

    def score_stats(self) -> dict[str, float]:
        values = [s.percent for s in self.students] or [0.0]
        return {"mean": statistics.fmean(values), "median": statistics.median(values),
                "min": min(values), "max": max(values)}

    def histogram(self) -> list[int]:
        """Students per score bin (``SCORE_BINS``)."""
        counts = [0] * (len(SCORE_BINS) - 1)
        for s in self.students:
            counts[min(int(s.percent // 10), len(counts) - 1)] += 1
        return counts

    def to_json(self) -> dict[str, Any]:
        times = [s.seconds for s in self.students] or [0.0]
        return {
            "at_risk_threshold": self.at_risk,
            "summary": {**self.score_stats(), "students": len(self.students),
                        "attempted": self.attempted,
                        "nothing_attempted": len(self.nothing_attempted),
                        "histogram": {"bins": list(SCORE_BINS), "counts": self.histogram()}},
            "nothing_attempted": self.nothing_attempted,
            "notebooks": self.part_stats(),
            "students": [{
                "name": s.name, "score": s.score, "max_score": s.max_score,
                "percent": round(s.percent, 4), "notebooks": s.parts, "weakest": s.weakest,
                "at_risk": s.percent < self.at_risk, "seconds": round(s.seconds, 3),
                "sandbox": s.sandbox, "misconceptions": s.misconceptions,
                "problems": s.problems, "feedback": s.feedback, "attempted": s.attempted,
            } for s in self.students],
            "items": [{
                "name": i.name, "notebook": i.notebook, "points": i.points,
                "pass_rate": i.pass_rate, "graded": i.graded, "passed": i.passed,
                "failed": i.failed, "timed_out": i.kinds.get(TIMEOUT, 0),
                "crashed": i.kinds.get(CRASH, 0), "raised": i.kinds.get(ERROR, 0),
                "failures": i.kinds,
            } for i in self.items],
            "misconceptions": [{
                "name": m.name, "count": m.count,
                "share": m.count / self.attempted if self.attempted else 0.0,
                "explanation": m.explanation, "hint": m.hint, "functions": list(m.functions),
                "items": m.items, "students": m.students, "found_in": m.found_in,
            } for m in self.misconceptions],
            "clusters": [c.to_json() for c in self.output_clusters + (self.code_clusters or [])],
            "grading_time": {"seconds": [round(t, 3) for t in times],
                             "mean": statistics.fmean(times), "median": statistics.median(times),
                             "max": max(times)},
            "sandboxes": self.sandboxes,
            "notes": self.notes,
        }


def _student_row(record: GradeRecord) -> StudentRow:
    earned: dict[str, float] = defaultdict(float)
    possible: dict[str, float] = defaultdict(float)
    for r in record.items:
        stem = _notebook_of(r.name)
        if not stem:  # an extra item (pytest plugin) belongs to no notebook
            continue
        earned[stem] += r.points
        possible[stem] += r.max_points
    parts = {stem: percent(earned[stem], possible[stem]) for stem in possible}
    weakest = min(parts, key=parts.__getitem__) if parts else None
    found = [r.failure.diagnosis for r in record.items
             if r.failure is not None and r.failure.diagnosis]
    return StudentRow(record.student, record.score, record.max_score,
                      percent(record.score, record.max_score), record.seconds, record.sandbox,
                      parts, weakest, list(dict.fromkeys(found)), list(record.problems),
                      f"{safe_name(record.student)}/feedback.html",
                      not attempted_nothing(record))


@functools.lru_cache(maxsize=4096)
def _notebook_of(item: str) -> str:
    """The notebook (stem) that teaches ``item``'s function; '' for an item of none."""
    try:
        return rubric.part_of(item.split(":", 1)[0]).stem
    except KeyError:
        return ""


def _item_rows(records: list[GradeRecord]) -> list[ItemRow]:
    """Every item's counts over the students who attempted something."""
    rows: dict[str, ItemRow] = {}
    rubric_order = {it.name: i for i, it in enumerate(rubric.ITEMS)}
    for record in records:
        counted = not attempted_nothing(record)
        for r in record.items:
            row = rows.get(r.name)
            if row is None:
                row = rows[r.name] = ItemRow(r.name, _notebook_of(r.name), r.max_points, 0, 0,
                                             {})
            if not counted:
                continue
            row.graded += 1
            if r.passed:
                row.passed += 1
            else:
                kind = failure_kind(r.failure)
                row.kinds[kind] = row.kinds.get(kind, 0) + 1
    return sorted(rows.values(), key=lambda row: (row.pass_rate, -row.points,
                                                  rubric_order.get(row.name, 1 << 30)))


def _misconception_rows(records: list[GradeRecord]) -> list[MisconceptionRow]:
    # name -> student -> the functions it was found in (a dict keeps class order)
    found: dict[str, dict[str, list[str]]] = defaultdict(dict)
    items: dict[str, Counter] = defaultdict(Counter)
    for record in records:
        for r in record.items:
            name = r.failure.diagnosis if r.failure is not None else None
            if not name:
                continue
            items[name][r.name] += 1
            functions = found[name].setdefault(record.student, [])
            if function_of(r.name) not in functions:
                functions.append(function_of(r.name))
    rows = []
    for name, where in found.items():
        explanation, hint = misconception_info(name)
        rows.append(MisconceptionRow(name, explanation, hint, misconception_functions(name),
                                     dict(items[name].most_common()), list(where), where))
    return sorted(rows, key=lambda m: (-m.count, m.name))


def build_report(
    records: list[GradeRecord],
    *,
    at_risk: float = DEFAULT_AT_RISK,
    prints: dict[str, SubmissionPrints] | None = None,
    model: dict[str, str] | None = None,
) -> ClassReport:
    """The class report of ``records`` (class order kept).

    ``prints`` (student -> fingerprints of their submission) enables the identical-code
    signal; without it that section says the sources were not given. ``at_risk``: the
    percentage below which a student is listed.
    """
    notes = []
    code = None
    if prints is not None:
        code = code_clusters(prints, model)
        for student, found in prints.items():
            notes += [f"{student}: {note}" for note in found.notes]
    return ClassReport(
        students=[_student_row(r) for r in records],
        items=_item_rows(records),
        misconceptions=_misconception_rows(records),
        output_clusters=output_clusters(records),
        code_clusters=code,
        at_risk=at_risk,
        notes=notes,
    )


__all__ = ["DEFAULT_AT_RISK", "MISMATCH", "ClassReport", "ItemRow", "MisconceptionRow",
           "StudentRow", "attempted_nothing", "build_report", "function_of", "percent"]
