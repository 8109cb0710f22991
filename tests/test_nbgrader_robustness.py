"""What students really hand in, through the real nbgrader cycle: one class, one autograde.

Every student answers notebook 02 (two functions, no earlier notebook needed) with the
model solution and then does one thing to it
(deletes a test cell, duplicates cells, edits locked cells, changes cell types, floods the
output, loops forever, breaks the JSON, moves an answer below its test). Each is graded or
recorded with a reason, the batch never stops, and the control student next to them still
gets full marks. Expected points come from the rubric.
"""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat
import pytest
from support.simulated_students import answer_notebooks, model_answers
from test_nbgrader_cycle import ASSIGNMENT, grades, make_course

from autograder import rubric
from autograder.course.config import course_config
from autograder.course.cycle import cycle

pytestmark = pytest.mark.slow  # every test here shares one real nbgrader run

NOTEBOOK = "02_padding"
FULL = {f: float(rubric.points_for(f)) for f in ("same_padding", "zero_pad")}
MAX = sum(FULL.values())
TIMEOUT = 20  # seconds per cell: two cells of endless_loop run into it


def graded_cell(function: str) -> str:
    return f"{function}-tests"


def answer_id(function: str) -> str:
    return f"{function}-answer"


# ---------------------------------------------------------------------------- notebook edits

def grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def index_of(nb, gid: str) -> int:
    return next(i for i, c in enumerate(nb.cells) if grade_id(c) == gid)


def edit_notebook(change):
    """A student: model answers, then ``change(nb)`` on notebook 02."""
    def edit(folder: Path) -> None:
        answer_notebooks(folder, *model_answers())
        path = folder / f"{NOTEBOOK}.ipynb"
        nb = nbformat.read(path, as_version=4)
        change(nb)
        nbformat.write(nb, path)
    return edit


def delete_test_cell(nb) -> None:
    del nb.cells[index_of(nb, graded_cell("same_padding"))]


def duplicate_cells(nb) -> None:
    for gid in (answer_id("same_padding"), graded_cell("same_padding")):
        i = index_of(nb, gid)
        nb.cells.insert(i + 1, copy.deepcopy(nb.cells[i]))


def edit_locked_cells(nb) -> None:
    """Claims the points in the visible test cell and breaks the provided helpers."""
    nb.cells[index_of(nb, graded_cell("same_padding"))].source = f"{FULL['same_padding']}"
    helpers = next(c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {})
                   .get("locked") and not c.metadata.nbgrader.get("grade"))
    helpers.source += "\nraise SystemExit('helpers broken')\n"


def change_cell_types(nb) -> None:
    for gid in (graded_cell("same_padding"), answer_id("zero_pad")):
        cell = nb.cells[index_of(nb, gid)]
        nb.cells[index_of(nb, gid)] = nbformat.v4.new_markdown_cell(cell.source,
                                                                    metadata=cell.metadata)


def move_answer_below_its_test(nb) -> None:
    cell = nb.cells.pop(index_of(nb, answer_id("zero_pad")))
    nb.cells.insert(index_of(nb, graded_cell("zero_pad")) + 1, cell)


def flood_output(nb) -> None:
    cell = nb.cells[index_of(nb, answer_id("same_padding"))]
    cell.source = "for _i in range(200_000):\n    print('flood', _i)\n\n" + cell.source


def loop_forever(folder: Path) -> None:
    answers, _ = model_answers()
    answers["same_padding"] = ("def same_padding(n, f, stride=1):\n"
                               "    while True:\n        pass\n")
    answer_notebooks(folder, answers)


def not_json(folder: Path) -> None:
    (folder / f"{NOTEBOOK}.ipynb").write_text('{"cells": [ this is not json', encoding="utf-8")


STUDENTS = {
    "control": edit_notebook(lambda nb: None),
    "deleted_test_cell": edit_notebook(delete_test_cell),
    "duplicated_cells": edit_notebook(duplicate_cells),
    "edited_locked_cells": edit_notebook(edit_locked_cells),
    "changed_cell_types": edit_notebook(change_cell_types),
    "flooded_output": edit_notebook(flood_output),
    "reordered_cells": edit_notebook(move_answer_below_its_test),
    "endless_loop": loop_forever,
    "not_json": not_json,
}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("robust")
    course_dir = make_course(tmp / "course", (NOTEBOOK,))
    cfg = course_config(course_dir, exchange=tmp / "exchange", timeout=TIMEOUT)
    result = cycle(cfg, ASSIGNMENT, STUDENTS, grades_csv=tmp / "grades.csv",
                          homes=tmp / "homes", sandboxed=True, workers=2, feedback=False)
    in_kernel = {(r.student, r.grade_id): r.in_kernel for r in result.audit}
    return result, in_kernel


# ---------------------------------------------------------------------------- the batch

def test_every_student_gets_exactly_one_row(run):
    result, _ = run
    assert set(grades(result.grades_csv)) == set(STUDENTS)
    assert len(result.records) == len(STUDENTS)


def test_nothing_is_flagged(run):
    """No student here fakes a score: the in-kernel score is never above the sandbox's."""
    result, _ = run
    assert [(r.student, r.grade_id) for r in result.audit if r.flagged] == []


@pytest.mark.parametrize("student", ["control", "deleted_test_cell", "duplicated_cells",
                                     "edited_locked_cells", "changed_cell_types",
                                     "flooded_output"])
def test_nbgrader_restores_and_grades_in_full(run, student):
    """nbgrader puts tests and locked cells back (checksums, add_missing_cells), restores
    cell types and drops duplicated ids: the model answers earn every point, in the kernel
    and in the sandbox."""
    result, in_kernel = run
    for function, points in FULL.items():
        assert in_kernel[(student, graded_cell(function))] == points, function
    assert grades(result.grades_csv)[student] == MAX


def test_flooded_output_is_cut(run):
    result, _ = run
    path = result.course_dir / "autograded" / "flooded_output" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    nb = nbformat.read(path, as_version=4)
    cell = nb.cells[index_of(nb, answer_id("same_padding"))]
    lines = sum(o.get("text", "").count("\n") + 1 for o in cell.outputs
                if o.output_type == "stream")
    assert lines <= 1000 < 200_000


def test_endless_loop_costs_only_that_function(run):
    result, in_kernel = run
    assert in_kernel[("endless_loop", graded_cell("same_padding"))] == 0
    assert in_kernel[("endless_loop", graded_cell("zero_pad"))] == FULL["zero_pad"]
    record = next(r for r in result.records if r.student == "endless_loop")
    assert {i.name.split(":")[0] for i in record.items if i.points > 0} == {"zero_pad"}


def test_unreadable_notebook_is_recorded_with_a_reason(run):
    result, in_kernel = run
    assert grades(result.grades_csv)["not_json"] == 0
    assert any("not valid JSON" in reason for reason in result.problems["not_json"])
    # put aside, so not handed in: 0 in nbgrader and in the gradebook, not "no score"
    assert in_kernel[("not_json", graded_cell("same_padding"))] == 0


def test_answer_below_its_test_loses_only_in_the_kernel(run):
    """nbgrader runs top to bottom, so the test ran before the answer existed; the sandbox
    loads the whole notebook first. Not flagged: the kernel scored lower, not higher."""
    result, in_kernel = run
    assert in_kernel[("reordered_cells", graded_cell("zero_pad"))] == 0
    assert grades(result.grades_csv)["reordered_cells"] == MAX


def test_the_locked_cells_changed_are_named_and_only_those(run):
    """nbgrader restores every locked cell (and warns at collect for any submit --student);
    what the instructor is told is which submissions really changed one, and how."""
    result, _ = run
    tests = f"{NOTEBOOK}: {graded_cell('same_padding')}"
    changed = result.changed
    assert set(changed) == {"edited_locked_cells", "deleted_test_cell", "changed_cell_types"}
    assert f"{tests} edited" in changed["edited_locked_cells"]
    assert len(changed["edited_locked_cells"]) == 2  # the test cell and the provided helpers
    assert changed["deleted_test_cell"] == [f"{tests} deleted"]
    assert changed["changed_cell_types"] == [f"{tests} cell type changed"]
