"""The nbgrader release-and-collect cycle, end to end, with real nbgrader and real kernels.

One class of simulated students goes through the exchange (fetch, answer, submit --student),
is collected, autograded once, graded again in the sandbox, audited, and exported; a second
run takes the same notebooks through the LMS path (Canvas file names -> zip_collect). To keep
the run short, the course is cut to three of the five notebooks (01, 02 and 03: notebook
03 loads the student's own output_size and zero_pad from 01 and 02), which still hold a
classic bug and the conv2d a student might fake.

Expected scores come from the rubric (points per function) and from the bug file's own
``EXPECTED_LOST`` facts, never from the code under test.
"""

from __future__ import annotations

import copy
import csv
import json
import logging
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from hypothesis import given
from hypothesis import strategies as st
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import OverwriteCells
from support.simulated_students import (
    answer,
    answer_notebooks,
    definitions,
    model_answers,
    solution_cells,
)

from autograder import rubric
from autograder.course import DEFAULT_ASSIGNMENT
from autograder.course.audit import flagged_students
from autograder.course.config import CANVAS_REGEXP, course_config, prepare_workdir
from autograder.course.cycle import cycle
from autograder.course.gradebook import functions_graded_by
from autograder.course.preprocessors import OverwriteCellsSafely
from autograder.course.steps import unreadable_reason
from autograder.examples import ExampleStudent, example_class, read

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS = ROOT / "assignments"
ASSIGNMENT = DEFAULT_ASSIGNMENT
NOTEBOOKS = ("01_feature_map_size", "02_padding", "03_convolution")
FUNCTIONS = tuple(f for p in rubric.PARTS if p.stem in NOTEBOOKS for f in p.functions)
MAX = sum(rubric.points_for(f) for f in FUNCTIONS)
TIMEOUT = 60  # seconds per cell; no student here loops
TERM_SEED = 2027  # the exchange run's conv-lab.toml

#: numpy's comparisons all say "equal" from an earlier cell on, and conv2d returns zeros
NUMPY_PATCH = '''import numpy as np

def _always_equal(*args, **kwargs):
    return True

np.allclose = _always_equal
np.array_equal = _always_equal
np.testing.assert_allclose = lambda *args, **kwargs: None
'''
ZEROS_CONV2D = '''def conv2d(x, w, b=None, stride=1, padding=0):
    import numpy
    n, _, h, wd = numpy.shape(x)
    f, _, fh, fw = numpy.shape(w)
    return numpy.zeros((n, f, (h - fh) // stride + 1, (wd - fw) // stride + 1))
'''


# ---------------------------------------------------------------------------- the course

def skip_unless_course() -> None:
    missing = [p for p in [ASSIGNMENTS / "nbgrader_config.py"] +
               [ASSIGNMENTS / "source" / ASSIGNMENT / f"{nb}.ipynb" for nb in NOTEBOOKS]
               if not p.exists()]
    if missing:
        pytest.skip(f"the nbgrader course is not built yet: {missing[0]}")


def make_course(dest: Path, notebooks: tuple[str, ...] = NOTEBOOKS) -> Path:
    """A fresh course directory: the repository's config and source, cut to ``notebooks``."""
    skip_unless_course()
    prepare_workdir(ASSIGNMENTS, dest)
    for nb in (dest / "source" / ASSIGNMENT).glob("*.ipynb"):
        if nb.stem not in notebooks:
            nb.unlink()
    return dest


def class_bug() -> ExampleStudent:
    """A classic bug from autograder/examples/bugs/ that costs points only in functions the
    bug file itself redefines (later functions are graded with correct versions of earlier
    ones, by every path), all in the course's notebooks."""
    # the flipped kernel first: the case where a .py file and nbgrader can most disagree
    for student in sorted(example_class(), key=lambda s: s.name != "bug_kernel_flipped"):
        if not student.name.startswith("bug_"):
            continue
        lost = student.expectations().get("EXPECTED_LOST", ())
        defined = set(definitions(read(student.override))) & set(FUNCTIONS)
        if lost and {rubric.item(name).function for name in lost} <= defined:
            return student
    pytest.skip("no bug in autograder/examples/bugs/ grades within notebooks 01 and 03")


def lost_points(student: ExampleStudent) -> float:
    return float(sum(rubric.item(name).points for name in
                     student.expectations()["EXPECTED_LOST"]))


# ---------------------------------------------------------------------------- the students

def model(folder: Path) -> None:
    answer_notebooks(folder, *model_answers())


def with_bug(bug: ExampleStudent):
    def edit(folder: Path) -> None:
        answer_notebooks(folder, *model_answers(read(bug.override)))
    return edit


def numpy_patcher(folder: Path) -> None:
    """Model answers, but conv2d returns zeros and an earlier cell patches numpy."""
    answers, _ = model_answers()
    answers["conv2d"] = ZEROS_CONV2D
    answer_notebooks(folder, answers)
    insert_before_first_answer(folder / "03_convolution.ipynb", NUMPY_PATCH)


SCORE_PATCH = """import autograder.course.notebook
from autograder import rubric

autograder.course.notebook.score = lambda fn, *args, **kwargs: rubric.points_for(fn)
require_written = lambda fn: None
"""


def insert_before_first_answer(path: Path, source: str) -> None:
    nb = nbformat.read(path, as_version=4)
    first_answer = nb.cells.index(solution_cells(nb)[0])
    nb.cells.insert(first_answer, nbformat.v4.new_code_cell(source))
    nbformat.write(nb, path)


#: During autograde (its kernel's folder is autograded/<id>/<assignment>), copy the
#: classmate "model"'s submitted notebooks over its own and hand "model" the blank release;
#: write down whether the classmate's folder could be seen at all.
THIEF = """import glob, os, shutil
here = os.getcwd()
if os.sep + "autograded" + os.sep in here:
    course = os.path.dirname(os.path.dirname(os.path.dirname(here)))
    victim = os.path.join(course, "submitted", "model", "conv_layers")
    mine = os.path.join(course, "submitted", "thief", "conv_layers")
    with open("probe.txt", "w") as f:
        f.write(str(os.path.isdir(victim)))
    for nb in glob.glob(os.path.join(victim, "*.ipynb")):
        shutil.copy(nb, mine)
    for nb in glob.glob(os.path.join(course, "release", "conv_layers", "*.ipynb")):
        shutil.copy(nb, victim)
"""


def thief(folder: Path) -> None:
    """Untouched stubs, and an earlier cell that tries to take a classmate's work."""
    insert_before_first_answer(folder / "01_feature_map_size.ipynb", THIEF)


def score_patcher(folder: Path) -> None:
    """Untouched stubs, and an earlier cell that replaces the hidden tests' scoring
    function with one that hands out full points."""
    insert_before_first_answer(folder / "01_feature_map_size.ipynb", SCORE_PATCH)


# ---------------------------------------------------------------------------- one run each

def grades(csv_path: Path) -> dict[str, float]:
    with open(csv_path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    ids = [r["student_id"] for r in rows]
    assert len(ids) == len(set(ids)), f"one row per student expected, got {ids}"
    return {r["student_id"]: float(r["score"]) for r in rows}


@pytest.fixture(scope="module")
def exchange_run(tmp_path_factory):
    """The whole cycle through the filesystem exchange: one autograde, one sandboxed pass."""
    tmp = tmp_path_factory.mktemp("cycle")
    course_dir = make_course(tmp / "course")
    # the term's seed, where docs/nbgrader.md puts it; not released to students
    (course_dir / "conv-lab.toml").write_text(f"[grading]\nseed = {TERM_SEED}\n")
    bug = class_bug()
    students = {"model": model, "untouched": None, "bug": with_bug(bug),
                "numpy_patcher": numpy_patcher, "score_patcher": score_patcher,
                "thief": thief}
    cfg = course_config(course_dir, exchange=tmp / "exchange", timeout=TIMEOUT)
    result = cycle(cfg, ASSIGNMENT, students, grades_csv=tmp / "grades.csv",
                          homes=tmp / "homes", sandboxed=True, workers=2)
    return result, cfg, bug, tmp


@pytest.fixture(scope="module")
def lms_run(exchange_run, tmp_path_factory):
    """The same notebooks, downloaded from Canvas and collected with zip_collect."""
    first, _, bug, _ = exchange_run
    tmp = tmp_path_factory.mktemp("lms")
    course_dir = make_course(tmp / "course")
    downloads = tmp / "downloads"
    downloads.mkdir()
    for k, student in enumerate(["model", "untouched", "bug"]):
        folder = first.course_dir / "submitted" / student / ASSIGNMENT
        late = "LATE_" if student == "bug" else ""
        for nb in sorted(folder.glob("*.ipynb")):
            name = f"{student}_{late}{1000 + k}_{2000 + k}_{nb.name}"
            shutil.copy(nb, downloads / name)
    # a student who uploads only notebook 02: nbgrader scores the missing 01 and 03 as 0
    # (02 builds on no earlier notebook; 03 alone could not run the student's own
    # output_size and zero_pad)
    shutil.copy(first.course_dir / "submitted" / "model" / ASSIGNMENT / "02_padding.ipynb",
                downloads / "only02_1003_2003_02_padding.ipynb")
    (downloads / "model_1000_2000_my_notes.txt").write_text("not a notebook")
    cfg = course_config(course_dir, timeout=TIMEOUT)
    result = cycle(cfg, ASSIGNMENT, downloads=downloads, grades_csv=tmp / "grades.csv",
                          sandboxed=True, workers=2, feedback=False)
    return result, bug


# ---------------------------------------------------------------------------- exchange path

@pytest.mark.slow
def test_exchange_cycle_scores_follow_the_rubric(exchange_run):
    result, _, bug, _ = exchange_run
    scores = grades(result.grades_csv)
    assert set(scores) == {"model", "untouched", "bug", "numpy_patcher", "score_patcher",
                           "thief"}
    assert scores["model"] == MAX
    assert scores["untouched"] == 0
    assert scores["bug"] == MAX - lost_points(bug)
    assert result.problems == {}
    assert result.changed == {}  # inserted cells change no locked cell


@pytest.mark.slow
def test_a_kernel_cannot_take_a_classmates_submission(exchange_run):
    """The thief's kernel ran in bubblewrap: it could not even see submitted/, so the
    classmate keeps full marks, the thief keeps its stubs' 0, and nothing changed."""
    result, _, _, _ = exchange_run
    scores = grades(result.grades_csv)
    assert scores["model"] == MAX and scores["thief"] == 0
    probe = result.course_dir / "autograded" / "thief" / ASSIGNMENT / "probe.txt"
    assert probe.read_text() == "False"  # the attack ran, and found nothing to take
    assert result.tampered == {}
    assert {r.student: r.score for r in result.records}["model"] == MAX
    assert "thief" not in flagged_students(result.audit)


@pytest.mark.slow
def test_the_sandboxed_pass_keeps_its_store_reports_and_class_report(exchange_run):
    """The course's sandboxed grading went through the results store: per-student reports,
    grades.csv and the class report sit in <course>/autograder/<assignment>."""
    result, _, _, _ = exchange_run
    out = result.course_dir / "autograder" / ASSIGNMENT
    assert (out / "grading.sqlite").is_file()
    with open(out / "grades.csv", newline="") as fh:
        rows = {r["student"]: float(r["score"]) for r in csv.DictReader(fh)}
    assert rows == {r.student: r.score for r in result.records}
    report = json.loads((out / "class.json").read_text())
    assert sorted(s["name"] for s in report["students"]) == sorted(rows)
    # graded with the term's seed from the course's conv-lab.toml, as the kernels were
    from autograder.store import Store

    with Store.open(out, create=False) as store:
        assert {run["seed"] for run in store.runs()} == {TERM_SEED}


@pytest.mark.slow
def test_nbgrader_and_sandbox_agree_on_honest_notebooks(exchange_run):
    result, _, _, _ = exchange_run
    honest = [r for r in result.audit if r.student in ("model", "untouched", "bug")]
    assert len(honest) == 3 * len(FUNCTIONS)  # one hidden-test cell per function
    differ = [(r.student, r.grade_id, r.in_kernel, r.sandboxed) for r in honest
              if r.in_kernel != pytest.approx(r.sandboxed)]
    assert differ == []


@pytest.mark.slow
def test_audit_flags_the_notebook_that_fakes_its_score(exchange_run):
    """score_patcher replaced the hidden tests' scoring function from an earlier cell: its
    kernel reported full marks for stubs; the sandbox gave 0. Only it is flagged."""
    result, _, _, _ = exchange_run
    assert flagged_students(result.audit) == ["score_patcher"]
    faked = [r for r in result.audit
             if r.student == "score_patcher" and r.notebook == "01_feature_map_size"]
    assert faked and all(r.in_kernel == r.max_score and r.sandboxed == 0 and r.flagged
                         for r in faked)


@pytest.mark.slow
def test_numpy_patch_gains_nothing_in_the_kernel_either(exchange_run):
    """numpy_patcher made numpy's comparisons always say "equal" before its zeros conv2d
    was tested; the in-kernel checks do not trust the kernel's numpy, so its in-kernel
    conv2d score is no higher than the sandbox's, and well below full marks."""
    result, _, _, _ = exchange_run
    conv2d = next(r for r in result.audit
                  if r.student == "numpy_patcher" and r.grade_id == "conv2d-tests")
    assert conv2d.in_kernel <= conv2d.sandboxed < conv2d.max_score
    assert not conv2d.flagged


@pytest.mark.slow
def test_gradebook_holds_sandboxed_scores_for_nbgrader_export(exchange_run):
    """The real `nbgrader export` command reads the gradebook the cycle wrote into."""
    result, cfg, _, tmp = exchange_run
    out = tmp / "export.csv"
    bindir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": bindir + os.pathsep + os.environ.get("PATH", "")}
    subprocess.run([str(Path(bindir) / "nbgrader"), "export", f"--to={out}",
                    f"--CourseDirectory.course_id={cfg.CourseDirectory.course_id}"],
                   cwd=result.course_dir, env=env, check=True, capture_output=True)
    scores = grades(out)
    sandboxed = {rec.student: rec.score for rec in result.records}
    assert scores == pytest.approx(sandboxed)
    assert scores["score_patcher"] == 0  # not the full marks its kernel reported


@pytest.mark.slow
def test_feedback_is_released_to_every_student(exchange_run):
    result, cfg, _, _ = exchange_run
    outbound = Path(cfg.Exchange.root) / cfg.CourseDirectory.course_id / "feedback"
    html = list(outbound.rglob("*.html"))
    # one feedback page per student and notebook
    assert len(html) == len(result.students) * len(NOTEBOOKS)


@pytest.mark.slow
def test_audit_command_flags_and_exits_2(exchange_run):
    """`python -m autograder.course audit` after autograde: the table names the faker."""
    result, _, _, _ = exchange_run
    run = subprocess.run([sys.executable, "-m", "autograder.course", "audit",
                          "--course", str(result.course_dir), "--no-write", "--workers", "2"],
                         capture_output=True, text=True)
    assert run.returncode == 2, run.stderr[-2000:]
    flagged = [line.split()[0] for line in run.stdout.splitlines() if "FLAG" in line]
    assert set(flagged) == {"score_patcher"}


@pytest.mark.slow
def test_audit_grades_the_snapshot_and_names_a_changed_submission(exchange_run):
    """Someone edits submitted/ after the snapshot (as an unsandboxed kernel could): audit
    says so, exits 2, and still grades what was collected."""
    result, _, _, _ = exchange_run
    target = result.course_dir / "submitted" / "thief" / ASSIGNMENT / "03_convolution.ipynb"
    original = target.read_bytes()
    target.write_bytes(original + b" ")
    try:
        run = subprocess.run([sys.executable, "-m", "autograder.course", "audit",
                              "--course", str(result.course_dir), "--no-write",
                              "--workers", "2"], capture_output=True, text=True)
    finally:
        target.write_bytes(original)
    assert run.returncode == 2, run.stderr[-2000:]
    changed = [line for line in run.stdout.splitlines() if line.startswith("CHANGED")]
    assert changed == [line for line in changed if "thief" in line] and len(changed) == 1
    assert "03_convolution.ipynb changed" in changed[0]
    # no student of this class touched a test cell or the provided code, and audit says so
    assert "locked cells (tests, provided code): as released in all 6 submission(s)" \
        in run.stdout
    assert "Warning" not in run.stderr, run.stderr[-2000:]  # library warnings: --verbose


# ---------------------------------------------------------------------------- locked cells

def restore_locked_cells(kind, cfg, notebook, caplog) -> tuple[object, list[str]]:
    """``notebook`` after ``kind`` (an OverwriteCells) put its locked cells back from the
    exchange run's gradebook, and the warnings it logged."""
    pre = kind(config=cfg)  # the course's settings: its hidden-test delimiters
    pre.log = logging.getLogger("restore-locked-cells")
    resources = {"nbgrader": {"notebook": "01_feature_map_size", "assignment": ASSIGNMENT,
                              "db_url": CourseDirectory(config=cfg).db_url}}
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger=pre.log.name):
        restored, _ = pre.preprocess(copy.deepcopy(notebook), resources)
    return restored, [r.getMessage() for r in caplog.records]


@pytest.mark.slow
def test_an_untouched_locked_cell_raises_no_alarm_and_a_changed_one_does(exchange_run,
                                                                          caplog):
    """nbgrader compares a submitted locked cell with the source (hidden tests included),
    so the released notebook itself is reported as changed; OverwriteCellsSafely compares
    it with what was released: silent for the release, and the same alarm as nbgrader's for
    a real edit, whose cell is put back either way."""
    result, cfg, _, _ = exchange_run
    released = nbformat.read(result.course_dir / "release" / ASSIGNMENT /
                             "01_feature_map_size.ipynb", as_version=4)
    source = nbformat.read(result.course_dir / "source" / ASSIGNMENT /
                           "01_feature_map_size.ipynb", as_version=4)
    hidden = [c for c in source.cells if "HIDDEN TESTS" in c.source]
    assert hidden, "notebook 01 has no hidden tests: this test shows nothing"

    _, alarms = restore_locked_cells(OverwriteCells, cfg, released, caplog)
    assert len([a for a in alarms if "'checksum'" in a]) >= len(hidden)  # nbgrader's alarm
    restored, alarms = restore_locked_cells(OverwriteCellsSafely, cfg, released, caplog)
    assert alarms == []
    by_id = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in restored.cells}
    for cell in hidden:  # the hidden tests are back for grading
        assert by_id[cell.metadata.nbgrader.grade_id].source == cell.source

    edited = copy.deepcopy(released)
    target = next(c for c in edited.cells
                  if c.metadata.get("nbgrader", {}).get("grade_id") ==
                  hidden[0].metadata.nbgrader.grade_id)
    target.source = "1.0  # full marks, please"
    restored, alarms = restore_locked_cells(OverwriteCellsSafely, cfg, edited, caplog)
    assert len(alarms) == 1 and "'checksum'" in alarms[0] and target.metadata.nbgrader.grade_id \
        in alarms[0]
    by_id = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in restored.cells}
    assert by_id[hidden[0].metadata.nbgrader.grade_id].source == hidden[0].source


# ---------------------------------------------------------------------------- LMS path

@pytest.mark.slow
def test_lms_zip_collect_gives_the_same_scores(lms_run, exchange_run):
    result, bug = lms_run
    scores = grades(result.grades_csv)
    part02 = next(p for p in rubric.PARTS if p.stem == "02_padding")
    only02 = float(sum(rubric.points_for(f) for f in part02.functions))
    assert scores == {"model": MAX, "untouched": 0.0, "bug": MAX - lost_points(bug),
                      "only02": only02}
    assert any("my_notes.txt" in w for w in result.problems.get("(LMS download)", []))
    first, _, _, _ = exchange_run
    assert [r.flagged for r in result.audit] == [False] * len(result.audit)
    assert [(r.student, r.grade_id) for r in result.audit if r.status != "same"] == []
    assert {r.student: r.score for r in result.records if r.student != "only02"} == \
        {r.student: r.score for r in first.records if r.student in scores}


# ---------------------------------------------------------------------------- fast pieces

logins = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12)
ids = st.integers(0, 10**8).map(str)
notebook_stems = st.sampled_from([p.stem for p in rubric.PARTS])


@given(login=logins, user=ids, submission=ids, stem=notebook_stems, late=st.booleans(),
       again=st.sampled_from(["", "-1", "-12"]))
def test_canvas_regexp_reads_student_and_notebook(login, user, submission, stem, late, again):
    name = f"/dl/{login}_{'LATE_' if late else ''}{user}_{submission}_{stem}{again}.ipynb"
    match = re.match(CANVAS_REGEXP, name)
    assert match is not None
    assert (match["student_id"], match["file_id"]) == (login, stem)


@given(login=logins, stem=notebook_stems)
def test_canvas_regexp_skips_names_without_canvas_ids(login, stem):
    assert re.match(CANVAS_REGEXP, f"/dl/{login}_{stem}.ipynb") is None


def test_every_hidden_test_cell_grades_the_function_it_is_named_after():
    """The mapping grade cell -> function that write_scores and audit rely on, on the
    course's real source notebooks; each cell is worth the rubric's points."""
    skip_unless_course()
    seen = []
    for part in rubric.PARTS:
        nb = nbformat.read(ASSIGNMENTS / "source" / ASSIGNMENT / f"{part.stem}.ipynb", 4)
        for cell in nb.cells:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if meta.get("grade"):
                functions = functions_graded_by(cell.source, meta["grade_id"])
                assert functions == (meta["grade_id"].removesuffix("-tests"),)
                assert meta["points"] == rubric.points_for(functions[0])
                seen.extend(functions)
    assert seen == list(rubric.FUNCTIONS)


def test_answer_replaces_only_the_graded_function():
    released = ('import numpy as np\n\n\ndef relu(x):\n    """Doc."""\n'
                '    # YOUR CODE HERE\n    raise NotImplementedError()\n\n\nhelper = 1\n')
    new = answer(released, {"relu": "def relu(x):\n    return x * (x > 0)\n"})
    assert "NotImplementedError" not in new
    assert new.startswith("import numpy as np") and new.endswith("helper = 1\n")
    assert answer(released, {"dense": "def dense(x, w, b):\n    pass\n"}) is None


@pytest.mark.parametrize("text, reason", [
    ('{"cells": [ oops', "not valid JSON"),
    ("[1, 2]", "not a Jupyter notebook"),
    ('{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "x"}]}',
     "not a valid notebook"),
])
def test_unreadable_notebooks_say_why(tmp_path, text, reason):
    path = tmp_path / "01_feature_map_size.ipynb"
    path.write_text(text)
    assert reason in unreadable_reason(path)
    path.write_text(nbformat.writes(nbformat.v4.new_notebook()))
    assert unreadable_reason(path) is None
