"""The numbers of a class report, computed from the records (and, for code signals, the
submissions' fingerprints): :func:`build_report` returns a :class:`ClassReport`.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from .. import rubric
from ..names import safe_name
from ..results import GradeRecord
from .catalogue import misconception_functions, misconception_info
from .fingerprint import SubmissionPrints
from .outcomes import CRASH, ERROR, MISMATCH, TIMEOUT, failure_kind
from .signals import Cluster, code_clusters, output_clusters

DEFAULT_AT_RISK = 50.0
#: Score histogram bins: 0–10, 10–20, …, 90–100 (100 falls in the last one).
SCORE_BINS = tuple(range(0, 101, 10))


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

    @property
    def count(self) -> int:
        return len(self.students)


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
                        "histogram": {"bins": list(SCORE_BINS), "counts": self.histogram()}},
            "notebooks": self.part_stats(),
            "students": [{
                "name": s.name, "score": s.score, "max_score": s.max_score,
                "percent": round(s.percent, 4), "notebooks": s.parts, "weakest": s.weakest,
                "at_risk": s.percent < self.at_risk, "seconds": round(s.seconds, 3),
                "sandbox": s.sandbox, "misconceptions": s.misconceptions,
                "problems": s.problems, "feedback": s.feedback,
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
                "share": m.count / len(self.students) if self.students else 0.0,
                "explanation": m.explanation, "hint": m.hint, "functions": list(m.functions),
                "items": m.items, "students": m.students,
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
        try:
            stem = rubric.part_of(r.name.split(":", 1)[0]).stem
        except KeyError:  # an extra item (pytest plugin) belongs to no notebook
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
                      f"{safe_name(record.student)}/feedback.html")


def _notebook_of(item: str) -> str:
    try:
        return rubric.part_of(item.split(":", 1)[0]).stem
    except KeyError:
        return ""


def _item_rows(records: list[GradeRecord]) -> list[ItemRow]:
    rows: dict[str, ItemRow] = {}
    rubric_order = {it.name: i for i, it in enumerate(rubric.ITEMS)}
    for record in records:
        for r in record.items:
            row = rows.setdefault(r.name, ItemRow(r.name, _notebook_of(r.name), r.max_points,
                                                  0, 0, {}))
            row.graded += 1
            if r.passed:
                row.passed += 1
            else:
                kind = failure_kind(r.failure)
                row.kinds[kind] = row.kinds.get(kind, 0) + 1
    return sorted(rows.values(), key=lambda row: (row.pass_rate, -row.points,
                                                  rubric_order.get(row.name, 1 << 30)))


def _misconception_rows(records: list[GradeRecord]) -> list[MisconceptionRow]:
    students: dict[str, list[str]] = defaultdict(list)
    items: dict[str, Counter] = defaultdict(Counter)
    for record in records:
        for r in record.items:
            name = r.failure.diagnosis if r.failure is not None else None
            if not name:
                continue
            items[name][r.name] += 1
            if record.student not in students[name]:
                students[name].append(record.student)
    rows = []
    for name, who in students.items():
        explanation, hint = misconception_info(name)
        rows.append(MisconceptionRow(name, explanation, hint, misconception_functions(name),
                                     dict(items[name].most_common()), who))
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
           "StudentRow", "build_report", "percent"]
