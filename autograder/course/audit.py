"""Compare nbgrader's in-kernel scores with the sandboxed ones; flag the suspicious.

nbgrader runs the hidden tests in the student's own kernel, after the student's cells: a
cell that patches numpy, ``np.allclose`` or ``autograder.course.notebook.score`` changes what
the tests see. ``autograder grade`` runs the same checks outside the student's reach. An
honest notebook gets the same score both ways; one whose in-kernel score is *higher* than
its sandboxed score is flagged for a human to look at.

In-kernel scores are read from the autograded notebooks themselves (the outputs of the
hidden-test cells, scored with nbgrader's own ``determine_grade``), so they survive
``autograder.course.gradebook.write_scores`` replacing them in the gradebook.

:func:`changed_cells` says, per student, whether a submission really changed a locked cell
(a test cell, the provided code) from the form the students received: nbgrader restores
such cells before grading and warns, and its collect warns "cheating attempt?" whenever a
submission's files belong to another account than the student id (every ``nbgrader submit
--student X`` on a shared account), so the instructor needs to know which warnings stand
for a real change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
from nbgrader.utils import determine_grade, is_grade

from ..results import GradeRecord
from .gradebook import GradedCell, graded_cells, handed_in, open_gradebook, sandboxed_score
from .preprocessors import released_source

#: nbgrader prints partial credit as a float; differences below this are rounding
TOLERANCE = 1e-6


@dataclass(frozen=True)
class AuditRow:
    """One student's one hidden-test cell, scored both ways.

    in_kernel is None when the student handed the notebook in but nbgrader produced no
    autograded notebook for it; a notebook not handed in scores 0 both ways, as in nbgrader."""

    student: str
    notebook: str
    grade_id: str
    functions: tuple[str, ...]
    in_kernel: float | None
    sandboxed: float
    max_score: float

    @property
    def flagged(self) -> bool:
        """In-kernel scored higher than the sandbox: the student's kernel was not honest."""
        return self.in_kernel is not None and self.in_kernel > self.sandboxed + TOLERANCE

    @property
    def status(self) -> str:
        if self.in_kernel is None:
            return "no in-kernel score"
        if self.flagged:
            return "FLAG: in-kernel higher"
        if self.in_kernel < self.sandboxed - TOLERANCE:
            return "in-kernel lower"
        return "same"


def in_kernel_scores(path: Path) -> dict[str, float]:
    """grade_id -> nbgrader's score of each grade cell in an autograded notebook."""
    nb = nbformat.read(path, as_version=4)
    scores = {}
    for cell in nb.cells:
        if is_grade(cell):
            try:
                score, _ = determine_grade(cell)
            except (ValueError, KeyError):  # e.g. it printed more than the cell's points
                score = float(cell.metadata.nbgrader.get("points", 0.0))
            scores[cell.metadata.nbgrader["grade_id"]] = float(score or 0.0)
    return scores


def audit(course_dir: Path | str, assignment: str, records: Iterable[GradeRecord],
          course_id: str | None = None) -> list[AuditRow]:
    """One AuditRow per (student, hidden-test cell), students in the records' order.

    Inputs:
    - course_dir: the nbgrader course directory, after ``nbgrader autograde``
    - records: sandboxed GradeRecords, ``record.student`` = nbgrader student id
    """
    course_dir = Path(course_dir)
    with open_gradebook(course_dir, course_id) as gb:
        cells = graded_cells(gb, assignment)
    rows = []
    for record in records:
        folder = course_dir / "autograded" / record.student / assignment
        kernel: dict[str, dict[str, float]] = {}
        for cell in cells:
            if cell.notebook not in kernel:
                path = folder / f"{cell.notebook}.ipynb"
                if path.exists():
                    kernel[cell.notebook] = in_kernel_scores(path)
                elif not handed_in(course_dir, assignment, record.student, cell.notebook):
                    kernel[cell.notebook] = _zeros(cells, cell.notebook)  # nbgrader's rule
                else:
                    kernel[cell.notebook] = {}  # handed in, but nbgrader produced nothing
            rows.append(_row(record, cell, kernel[cell.notebook].get(cell.grade_id),
                             sandboxed_score(course_dir, assignment, record, cell)))
    return rows


def _zeros(cells: list[GradedCell], notebook: str) -> dict[str, float]:
    return {c.grade_id: 0.0 for c in cells if c.notebook == notebook}


def _row(record: GradeRecord, cell: GradedCell, in_kernel: float | None,
         sandboxed: float) -> AuditRow:
    return AuditRow(record.student, cell.notebook, cell.grade_id, cell.functions, in_kernel,
                    sandboxed, cell.max_score)


def flagged_students(rows: Iterable[AuditRow]) -> list[str]:
    """Students with at least one flagged cell, in first-seen order."""
    return list(dict.fromkeys(r.student for r in rows if r.flagged))


def audit_table(rows: Iterable[AuditRow], only_differences: bool = True) -> str:
    """A plain-text table of the rows (by default only those where the scores differ)."""
    rows = [r for r in rows if not only_differences or r.status != "same"]
    header = f"{'student':<16} {'notebook':<28} {'cell':<28} {'in-kernel':>9} " \
             f"{'sandboxed':>9} {'max':>5}  status"
    lines = [header, "-" * len(header)]
    for r in rows:
        kernel = "-" if r.in_kernel is None else f"{r.in_kernel:g}"
        lines.append(f"{r.student:<16} {r.notebook:<28} {r.grade_id:<28} {kernel:>9} "
                     f"{r.sandboxed:>9g} {r.max_score:>5g}  {r.status}")
    if len(lines) == 2:
        lines.append("(in-kernel and sandboxed scores agree everywhere)")
    return "\n".join(lines)


# --------------------------------------------------------------------------- locked cells


@dataclass(frozen=True)
class LockedCell:
    """A locked cell as the gradebook keeps it (its source with any hidden tests)."""

    notebook: str
    grade_id: str
    cell_type: str
    source: str
    points: float | None  # a grade cell's points, else None


def locked_cells(course_dir: Path | str, assignment: str,
                 course_id: str | None = None) -> list[LockedCell]:
    """Every locked cell of ``assignment`` (test cells and provided code), from the
    gradebook that ``generate_assignment`` filled."""
    found = []
    with open_gradebook(course_dir, course_id) as gb:
        for notebook in gb.find_assignment(assignment).notebooks:
            points = {c.name: float(c.max_score) for c in notebook.grade_cells}
            for cell in notebook.source_cells:
                if cell.locked:
                    found.append(LockedCell(notebook.name, cell.name, cell.cell_type,
                                            cell.source or "", points.get(cell.name)))
    return found


def cell_change(cell: LockedCell, submitted: Any) -> str | None:
    """How a submitted cell differs from the locked cell as released ("edited", "cell type
    changed", "points changed"; "deleted" for None), or None if it does not."""
    if submitted is None:
        return "deleted"
    if submitted.cell_type != cell.cell_type:
        return "cell type changed"
    if submitted.source not in (released_source(cell.source), cell.source):
        return "edited"
    meta = submitted.metadata.get("nbgrader", {})
    if cell.points is not None and _number(meta.get("points")) != cell.points:
        return "points changed"
    return None


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def changed_cells(course_dir: Path | str, assignment: str, folders: Mapping[str, Path],
                  course_id: str | None = None) -> dict[str, list[str]]:
    """student -> "<notebook>: <grade id> <how>" for each locked cell their submission
    changed from what was released (``folders``: student -> the folder of their notebooks,
    e.g. the snapshot's). Students whose locked cells are all as released are left out; a
    notebook not handed in or not readable is reported elsewhere, not here."""
    cells = locked_cells(course_dir, assignment, course_id)
    notebooks = sorted({c.notebook for c in cells})
    changed: dict[str, list[str]] = {}
    for student, folder in folders.items():
        for name in notebooks:
            path = Path(folder) / f"{name}.ipynb"
            if not path.is_file():
                continue
            try:
                nb = nbformat.read(path, as_version=4)
            except Exception:  # unreadable notebooks are quarantined and reported
                continue
            by_id = {}
            for c in nb.cells:
                grade_id = c.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                if grade_id:
                    by_id[grade_id] = c  # as DeduplicateIds does, the last copy counts
            for cell in (c for c in cells if c.notebook == name):
                how = cell_change(cell, by_id.get(cell.grade_id))
                if how:
                    changed.setdefault(student, []).append(f"{name}: {cell.grade_id} {how}")
    return changed


def changed_cells_text(changed: Mapping[str, list[str]], students: int) -> str:
    """What :func:`changed_cells` found, for the terminal: one line per student with a
    changed locked cell, or one line saying none of ``students`` changed any."""
    if not changed:
        return (f"locked cells (tests, provided code): as released in all {students} "
                "submission(s)")
    lines = [f"locked cells changed in {len(changed)} of {students} submission(s) (nbgrader "
             "restored them from the source before grading):"]
    lines += [f"  {student}: {', '.join(notes)}" for student, notes in sorted(changed.items())]
    return "\n".join(lines)
