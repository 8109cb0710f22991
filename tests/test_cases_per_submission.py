"""What a submission can learn for the next: with per-student cases its cases' values are
its own (the same file always gets the same ones), the cases never depend on how the
grading process was prepared, and the text its code chooses is bounded in its feedback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from support.namespaces import run_source

import reference
from autograder import engine, rubric
from autograder.checks import REGISTRY
from autograder.engine import grade_item, grade_items
from autograder.examples import build_class, example_class, read
from autograder.grading import SubmissionPath, grade_submission
from autograder.jail.protocol import FunctionRef
from autograder.options import GradeOptions
from autograder.student import InProcessStudent

ROOT = Path(__file__).resolve().parents[1]
HYPOTHESIS_ITEMS = [name for name, c in REGISTRY.items() if c.uses_hypothesis]


class Recorder:
    """The reference as a Student, remembering every call's inputs."""

    runs_in_process = True

    def __init__(self) -> None:
        self.inner, self.calls = InProcessStudent(dict(vars(reference))), []

    def has(self, function):
        return self.inner.has(function)

    def call(self, function, *args, **kwargs):
        self.calls.append((args, kwargs))
        return self.inner.call(function, *args, **kwargs)


def _shape_of(value):
    """``value`` with every array replaced by its shape and dtype: the case's geometry."""
    if isinstance(value, np.ndarray):
        return ("array", value.shape, value.dtype.str)
    if isinstance(value, (list, tuple)):
        return type(value)(_shape_of(v) for v in value)
    if isinstance(value, dict):
        return {k: _shape_of(v) for k, v in value.items()}
    if isinstance(value, FunctionRef):
        return ("function", value.name, _shape_of(value.kwargs))
    return value


def _calls(name: str, salt: str) -> list:
    rec = Recorder()
    engine._RUNS.clear()
    assert grade_item(rec, name, seed=0, salt=salt).passed
    return rec.calls


@pytest.mark.parametrize("name", HYPOTHESIS_ITEMS)
def test_a_submission_gets_its_own_values_on_the_terms_geometry(name):
    """Under two salts (two submissions) a check's cases have the same geometry and other
    values; a check with no arrays (``per_submission="cases"``) draws other cases. The
    same salt gives the same calls."""
    first, again, other = _calls(name, "a"), _calls(name, "a"), _calls(name, "b")
    assert repr(first) == repr(again)
    if REGISTRY[name].per_submission == "cases":
        assert repr(first) != repr(other)
        assert not any(isinstance(v, np.ndarray) for args, kw in first
                       for v in [*args, *kw.values()])
    else:
        assert [_shape_of(c) for c in first] == [_shape_of(c) for c in other]
        assert repr(first) != repr(other)


def test_remembered_cases_are_checked_on_each_submissions_own_values():
    """A later submission is checked on the geometry a passing run drew, made with its own
    salt: every bug gets the record it gets with nothing remembered."""
    bugs = [s for s in example_class() if s.name in (
        "bug_kernel_flipped", "bug_maxpool_zero_padding", "bug_softmax_no_max",
        "bug_pool_backward_spread", "bug_same_padding_wrong_side")]

    def record(source: str, salt: str) -> list:
        items = grade_items(InProcessStudent(run_source(source)), seed=5, salt=salt)
        return [(r.name, r.points, r.failure and str(r.failure.case)) for r in items]

    engine._RUNS.clear()
    grade_items(InProcessStudent(run_source(read("model_solution.py"))), seed=5, salt="model")
    warm = [record(s.source(), s.name) for s in bugs]
    cold = []
    for s in bugs:
        engine._RUNS.clear()
        cold.append(record(s.source(), s.name))
    assert warm == cold


def _drawn(folder: Path, name: str, per_student: bool) -> str:
    """The failing cases a kernel-flipped student is shown for two conv2d items."""
    options = GradeOptions(sandbox="rlimit", per_student_cases=per_student,
                           items=("conv2d: channels summed", "conv2d: stride"))
    record = grade_submission(SubmissionPath(name, folder / f"{name}.py"), options)
    return json.dumps([str(r.failure.case) for r in record.items], sort_keys=True)


def test_with_per_student_cases_a_changed_file_is_shown_other_values(tmp_path: Path):
    """Through the sandbox: with ``--per-student-cases`` the salt is what the code can read
    (its files, by name and content); by default every submission gets the term's values."""
    [bug] = [s for s in example_class() if s.name == "bug_kernel_flipped"]
    build_class(tmp_path, [bug])
    source = (tmp_path / "bug_kernel_flipped.py").read_text()
    for folder, text in (("resubmitted", source + "\n# one more\n"), ("again", source)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "bug_kernel_flipped.py").write_text(text)
    first = _drawn(tmp_path, "bug_kernel_flipped", True)
    assert first == _drawn(tmp_path / "again", "bug_kernel_flipped", True)
    assert first != _drawn(tmp_path / "resubmitted", "bug_kernel_flipped", True)
    term = _drawn(tmp_path, "bug_kernel_flipped", False)
    assert term == _drawn(tmp_path / "resubmitted", "bug_kernel_flipped", False) != first


DRAW = '''
import hashlib, json, sys
{prepare}
import reference
from autograder import engine
from autograder.checks import REGISTRY
from autograder.student import InProcessStudent


class Recorder:
    runs_in_process = True

    def __init__(self):
        self.inner, self.calls = InProcessStudent(dict(vars(reference))), []

    def has(self, function):
        return self.inner.has(function)

    def call(self, function, *args, **kwargs):
        self.calls.append(repr((function, args, kwargs)))
        return self.inner.call(function, *args, **kwargs)


out = {{}}
for name in {items!r}:
    rec = Recorder()
    assert engine.grade_item(rec, name, seed=0, salt="s").passed, name
    out[name] = hashlib.sha256("".join(rec.calls).encode()).hexdigest()
print(json.dumps(out))
'''

#: Importing every module of the grader first: hypothesis would find many more local
#: constants to mix into its draws.
IMPORT_ALL = '''
import importlib, pkgutil, autograder
for m in pkgutil.walk_packages(autograder.__path__, "autograder."):
    if not m.name.endswith("__main__"):
        try:
            importlib.import_module(m.name)
        except Exception:
            pass
'''


def test_every_items_cases_are_the_same_however_the_process_was_prepared(tmp_path: Path):
    """One process with this checkout's editable install that imported every module of the
    grader, one with a plain copy of the sources on ``sys.path`` (run from inside it, so
    they count as local) that imported nothing more; each with a storage folder of its own.
    Every item draws the same cases, and hypothesis leaves no constants behind."""
    plain = tmp_path / "plain"
    for package in ("autograder", "reference"):
        shutil.copytree(ROOT / package, plain / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    runs = []
    for where, prepare, path in ((tmp_path, IMPORT_ALL, None), (plain, "", str(plain))):
        env = {k: v for k, v in os.environ.items() if not k.startswith("HYPOTHESIS")}
        env["HYPOTHESIS_STORAGE_DIRECTORY"] = str(where / "hypothesis-storage")
        if path is not None:
            env["PYTHONPATH"] = path
        script = DRAW.format(prepare=prepare, items=HYPOTHESIS_ITEMS)
        done = subprocess.run([sys.executable, "-c", script], cwd=where, env=env,
                              capture_output=True, text=True, timeout=900, check=False)
        assert done.returncode == 0, done.stderr[-3000:]
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
        assert not (where / "hypothesis-storage" / "constants").exists()
    different = sorted(name for name in HYPOTHESIS_ITEMS if runs[0][name] != runs[1][name])
    assert different == []


LOUD = '''
def relu(x):
    raise ValueError("M" * 5000)

def flatten(x):
    return "S" * 5000
'''


def test_text_the_students_code_chooses_is_bounded_in_its_feedback():
    results = {r.name: r for r in grade_items(InProcessStudent(run_source(textwrap.dedent(LOUD))),
                                               items=["relu: values", "flatten: order and shape"])}
    raised = results["relu: values"].failure
    assert raised.summary.count("M") <= 300 and raised.traceback.count("M") <= 300
    assert raised.traceback.rstrip().endswith("…") and "ValueError: M" in raised.traceback
    returned = results["flatten: order and shape"].failure
    assert returned.got.startswith("S" * 300) and returned.got.count("S") == 300


def test_a_correct_solution_gets_full_marks_on_every_submissions_values():
    student = InProcessStudent(run_source(read("model_solution.py")))
    for salt in ("first", "second"):
        results = grade_items(student, seed=1, salt=salt)
        assert [r.name for r in results if not r.passed] == []
        assert sum(r.points for r in results) == rubric.TOTAL_POINTS


def test_the_salt_is_the_submissions_content_and_the_terms_seed():
    assert engine.values_salt(0, "x") == engine.values_salt(0, "x")
    assert engine.values_salt(0, "x") != engine.values_salt(1, "x")
    assert engine.values_salt(0, "x") != engine.values_salt(0, "y")
    assert engine.values_salt(0, None) is None
    assert engine.item_seed(0, "relu: values", salt="x") != engine.item_seed(0, "relu: values")
    assert engine.item_seed(0, "relu: values", salt="x") == engine.item_seed(
        0, "relu: values", salt="x")
