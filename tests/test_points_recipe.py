"""The README's "Change the points", step by step, on a copy of the repository.

The recipe's steps as an instructor takes them: edit an item's points in the copy's
``autograder/rubric.py``; ``python -m assignments.build`` writes the notebooks' graded cells
and the stub again; the README's command prints the table to
paste; releasing again (``nbgrader generate_assignment --force``, notebook 01 only, for
speed) gives the gradebook the new points; a notebook fetched before, which still shows the
old points, is graded with the gradebook's, and nbgrader says so for that cell;
``autograder grade`` grades with the new total. (Step 3, installing the edited copy again,
is pip's own behaviour and is not repeated here.)
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder import rubric
from autograder.examples import read

pytestmark = pytest.mark.slow  # a build, a generate_assignment and one grading

ROOT = Path(__file__).resolve().parent.parent
ITEM = "output_size: lecture examples"
OLD = rubric.item(ITEM).points
NEW = OLD + 2
FUNCTION = rubric.item(ITEM).function
NOTEBOOK = "01_feature_map_size"
COURSE_WORK = ("release", "submitted", "autograded", "feedback", "gradebook.db", "autograder",
               ".snapshots", "__pycache__", ".ipynb_checkpoints")


def readme_recipe() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"\*\*Change the points\*\*(.*?)<!-- rubric:start -->", text, re.S)
    assert found, "the README lost its 'Change the points' recipe"
    return found.group(1)


def repository_copy(dest: Path) -> Path:
    """What the build and the grader read: the grader, the course, the reference, the README."""
    ignore = shutil.ignore_patterns(*COURSE_WORK)
    for folder in ("autograder", "assignments", "reference"):
        shutil.copytree(ROOT / folder, dest / folder, ignore=ignore)
    (dest / "benchmarks").mkdir()
    shutil.copy(ROOT / "benchmarks" / "RESULTS_training.json", dest / "benchmarks")
    shutil.copy(ROOT / "README.md", dest)
    return dest


def in_copy(repo: Path, *argv: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(repo),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(argv, cwd=cwd or repo, env=env, capture_output=True, text=True,
                          timeout=1800)


def graded_points(nb) -> float:
    """The points of the function's graded cell in ``nb`` (a notebook or its path)."""
    if isinstance(nb, Path):
        nb = nbformat.read(nb, as_version=4)
    cell = next(c for c in nb.cells
                if c.metadata.get("nbgrader", {}).get("grade_id") == f"{FUNCTION}-tests")
    return float(cell.metadata.nbgrader.points)


def test_changing_an_items_points_reaches_the_notebooks_the_gradebook_and_the_grades(
        tmp_path, caplog):
    recipe = readme_recipe()
    repo = repository_copy(tmp_path / "repo")
    notebook = repo / "assignments" / "source" / "conv_layers" / f"{NOTEBOOK}.ipynb"
    old_function_points = rubric.points_for(FUNCTION)
    assert graded_points(notebook) == old_function_points

    # 1. edit the item's points in the copy's rubric.py
    rubric_py = repo / "autograder" / "rubric.py"
    line = f'Item("{ITEM}", {OLD},'
    assert rubric_py.read_text().count(line) == 1
    rubric_py.write_text(rubric_py.read_text().replace(line, f'Item("{ITEM}", {NEW},'))

    # 2. rebuild; the table to paste
    assert "python -m assignments.build" in recipe
    build = in_copy(repo, sys.executable, "-m", "assignments.build")
    assert build.returncode == 0, build.stdout + build.stderr
    assert f"wrote assignments/source/conv_layers/{NOTEBOOK}.ipynb" in build.stdout
    assert graded_points(notebook) == old_function_points + 2
    command = re.search(r"`(python -c \"from autograder\.rubric import markdown_table;"
                        r"[^`]*)`", re.sub(r"\s+", " ", recipe))
    assert command, "the recipe's table command is not where this test reads it"
    table = in_copy(repo, "bash", "-c", command.group(1))
    assert table.returncode == 0, table.stderr
    assert f"| {NOTEBOOK} | `{ITEM}` | {NEW} |" in table.stdout
    assert f"**{rubric.TOTAL_POINTS + 2}**" in table.stdout

    # 4. release again: generate_assignment gives the gradebook the new points
    course = repo / "assignments"
    for other in (course / "source" / "conv_layers").glob("*.ipynb"):
        if other.stem != NOTEBOOK:
            other.unlink()
    generate = in_copy(repo, str(Path(sys.executable).parent / "nbgrader"),
                       "generate_assignment", "conv_layers", "--force", cwd=course)
    assert generate.returncode == 0, generate.stdout + generate.stderr
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        cell = gb.find_graded_cell(f"{FUNCTION}-tests", NOTEBOOK, "conv_layers")
        assert float(cell.max_score) == old_function_points + 2

    # a notebook fetched before the change: graded with the gradebook's points, and said
    from traitlets.config import Config

    from autograder.course.preprocessors import OverwriteCellsSafely

    fetched = nbformat.read(course / "release" / "conv_layers" / f"{NOTEBOOK}.ipynb",
                            as_version=4)
    for c in fetched.cells:
        if c.metadata.get("nbgrader", {}).get("grade_id") == f"{FUNCTION}-tests":
            c.metadata.nbgrader.points = old_function_points
    pre = OverwriteCellsSafely(config=Config())
    pre.log = logging.getLogger("points-recipe")
    with caplog.at_level(logging.WARNING, logger=pre.log.name):
        graded, _ = pre.preprocess(fetched, {"nbgrader": {
            "notebook": NOTEBOOK, "assignment": "conv_layers",
            "db_url": f"sqlite:///{course / 'gradebook.db'}"}})
    said = [r.getMessage() for r in caplog.records]
    assert len(said) == 1 and "'points'" in said[0] and f"{FUNCTION}-tests" in said[0]
    assert graded_points(graded) == old_function_points + 2

    # then autograder grade grades with the new total
    (tmp_path / "class").mkdir()
    (tmp_path / "class" / "alice.py").write_text(read("model_solution.py"))
    grade = in_copy(repo, sys.executable, "-m", "autograder", "grade",
                    str(tmp_path / "class"), "--out", str(tmp_path / "out"), "--quiet",
                    cwd=tmp_path)
    assert grade.returncode == 0, grade.stderr
    row = (tmp_path / "out" / "grades.csv").read_text().splitlines()[1].split(",")
    assert row[:3] == ["alice", str(rubric.TOTAL_POINTS + 2), str(rubric.TOTAL_POINTS + 2)]

