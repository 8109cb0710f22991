"""The ``autograder`` command end to end, through the installed console script and the real
sandbox: the example class, broken inputs, determinism, ``check`` and the pytest front-end."""

from __future__ import annotations

import csv
import html
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import rubric
from autograder.cli import main
from autograder.examples import example_class, read, stub_source

BIN = Path(sys.executable).parent
AUTOGRADER = str(BIN / "autograder")
MODEL = read("model_solution.py")
CLASS = {s.name: s for s in example_class()}


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, cwd=cwd, timeout=1800)


def grades(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "grades.csv", newline="") as f:
        return {row["student"]: row for row in csv.DictReader(f)}


def results(out: Path, student: str) -> dict:
    return json.loads((out / student / "results.json").read_text())


def item_of(test: dict) -> str:
    """The rubric item a results.json test grades (its ``name`` is the item's title in the
    report's language, for the student)."""
    return test["extra_data"]["item"]


def lost_items(out: Path, student: str) -> set[str]:
    return {item_of(t) for t in results(out, student)["tests"] if t["score"] < t["max_score"]}


# --------------------------------------------------------------------------- the example class


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    folder = tmp_path_factory.mktemp("demo")
    proc = run(AUTOGRADER, "demo", "--out", str(folder), "--workers", "2")
    assert proc.returncode == 0, proc.stderr
    return proc, folder / "reports"


def test_demo_keeps_the_class_and_its_reports_and_names_what_to_open(demo):
    proc, out = demo
    named = dict(re.findall(r"^  (the class report|a student's feedback|the class's files)"
                            r"\s+(\S+)$", proc.stdout, re.M))
    assert Path(named["the class report"]) == out / "class.html"
    assert Path(named["a student's feedback"]) == out / "bug_kernel_flipped" / "feedback.html"
    assert Path(named["the class's files"]) == out.parent / "class"
    for path in named.values():
        assert Path(path).exists(), path
    assert sorted(p.stem for p in (out.parent / "class").glob("*.py")) == sorted(CLASS)
    assert json.loads((out / "class.json").read_text())["summary"]["students"] == len(CLASS)


def test_demo_without_out_keeps_its_folder_and_says_where(tmp_path, monkeypatch, capsys):
    """Nothing graded is thrown away: the folder the demo names exists after it ends. (The
    grading itself is the demo fixture's; here only where its files go.)"""
    import tempfile
    from types import SimpleNamespace

    from autograder.commands import grade as grade_command

    def grade_paths(paths, out, *args, **kwargs):
        assert [p.name for p in paths] == ["class"] and len(list(paths[0].glob("*.py"))) > 1
        Path(out).mkdir()
        (Path(out) / "class.html").write_text("the class report")
        return SimpleNamespace(records=[])

    monkeypatch.setattr(grade_command, "grade_paths", grade_paths)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert main(["demo", "--quiet"]) == 0
    kept = re.search(r"^kept in (\S+):$", capsys.readouterr().out, re.M)
    assert kept and Path(kept.group(1)).parent == tmp_path
    assert (Path(kept.group(1)) / "reports" / "class.html").read_text() == "the class report"
    assert (Path(kept.group(1)) / "class").is_dir()


def test_demo_grades_every_example_student_once(demo):
    proc, out = demo
    assert sorted(grades(out)) == sorted(CLASS)
    for name in CLASS:
        assert re.search(rf"^{re.escape(name)}\s+\d", proc.stdout, re.M), name
    assert re.search(r"sandbox: (bubblewrap|rlimit)", proc.stdout)


def test_demo_shows_progress_on_stderr(demo):
    proc, _ = demo
    assert f"{len(CLASS)}/{len(CLASS)}" in proc.stderr


WITH_SCORE = [s.name for s in example_class() if "EXPECTED_SCORE" in s.expectations()]
WITH_LOST = [s.name for s in example_class() if "EXPECTED_LOST" in s.expectations()]


@pytest.mark.parametrize("name", WITH_SCORE)
def test_students_with_a_known_score_get_it(demo, name):
    _, out = demo
    expected = CLASS[name].expectations()["EXPECTED_SCORE"]
    assert results(out, name)["score"] == expected
    assert grades(out)[name]["score"] == str(expected)


@pytest.mark.parametrize("name", WITH_LOST)
def test_students_lose_exactly_their_expected_items(demo, name):
    _, out = demo
    assert lost_items(out, name) == set(CLASS[name].expectations()["EXPECTED_LOST"])


def test_the_correct_students_are_among_them():
    assert {"loops", "vectorized"} <= set(WITH_SCORE)
    assert CLASS["loops"].expectations()["EXPECTED_SCORE"] == rubric.TOTAL_POINTS


@pytest.mark.parametrize("name, why", [("truncated_upload", r"SyntaxError in line \d+"),
                                       ("crash_on_import", "RuntimeError: testing my conv2d"),
                                       ("exits_on_import", "SystemExit")])
def test_a_broken_file_is_contained_and_the_reason_given(demo, name, why):
    _, out = demo
    data = results(out, name)
    assert any(re.search(why, str(p)) for p in data["extra_data"]["problems"])
    page = (out / name / "feedback.html").read_text()
    if data["score"] < rubric.TOTAL_POINTS:
        assert "Problems with the submission" in data["output"]
        assert re.search(why, data["output"]) and re.search(why, page)
    else:  # nothing lost (an exit after every function was defined): the student is not
        # sent to fix it; the instructor still reads it in extra_data
        assert "Problems with the submission" not in data["output"]
        assert not re.search(why, data["output"]) and not re.search(why, page)


def test_the_hanging_function_times_out_on_its_own_items(demo):
    _, out = demo
    expected = set(CLASS["hangs"].expectations()["EXPECTED_LOST"])
    tests = {item_of(t): t for t in results(out, "hangs")["tests"]}
    assert expected and expected <= set(tests)
    assert all("longer than" in tests[name]["output"] for name in expected)


def test_patching_numpy_gains_nothing(demo):
    _, out = demo
    lost = lost_items(out, "numpy_patcher")
    shape_only = {"conv2d: output shape", "conv2d: rejects bad geometry"}  # zeros pass these
    assert {it.name for it in rubric.items_for("conv2d")} - shape_only <= lost


BUGS = [s.name for s in example_class() if s.override and s.override.startswith("bugs/")]


@pytest.mark.parametrize("name", BUGS)
def test_each_classic_bug_is_diagnosed_in_both_reports(demo, name):
    _, out = demo
    diagnosis = CLASS[name].expectations()["EXPECTED_DIAGNOSIS"]
    assert diagnosis in results(out, name)["output"]
    assert html.escape(diagnosis) in (out / name / "feedback.html").read_text()


def test_feedback_pages_are_written_for_every_student(demo):
    _, out = demo
    for name in CLASS:
        page = (out / name / "feedback.html").read_text()
        assert page.startswith("<!DOCTYPE html>") and name in page


# --------------------------------------------------------------------------- broken inputs


def notebook(*cells: str) -> str:
    return json.dumps({
        "nbformat": 4, "nbformat_minor": 5, "metadata": {},
        "cells": [{"cell_type": "code", "metadata": {}, "source": c, "outputs": [],
                   "execution_count": None, "id": f"c{i}"} for i, c in enumerate(cells)],
    })


BROKEN = {
    "syntax.py": "def relu(x):\n    return np.maximum(x, 0\n",
    "not_json.ipynb": '{"cells": [ this is not json',
    "not_utf8.py": b"# \xff\xfe caf\xe9\ndef relu(x):\n    return x\n",
    "empty.py": "",
    "only_relu.py": "import numpy as np\n\ndef relu(x):\n    return np.maximum(x, 0)\n",
    "wrong_signature.py": MODEL + "\n\ndef conv2d(x):\n    return x\n",
    # a notebook has no __file__; the model solution only uses it to find its data file
    "good_notebook.ipynb": notebook(MODEL.replace("Path(__file__)", 'Path("conv_layers.py")')),
}


@pytest.fixture(scope="module")
def broken(tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    folder = tmp_path_factory.mktemp("broken") / "class"
    folder.mkdir()
    for name, content in BROKEN.items():
        path = folder / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    out = folder.parent / "out"
    proc = run(AUTOGRADER, "grade", str(folder), "--out", str(out), "--workers", "2")
    assert proc.returncode == 0, proc.stderr
    return proc, out


def test_every_broken_input_gets_exactly_one_record(broken):
    _, out = broken
    assert sorted(grades(out)) == sorted(Path(n).stem for n in BROKEN)


@pytest.mark.parametrize("name", ["syntax", "not_json", "not_utf8", "empty"])
def test_unreadable_inputs_score_zero_with_a_reason(broken, name):
    _, out = broken
    data = results(out, name)
    assert data["score"] == 0
    assert "Problems with the submission" in data["output"]


def test_a_file_with_only_some_functions_gets_their_points(broken):
    _, out = broken
    assert results(out, "only_relu")["score"] == rubric.points_for("relu")


def test_a_wrong_signature_costs_that_functions_items_with_the_typeerror(broken):
    _, out = broken
    lost = lost_items(out, "wrong_signature")
    assert {it.name for it in rubric.items_for("conv2d")} <= lost
    outputs = [t["output"] for t in results(out, "wrong_signature")["tests"]
               if item_of(t).startswith("conv2d:")]
    assert any("TypeError" in o for o in outputs)


def test_a_notebook_submission_is_graded_like_the_file(broken):
    _, out = broken
    assert results(out, "good_notebook")["score"] == rubric.TOTAL_POINTS


# --------------------------------------------------------------------------- determinism


def _without_timing(text: str) -> str:
    return re.sub(r'"execution_time": [0-9.]+', '"execution_time": 0', text)


def test_grading_twice_gives_identical_reports(tmp_path):
    bug = next((s for s in example_class() if s.name.startswith("bug_")), CLASS["numpy_patcher"])
    src = tmp_path / f"{bug.name}.py"
    src.write_text(bug.source())
    for out in ("one", "two"):
        proc = run(AUTOGRADER, "grade", str(src), "--out", str(tmp_path / out), "--seed", "3")
        assert proc.returncode == 0, proc.stderr
    for name in ("results.json", "feedback.html"):
        one = (tmp_path / "one" / bug.name / name).read_text()
        two = (tmp_path / "two" / bug.name / name).read_text()
        assert _without_timing(one) == _without_timing(two)
    assert (tmp_path / "one" / "grades.csv").read_text() == (tmp_path / "two" / "grades.csv"
                                                             ).read_text()


# --------------------------------------------------------------------------- check


def test_check_passes_the_model_solution(tmp_path):
    path = tmp_path / "conv_layers.py"
    path.write_text(MODEL)
    proc = run(AUTOGRADER, "check", str(path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "FAIL" not in proc.stdout and "PASS" in proc.stdout


def test_check_fails_the_stub_with_messages(tmp_path):
    path = tmp_path / "conv_layers.py"
    path.write_text(stub_source(MODEL))
    proc = run(AUTOGRADER, "check", str(path))
    assert proc.returncode == 1
    assert "FAIL" in proc.stdout and "not implemented yet" in proc.stdout


def test_check_on_a_missing_file_says_so(tmp_path):
    proc = run(AUTOGRADER, "check", str(tmp_path / "nope.py"))
    assert proc.returncode == 1 and "no such file" in proc.stdout


# --------------------------------------------------------------------------- pytest front-end

INSTRUCTOR_TEST = '''
import numpy as np
import pytest


@pytest.mark.points(3)
def test_conv2d_keeps_batch_order(student):
    x = np.arange(2 * 1 * 3 * 3.0).reshape(2, 1, 3, 3)
    assert np.array_equal(student.call("conv2d", x, np.ones((1, 1, 1, 1))), x)


@pytest.mark.points(2)
def test_relu_of_minus_one_is_minus_one(student):
    assert student.call("relu", np.array([-1.0]))[0] == -1.0  # wrong on purpose
'''


def test_pytest_front_end_grades_the_rubric_and_instructor_tests(tmp_path):
    sub = tmp_path / "model.py"
    sub.write_text(MODEL)
    extra = tmp_path / "test_extra.py"
    extra.write_text(INSTRUCTOR_TEST)
    out = tmp_path / "results.json"
    proc = run(str(BIN / "pytest"), "--pyargs", "autograder.checks", str(extra),
               "--submission", str(sub), "--results-json", str(out), "-q",
               "-p", "no:cacheprovider", cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout  # the purposely wrong instructor test fails
    data = json.loads(out.read_text())
    names = [t["name"] for t in data["tests"]]
    assert names[: len(rubric.ITEMS)] == [it.title("ko+en") for it in rubric.ITEMS]
    assert [item_of(t) for t in data["tests"]][: len(rubric.ITEMS)] == [
        it.name for it in rubric.ITEMS]
    assert data["score"] == rubric.TOTAL_POINTS + 3
    assert sum(t["max_score"] for t in data["tests"]) == rubric.TOTAL_POINTS + 5
    assert re.search(r"\b1 failed\b", proc.stdout)
    assert re.search(rf"\b{len(rubric.ITEMS) + 1} passed\b", proc.stdout)


def test_gradescope_mode_writes_results_json_straight_into_the_results_folder(tmp_path):
    submission = tmp_path / "submission"  # Gradescope's /autograder/submission
    submission.mkdir()
    (submission / "my_answers.py").write_text(stub_source(MODEL))
    out = tmp_path / "results"
    proc = run(AUTOGRADER, "grade", str(submission), "--gradescope", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    data = json.loads((out / "results.json").read_text())
    assert data["score"] == 0 and len(data["tests"]) == len(rubric.ITEMS)
    assert (out / "feedback.html").is_file()


def _unimplemented(source: str) -> set[str]:
    """Top-level functions whose body raises NotImplementedError."""
    import ast

    return {node.name for node in ast.parse(source).body if isinstance(node, ast.FunctionDef)
            and any(isinstance(s, ast.Raise) and "NotImplementedError" in ast.unparse(s)
                    for s in node.body)}


def test_the_stub_student_leaves_open_what_the_assignment_stub_does():
    shipped = Path(__file__).parents[1] / "assignments" / "stubs" / "conv_layers.py"
    if not shipped.is_file():
        pytest.skip("assignments/stubs/conv_layers.py is not in this checkout")
    ours = _unimplemented(stub_source(MODEL))
    assert ours == set(rubric.FUNCTIONS)
    assert ours == _unimplemented(shipped.read_text())


def test_course_is_passed_to_the_nbgrader_cycle():
    proc = run(AUTOGRADER, "course", "--help")
    assert proc.returncode == 0 and "nbgrader" in proc.stdout


@pytest.mark.parametrize("argv", [
    ["grade", "a.py", "--out", "o", "--timeout", "0"],
    ["grade", "a.py", "--out", "o", "--timeout", "-1"],
    ["check", "a.py", "--timeout", "soon"],
    ["grade", "a.py", "b.py", "--out", "o", "--gradescope"],
])
def test_bad_options_are_refused_with_a_usage_error(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "seconds" in err or "exactly one submission" in err


@pytest.mark.parametrize(("argv", "says"), [
    (["grade", "a.py", "--out", "o", "--item", "conv2d: no such item"],
     "no rubric item named 'conv2d: no such item'"),
    (["replay", "o"], "STUDENT"),
])
def test_bad_store_options_are_refused_with_a_usage_error(argv, says, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2 and says in capsys.readouterr().err
