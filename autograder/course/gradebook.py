"""Sandboxed scores into nbgrader's gradebook, so formgrader and ``nbgrader export`` show them.

Each hidden-test cell of the course's notebooks grades one or more student functions: its
source calls ``autograder.course.notebook.score(<function>, ...)``. The gradebook keeps every cell's
source as generated (hidden tests included, that is how autograde restores them), so the
mapping grade cell -> functions is read from there, and a cell's sandboxed score is the sum
of the record's rubric items for those functions.

``write_scores`` replaces the cell's ``auto_score`` (the score nbgrader's in-kernel run gave)
and clears "needs manual grade"; a grader's manual override in formgrader still wins, as
always in nbgrader. The in-kernel scores stay in ``autograded/`` notebooks, where
``autograder.course.audit`` reads them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.coursedir import CourseDirectory
from traitlets.config import Config

from .. import rubric
from ..results import GradeRecord

_SCORE_CALL = re.compile(r"\bscore\(\s*['\"]?(\w+)")


@dataclass(frozen=True)
class GradedCell:
    """One hidden-test cell: where it is, what it grades, what it is worth."""

    notebook: str
    grade_id: str
    functions: tuple[str, ...]
    max_score: float


def functions_graded_by(source: str, grade_id: str = "") -> tuple[str, ...]:
    """The student functions a hidden-test cell grades: the names it passes to
    ``score(...)``; failing that, the longest function name inside its grade_id."""
    called = tuple(dict.fromkeys(f for f in _SCORE_CALL.findall(source)
                                 if f in rubric.FUNCTIONS))
    if called:
        return called
    named = [f for f in rubric.FUNCTIONS if f in grade_id]
    return (max(named, key=len),) if named else ()


def open_gradebook(course_dir: Path | str, course_id: str | None = None) -> Gradebook:
    """The course's gradebook (``<course_dir>/gradebook.db`` unless configured otherwise)."""
    cfg = Config()
    cfg.CourseDirectory.root = str(Path(course_dir).resolve())
    coursedir = CourseDirectory(config=cfg)
    return Gradebook(coursedir.db_url, course_id or "")


def graded_cells(gb: Gradebook, assignment: str) -> list[GradedCell]:
    """Every grade cell of ``assignment`` with the functions it grades.

    Raises ValueError if a cell grades no known function, or its points differ from the
    rubric's points for its functions (the notebook and rubric.py disagree)."""
    cells = []
    for notebook in gb.find_assignment(assignment).notebooks:
        sources = {c.name: c.source or "" for c in notebook.source_cells}
        for cell in notebook.grade_cells:
            functions = functions_graded_by(sources.get(cell.name, ""), cell.name)
            if not functions:
                raise ValueError(f"{notebook.name}: grade cell {cell.name!r} calls score() on "
                                 f"none of the rubric's functions; expected one of "
                                 f"{', '.join(rubric.FUNCTIONS)}")
            points = sum(rubric.points_for(f) for f in functions)
            if float(cell.max_score) != float(points):
                raise ValueError(f"{notebook.name}: grade cell {cell.name!r} is worth "
                                 f"{cell.max_score} points, but rubric.py gives "
                                 f"{'+'.join(functions)} {points}")
            cells.append(GradedCell(notebook.name, cell.name, functions, float(cell.max_score)))
    return cells


def cell_score(record: GradeRecord, cell: GradedCell) -> float:
    """The record's points for the functions ``cell`` grades."""
    return float(sum(r.points for r in record.items if r.name.split(":", 1)[0]
                     in cell.functions))


def handed_in(course_dir: Path | str, assignment: str, student: str, notebook: str) -> bool:
    """Whether submitted/<student>/<assignment>/<notebook>.ipynb exists (and was readable:
    unreadable ones are renamed by ``autograder.course.steps.quarantine_unreadable``)."""
    return (Path(course_dir) / "submitted" / student / assignment / f"{notebook}.ipynb").exists()


def sandboxed_score(course_dir: Path | str, assignment: str, record: GradeRecord,
                    cell: GradedCell) -> float:
    """The cell's sandboxed score under nbgrader's rule: a notebook not handed in scores 0
    (the sandbox may otherwise find the function in a later notebook's provided code)."""
    if not handed_in(course_dir, assignment, record.student, cell.notebook):
        return 0.0
    return cell_score(record, cell)


def write_scores(course_dir: Path | str, assignment: str, records: Iterable[GradeRecord],
                 course_id: str | None = None) -> int:
    """Write each record's per-cell scores into the gradebook as autograder scores.

    Inputs:
    - course_dir: the nbgrader course directory (gradebook.db, after generate_assignment)
    - assignment: its name, e.g. "conv_layers"
    - records: one GradeRecord per student; ``record.student`` is the nbgrader student id
      (``autograder grade <course>/submitted`` names records after those folders)

    Students and submissions nbgrader has not seen yet are created. As in nbgrader, the
    cells of a notebook the student did not hand in score 0. Returns the number of grades
    written.
    """
    written = 0
    with open_gradebook(course_dir, course_id) as gb:
        cells = graded_cells(gb, assignment)
        for record in records:
            gb.update_or_create_student(record.student)
            gb.update_or_create_submission(assignment, record.student)
            for cell in cells:
                try:
                    grade = gb.find_grade(cell.grade_id, cell.notebook, assignment,
                                          record.student)
                except MissingEntry:
                    continue  # the cell is newer than this student's submission row
                grade.auto_score = sandboxed_score(course_dir, assignment, record, cell)
                grade.needs_manual_grade = False
                written += 1
        gb.db.commit()
    return written
