"""Integrity signals: groups of students whose work is identical where it should not be.

These are signals for a person to look at, not verdicts. Two kinds:

- identical wrong answers: the same wrong value on the same shrunk case, for the same
  items (:func:`output_clusters`). Students who make the same known mistake give the same
  wrong answer on their own, so each item says which mistake explains it, if one does;
- identical code: the same graded functions after normalising names, whitespace,
  comments and docstrings (:func:`code_clusters`, fingerprints from :mod:`.fingerprint`).
  Code identical to the bundled model solution is marked as such.

A cluster groups the students who share the same set of identical things: each one is a
``Cluster`` with the students (a list of names) and the evidence, item by item or function
by function, side by side.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ..reports.feedback import format_value
from ..results import GradeRecord
from .fingerprint import MIN_NODES, SubmissionPrints
from .outcomes import output_digest

OUTPUT, CODE = "identical wrong answers", "identical code"
#: Characters of a case or an answer kept as evidence.
MAX_SHOWN_CHARS = 1500


@dataclass
class Cluster:
    """Students who share identical wrong answers or identical code.

    - kind: OUTPUT or CODE
    - students: the names, in class order
    - evidence: one dict per item (OUTPUT: item, case, got, explained_by) or per function
      (CODE: function, fingerprint, model_solution, sources: student -> code)
    - unexplained: OUTPUT: how many of the shared wrong answers no known mistake explains
      (those say more than a common mistake does); CODE: how many functions differ from
      the model solution
    """

    kind: str
    students: list[str]
    evidence: list[dict[str, Any]] = field(default_factory=list)
    unexplained: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "students": list(self.students),
                "unexplained": self.unexplained, "evidence": self.evidence}


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else format_value(value)
    return text if len(text) <= MAX_SHOWN_CHARS else text[:MAX_SHOWN_CHARS] + " …"


def _group(keys: dict[tuple[str, str], list[str]], order: dict[str, int]):
    """(thing, digest) -> students  ==>  frozenset(students) -> [(thing, digest)], for
    every thing at least two students share."""
    by_students: dict[tuple[str, ...], list[tuple[str, str]]] = defaultdict(list)
    for key, students in keys.items():
        if len(students) >= 2:
            by_students[tuple(sorted(set(students), key=order.__getitem__))].append(key)
    return by_students


def output_clusters(records: list[GradeRecord]) -> list[Cluster]:
    """Clusters of students with identical wrong answers on the same shrunk cases."""
    order = {r.student: i for i, r in enumerate(records)}
    keys: dict[tuple[str, str], list[str]] = defaultdict(list)
    example: dict[tuple[str, str], Any] = {}
    for record in records:
        for item in record.items:
            digest = output_digest(item.failure) if item.failure is not None else None
            if digest is not None:
                keys[(item.name, digest)].append(record.student)
                example.setdefault((item.name, digest), item.failure)
    clusters = []
    for students, shared in _group(keys, order).items():
        evidence = []
        for name, digest in shared:
            failure = example[(name, digest)]
            evidence.append({"item": name, "digest": digest,
                             "case": _shown(failure.case), "got": _shown(failure.got),
                             "explained_by": failure.diagnosis})
        unexplained = sum(e["explained_by"] is None for e in evidence)
        clusters.append(Cluster(OUTPUT, list(students), evidence, unexplained))
    return _ordered(clusters)


def code_clusters(prints: dict[str, SubmissionPrints],
                  model: dict[str, str] | None = None) -> list[Cluster]:
    """Clusters of submissions whose graded functions are identical after normalising.

    ``prints``: student -> their fingerprints, in class order; ``model``: function ->
    the model solution's fingerprint (code equal to it is marked, not hidden). Functions
    shorter than ``MIN_NODES`` AST nodes are left out (too short to mean anything).
    """
    model = model or {}
    order = {s: i for i, s in enumerate(prints)}
    keys: dict[tuple[str, str], list[str]] = defaultdict(list)
    for student, found in prints.items():
        for function, p in found.functions.items():
            if p.nodes >= MIN_NODES:
                keys[(function, p.digest)].append(student)
    clusters = []
    for students, shared in _group(keys, order).items():
        evidence = []
        for function, digest in shared:
            same_as_model = model.get(function) == digest
            # the model solution's code needs no showing, only naming
            sources = {} if same_as_model else {
                s: prints[s].functions[function].source for s in students}
            evidence.append({"function": function, "fingerprint": digest,
                             "model_solution": same_as_model, "sources": sources})
        unexplained = sum(not e["model_solution"] for e in evidence)
        clusters.append(Cluster(CODE, list(students), evidence, unexplained))
    return _ordered(clusters)


def _ordered(clusters: list[Cluster]) -> list[Cluster]:
    """Most telling first: more unexplained evidence, then more evidence, then smaller."""
    return sorted(clusters, key=lambda c: (-c.unexplained, -len(c.evidence), len(c.students),
                                           c.students))
