"""The release, made by real nbgrader, answers nothing; the notebooks work in real kernels.

- ``nbgrader generate_assignment`` in a throwaway course: no student-facing file defines a
  graded function outside its own answer cell, or any helper that reduces one to a call
  (checked on the AST, so renamed copies count); grading the release as handed out
  (every stub still raising, everything provided) with ``autograder grade`` scores 0;
  tool caches planted in the source folder never reach the release;
- later notebooks load the student's own earlier answers (the locked loader cell in
  Jupyter and nbgrader; the worker inside the sandbox), and still run when one is missing;
- ``validate`` gives the source notebooks full marks and finds no passing graded cell in
  the release; source notebooks run cleanly with their figures, released ones fail only
  with NotImplementedError, and a half-right answer earns partial credit.

The slow tests share one temporary copy of the course and batch the nbgrader calls.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import shutil
import sys
from pathlib import Path

import nbformat
import pytest
from assignments_support import (
    ASSIGNMENTS,
    COURSE_SOURCE,
    ROOT,
    STEMS,
    STUBS,
    answer_definitions,
    assert_no_answer_lines,
    graded_cells,
    nbgrader_env,
    read_nb,
    run,
    tags,
)

from autograder import rubric

#: Tool caches planted in the source folder before generate_assignment.
CACHES = (".hypothesis/constants/abc", ".pytest_cache/v/cache/nodeids", "__pycache__/x.pyc",
          ".ipynb_checkpoints/01_feature_map_size-checkpoint.ipynb", ".ruff_cache/x")


# ------------------------------------------------------------------ nbgrader and real kernels

@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """A throwaway copy of the course (config + source), so the repository stays clean."""
    root = tmp_path_factory.mktemp("course")
    shutil.copy(ASSIGNMENTS / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copytree(ASSIGNMENTS / "source", root / "source",
                    ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    return root


def plant_caches(folder: Path) -> None:
    for rel in CACHES:
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text("cache\n")


@pytest.fixture(scope="module")
def released(course) -> Path:
    plant_caches(course / "source" / "conv_layers")
    result = run(["nbgrader", "generate_assignment", "conv_layers", "--force"], course,
                 nbgrader_env(course))
    assert result.returncode == 0, result.stderr[-3000:]
    release = course / "release" / "conv_layers"
    assert sorted(p.stem for p in release.glob("*.ipynb")) == STEMS
    return release


def validate(course: Path, paths: list[Path], *flags: str) -> str:
    result = run(["nbgrader", "validate", *flags, *map(str, paths)], course, nbgrader_env(course))
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.mark.slow
def test_source_notebooks_validate_with_full_marks(course):
    out = validate(course, [course / "source" / "conv_layers" / f"{s}.ipynb" for s in STEMS])
    assert out.count("Success! Your notebook passes all the tests.") == len(STEMS), out[-3000:]


@pytest.mark.slow
def test_released_notebooks_pass_no_graded_cell(released):
    out = validate(released.parent.parent, [released / f"{s}.ipynb" for s in STEMS], "--invert")
    assert out.count("Success! The notebook does not pass any tests.") == len(STEMS), out[-3000:]


@pytest.mark.slow
@pytest.mark.parametrize("index", range(len(STEMS)), ids=STEMS)
def test_released_notebooks_hold_no_answer(released, index):
    part = rubric.PARTS[index]
    nb = read_nb(released / f"{part.stem}.ipynb")
    text = "\n".join(c.source for c in nb.cells)
    for marker in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "autograder.course.notebook"):
        assert marker not in text
    provided = "\n".join(c.source for c in nb.cells if "convlab:provided" in tags(c))
    for fn in part.functions:
        assert text.count(f"def {fn}(") == 1, fn  # only the student's own stub
        assert f"def {fn}(" not in provided
    later = [f for p in rubric.PARTS[index:] for f in p.functions]
    assert_no_answer_lines(text, later, provided, part.stem)


def execute(path: Path, timeout: int = 600) -> nbformat.NotebookNode:
    """Run a notebook top to bottom in a fresh kernel, in its own folder, going on after errors."""
    from nbclient import NotebookClient

    nb = read_nb(path)
    NotebookClient(nb, timeout=timeout, allow_errors=True, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return nb


def errors(nb) -> list[tuple[str, str]]:
    return [(cell.id, out.ename) for cell in nb.cells if cell.cell_type == "code"
            for out in cell.outputs if out.output_type == "error"]


def stderr(nb) -> list[tuple[str, str]]:
    return [(cell.id, out.text) for cell in nb.cells if cell.cell_type == "code"
            for out in cell.outputs if out.output_type == "stream" and out.name == "stderr"]


@pytest.fixture(scope="module")
def headless():
    """Kernels started by these tests see no display (as on a CI machine)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("DISPLAY", raising=False)
        yield


@pytest.mark.slow
@pytest.mark.parametrize("stem", STEMS)
def test_source_notebooks_run_cleanly_with_figures_and_full_points(course, headless, stem):
    nb = execute(course / "source" / "conv_layers" / f"{stem}.ipynb")
    assert errors(nb) == [] and stderr(nb) == []
    figures = [c for c in nb.cells if "convlab:demo" in tags(c)
               and any("image/png" in o.get("data", {}) for o in c.outputs)]
    assert figures, "no figure drawn"
    for fn, cell in graded_cells(nb).items():
        results = [o for o in cell.outputs if o.output_type == "execute_result"]
        assert len(results) == 1, fn
        assert float(results[0].data["text/plain"]) == rubric.points_for(fn), fn


@pytest.mark.slow
@pytest.mark.parametrize("stem", STEMS)
def test_released_notebooks_fail_only_with_not_implemented_error(released, headless, stem):
    nb = execute(released / f"{stem}.ipynb")
    assert stderr(nb) == []
    found = errors(nb)
    assert found, "a release with nothing left to write"
    assert {ename for _, ename in found} == {"NotImplementedError"}, found
    graded = {c.id for c in graded_cells(nb).values()}
    assert graded <= {cell_id for cell_id, _ in found}, "a graded cell ran without an answer"


@pytest.mark.slow
def test_a_half_right_answer_earns_partial_credit(course, headless, tmp_path):
    """nbgrader 0.9 scores a test cell by its numeric result: some, not all, of the points."""
    from nbgrader.utils import determine_grade

    stem = STEMS[0]
    for f in (course / "source" / "conv_layers").iterdir():
        if f.is_file():  # not the __pycache__ of selfcheck.py
            shutil.copy(f, tmp_path / f.name)
    path = tmp_path / f"{stem}.ipynb"
    nb = read_nb(path)
    answer = next(c for c in nb.cells
                  if c.metadata.get("nbgrader", {}).get("grade_id") == "output_size-answer")
    head = answer.source.split("### BEGIN SOLUTION")[0]
    # right for numeric padding, but no "valid"/"same" strings: one rubric item lost
    answer.source = head + (
        "### BEGIN SOLUTION\n"
        "    if isinstance(padding, str):\n"
        "        raise ValueError('strings are not supported')\n"
        "    span = n + 2 * padding - f\n"
        "    if n < 1 or f < 1 or stride < 1 or span < 0 or span % stride:\n"
        "        raise ValueError(f'({n} + 2·{padding} − {f}) / {stride} + 1 is not an integer')\n"
        "    return span // stride + 1\n"
        "    ### END SOLUTION")
    nbformat.write(nb, path)
    executed = execute(path)
    score, max_score = determine_grade(graded_cells(executed)["output_size"])
    assert max_score == rubric.points_for("output_size")
    assert 0 < score < max_score




# ----------------------------------------------------------------------- nothing answered

def answer_problems_of_notebook(nb) -> list[str]:
    """answer_definitions for every code cell, each answer cell owning its function."""
    problems = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        own = {grade_id.removesuffix("-answer")} if grade_id.endswith("-answer") else set()
        problems += [f"{cell.id}: {p}" for p in answer_definitions(cell.source, own)]
    return problems


@pytest.mark.slow
def test_no_released_file_defines_an_answer(released):
    files = sorted(p for p in released.rglob("*") if p.is_file())
    assert {p.suffix for p in files} <= {".ipynb", ".py", ".npz", ".md"}, files
    assert {p.name for p in files if p.suffix == ".py"} == {"convlab_helpers.py",
                                                             "selfcheck.py"}
    for path in files:
        if path.suffix == ".ipynb":
            assert answer_problems_of_notebook(read_nb(path)) == [], path.name
        elif path.suffix == ".py":
            assert answer_definitions(path.read_text(encoding="utf-8")) == [], path.name


@pytest.mark.slow
def test_the_released_helpers_check_types_and_shapes_and_answer_nothing(released):
    """convlab_helpers.py, as nbgrader releases it: no line of any answer, no geometry (the
    student's own output_size, same_padding and zero_pad do that), and the notebooks reach
    it through one locked import."""
    text = (released / "convlab_helpers.py").read_text(encoding="utf-8")
    assert text == (COURSE_SOURCE / "convlab_helpers.py").read_text(encoding="utf-8")
    from assignments.generator import extract, modules

    helpers = "\n".join(extract.definitions()[n].source for n in modules.helper_names())
    assert_no_answer_lines(text, rubric.FUNCTIONS, helpers, "convlab_helpers.py")
    defined = {line.split("(")[0][4:] for line in text.splitlines() if line.startswith("def ")}
    assert not defined & {"conv_geometry", "output_shape", "resolve_padding", "_pool_setup",
                          "same_padding", "output_size", "zero_pad", "cross_entropy_backward"}
    for stem in STEMS:
        nb = read_nb(released / f"{stem}.ipynb")
        imports = [c for c in nb.cells if "from convlab_helpers import *" in c.source]
        assert len(imports) == 1 and "convlab:provided" in tags(imports[0]), stem


def test_the_answer_check_finds_an_answer_in_a_provided_cell():
    nb = read_nb(COURSE_SOURCE / f"{STEMS[2]}.ipynb")
    assert answer_problems_of_notebook(nb)  # the source holds the model answers
    provided = next(c for c in nb.cells if "convlab:provided" in tags(c))
    answer = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution"))
    provided.source += "\n\n" + answer.source  # an earlier answer handed out again
    assert any("outside its answer cell" in p for p in answer_problems_of_notebook(nb))


@pytest.mark.slow
def test_caches_in_the_source_folder_never_reach_the_release(released):
    for rel in CACHES:
        assert not (released / rel.split("/")[0]).exists(), rel
    assert not [p for p in released.rglob("*") if p.name.startswith(".")]


def grade(path: Path, out: Path) -> dict[str, dict[str, str]]:
    """``autograder grade`` (sandboxed, one worker): grades.csv rows by student."""
    result = run([sys.executable, "-m", "autograder.cli", "grade", str(path), "--out", str(out),
                  "--workers", "1"], ROOT)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    with open(out / "grades.csv", encoding="utf-8", newline="") as fh:
        return {row["student"]: row for row in csv.DictReader(fh)}


@pytest.mark.slow
def test_grading_the_release_as_handed_out_scores_zero(released, tmp_path):
    """Everything provided, every stub still raising: 0 of 100, notebooks and .py alike."""
    folder = tmp_path / "handed_out"
    shutil.copytree(released, folder)
    shutil.copy(STUBS, tmp_path / "conv_layers.py")
    rows = grade(folder, tmp_path / "reports")
    rows |= grade(tmp_path / "conv_layers.py", tmp_path / "reports_py")
    for student, row in rows.items():
        assert float(row["max_score"]) == rubric.TOTAL_POINTS, student
        earned = {k: v for k, v in row.items() if k not in ("student", "score", "max_score")
                  and v not in ("", "0", "0.0")}
        assert float(row["score"]) == 0 and not earned, (student, earned)


# ------------------------------------------------------------- the student's earlier answers

def source_copy(folder: Path, drop: tuple[str, ...] = ()) -> Path:
    shutil.copytree(COURSE_SOURCE, folder, ignore=shutil.ignore_patterns("__pycache__"))
    for stem in drop:
        (folder / f"{stem}.ipynb").unlink()
    return folder


@pytest.mark.slow
def test_sandboxed_grading_links_each_notebook_to_the_earlier_answers(tmp_path):
    """In the sandbox the sibling notebooks are not on disk: the worker gives notebook 4 the
    conv2d of notebook 3, and so on. The model answers get every point; without notebook 3,
    the other notebooks still load and grade, and only notebook 3's items are lost (the
    later functions are graded with correct earlier ones)."""
    rows = grade(source_copy(tmp_path / "full"), tmp_path / "r1")
    assert float(rows["full"]["score"]) == rubric.TOTAL_POINTS
    rows = grade(source_copy(tmp_path / "no3", drop=(STEMS[2],)), tmp_path / "r2")
    row = rows["no3"]
    item = {i.name: float(row[i.name]) for i in rubric.ITEMS}
    for it in rubric.ITEMS:
        if it.function in rubric.PARTS[2].functions:
            assert item[it.name] == 0, it.name
        else:
            assert item[it.name] == it.points, it.name


def loader_source(stem: str) -> str:
    nb = read_nb(COURSE_SOURCE / f"{stem}.ipynb")
    return next(c.source for c in nb.cells
                if c.metadata.get("nbgrader", {}).get("grade_id") == "load-earlier")


def run_loader(stem: str, folder: Path) -> tuple[dict, str]:
    """The locked loader cell of ``stem``, run in ``folder`` as Jupyter would (the released
    convlab_helpers.py beside it, importable from the working folder)."""
    helpers = folder / "convlab_helpers.py"
    if not helpers.exists():
        shutil.copy(COURSE_SOURCE / "convlab_helpers.py", helpers)
    namespace: dict = {"__name__": "__main__"}
    out = io.StringIO()
    cwd = Path.cwd()
    os.chdir(folder)
    sys.path.insert(0, str(folder))
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(loader_source(stem), "<loader>", "exec"), namespace)
    finally:
        os.chdir(cwd)
        sys.path.remove(str(folder))
        sys.modules.pop("convlab_helpers", None)
    return namespace, out.getvalue()


def test_the_loader_runs_only_the_definitions_of_answer_cells(tmp_path):
    nb = nbformat.read(COURSE_SOURCE / f"{STEMS[0]}.ipynb", as_version=4)
    answer = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution"))
    answer.source += "\nraise RuntimeError('top-level code must not run')\n%timeit 1\n"
    extra = nbformat.v4.new_code_cell("import math as m2\ndef helper():\n    return 1\n"
                                      "print('a student cell')")
    broken = nbformat.v4.new_code_cell("def output_size(:")
    nb.cells += [extra, broken]
    for cell in nb.cells:
        if "convlab:demo" in tags(cell) or "convlab:tests" in tags(cell):
            cell.source = "raise RuntimeError('demos and tests must not run')"
    nbformat.write(nb, tmp_path / f"{STEMS[0]}.ipynb")
    namespace, printed = run_loader(STEMS[2], tmp_path)
    assert callable(namespace["output_size"]) and callable(namespace["helper"])
    assert callable(namespace["output_size"])  # from its answer cell; the broken one is reported
    assert "SyntaxError" in printed and "a student cell" not in printed
    assert "02_padding.ipynb" in printed and "zero_pad" in printed  # missing: said, not raised
    assert "zero_pad" not in namespace and "same_padding" not in namespace


@pytest.mark.parametrize("stem", STEMS[2:])
def test_the_loader_degrades_gracefully_without_earlier_notebooks(tmp_path, stem):
    namespace, printed = run_loader(stem, tmp_path)
    assert "cannot be read" in printed
    assert not set(rubric.FUNCTIONS) & set(namespace)


def test_hidden_tests_leave_no_hypothesis_folder_where_they_run(tmp_path):
    probe = ("import runpy, sys\n"
             "try:\n    from autograder.course.notebook import score\n"
             "except ImportError:\n    from autograder.notebook import score\n"
             f"ns = runpy.run_path({str(ROOT / 'autograder/examples/model_solution.py')!r})\n"
             "print(score('output_size', ns), score('conv2d_single', ns))\n")
    env = {k: v for k, v in os.environ.items() if k != "HYPOTHESIS_STORAGE_DIRECTORY"}
    result = run([sys.executable, "-c", probe], tmp_path, env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == [str(float(rubric.points_for(f)))
                                     for f in ("output_size", "conv2d_single")]
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_the_worker_links_only_earlier_notebooks_and_never_overrides():
    try:
        from autograder.jail import worker
    except ImportError:
        from autograder import worker
    home = {fn: rubric.part_of(fn).stem for fn in rubric.FUNCTIONS}
    units = [worker.Unit({"name": f"{stem}.ipynb", "cells": [code]}) for stem, code in [
        (STEMS[2], "def conv2d(x, w):\n    return 'mine'\ndef zero_pad(x, p):\n    return 'nb3'"),
        (STEMS[3], "def relu(x):\n    return conv2d(x, x)"),
        (STEMS[1], "def zero_pad(x, p):\n    return 'nb2'"),
        (STEMS[4], "def relu_backward(d, x):\n    return 'nb5'"),
    ]]
    for unit in units:
        assert worker.run_cells(unit, set()) == []
    worker.link_earlier_answers(units, home)
    nb3, nb4, nb2, _ = (u.namespace for u in units)
    assert nb4["relu"](1) == "mine"  # notebook 3's conv2d, with notebook 3's globals
    assert nb3["zero_pad"](1, 1) == "nb3"  # a notebook's own definition is never replaced
    assert nb4["zero_pad"](1, 1) == "nb2"  # taken from its home notebook
    assert "relu" not in nb3 and "relu_backward" not in nb4  # never from a later notebook
    assert "conv2d" not in nb2
