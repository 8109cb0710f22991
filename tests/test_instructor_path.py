"""The instructor's path as a new user walks it: a mistyped PATH, regrading one student in
place, one file given into a class's folder, an instructor's own pytest items, the example
class as files, every command's help, and the small words (1 point).

Grading runs for real (the console script, the sandbox); a class of three example students
is graded once per module and copied for each test that changes it.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import rubric
from autograder.cli import build_parser, main
from autograder.examples import build_class, example_class, read, write_example_class
from autograder.reports.numbers import points_phrase
from autograder.results import Failure, FailureKind, ItemResult

ROOT = Path(__file__).resolve().parent.parent
AUTOGRADER = str(Path(sys.executable).parent / "autograder")
CLASS = {s.name: s for s in example_class()}
THREE = ("loops", "stub", "bug_kernel_flipped")


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([AUTOGRADER, *args], capture_output=True, text=True, cwd=cwd,
                          timeout=1800)


def grades(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "grades.csv", newline="") as f:
        return {row["student"]: row for row in csv.DictReader(f)}


def runs(out: Path) -> list[dict]:
    from autograder.store import Store

    with Store.open(out, create=False) as store:
        return store.runs()


# --------------------------------------------------------------------------- PATHs


@pytest.mark.parametrize(("make", "says"), [
    (lambda d: d / "nope", "no such file or folder"),
    (lambda d: d / "nope.py", "no such file or folder"),
    (lambda d: (d / "notes.txt").write_text("hi") and d / "notes.txt", "not a submission"),
    (lambda d: (d / "gone.py").symlink_to(d / "nowhere.py") or d / "gone.py",
     "a symbolic link to nothing"),
])
def test_a_path_that_is_no_submission_stops_before_anything_is_graded(tmp_path, capsys,
                                                                        make, says):
    (tmp_path / "class").mkdir()
    build_class(tmp_path / "class", [CLASS["loops"]])
    bad = make(tmp_path)
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exc:
        main(["grade", str(tmp_path / "class"), str(bad), "--out", str(out)])
    err = capsys.readouterr().err
    assert exc.value.code == 2
    assert err.count("\n") == 1 and says in err and str(bad) in err
    assert not out.exists(), "nothing may be graded or written"


def test_other_files_of_a_class_folder_are_named_once_in_the_summary(tmp_path):
    folder = tmp_path / "class"
    build_class(folder, [CLASS["loops"]])
    for name in ("notes.txt", "README.md"):
        (folder / name).write_text("not code\n")
    proc = run("grade", str(folder), "--out", str(tmp_path / "out"), "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert "notes.txt" not in proc.stderr
    mentions = [line for line in proc.stdout.splitlines() if "notes.txt" in line]
    assert len(mentions) == 1 and "README.md" in mentions[0] and "skipped" in mentions[0]
    assert list(grades(tmp_path / "out")) == ["loops"]


# --------------------------------------------------------------------------- in place


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Path:
    """A class of three, graded; each test gets its own copy (class/ and out/)."""
    base = tmp_path_factory.mktemp("graded")
    build_class(base / "class", [CLASS[n] for n in THREE])
    proc = run("grade", str(base / "class"), "--out", str(base / "out"), "--workers", "2",
               "--quiet")
    assert proc.returncode == 0, proc.stderr
    return base


@pytest.fixture
def site(graded, tmp_path) -> Path:
    shutil.copytree(graded / "class", tmp_path / "class")
    shutil.copytree(graded / "out", tmp_path / "out")
    return tmp_path


def test_regrading_one_student_keeps_the_whole_class_in_every_class_file(site):
    before = grades(site / "out")
    proc = run("grade", str(site / "class"), "--out", str(site / "out"), "--student", "stub",
               "--student", "loops", "--force", "--quiet")
    assert proc.returncode == 0, proc.stderr
    after = grades(site / "out")
    assert after == before  # the same rows, the whole class
    report = json.loads((site / "out" / "class.json").read_text())
    assert sorted(s["name"] for s in report["students"]) == sorted(THREE)
    assert "bug_kernel_flipped" in (site / "out" / "class.html").read_text()
    last = runs(site / "out")[-1]
    assert (last["graded"], last["total"]) == (2, 2), "only stub and loops were graded"
    assert "cover the whole class: 3 student(s)" in proc.stdout


def test_a_student_whose_file_changed_keeps_the_earlier_grade_and_is_named(site):
    bug = site / "class" / "bug_kernel_flipped.py"
    bug.write_text(read("model_solution.py"))  # fixed since, not graded yet
    build_class(site / "class", [CLASS["vectorized"]])  # a new student, never graded
    proc = run("grade", str(site / "class"), "--out", str(site / "out"), "--student", "stub",
               "--quiet")
    assert proc.returncode == 0, proc.stderr
    rows = grades(site / "out")
    assert sorted(rows) == sorted(THREE) and float(rows["bug_kernel_flipped"]["score"]) < 100
    kept = next(line for line in proc.stdout.splitlines() if "earlier file" in line)
    assert kept.endswith("bug_kernel_flipped")
    never = next(line for line in proc.stdout.splitlines() if "never graded" in line)
    assert never.endswith("vectorized")
    assert runs(site / "out")[-1]["graded"] == 0  # stub was unchanged: cached


def test_an_unknown_student_is_refused_with_the_closest_names(site):
    proc = run("grade", str(site / "class"), "--out", str(site / "out"), "--student", "stubb")
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "did you mean stub?" in proc.stderr
    assert len(runs(site / "out")) == 1, "nothing was graded"


def test_one_file_into_a_class_folder_is_refused_until_asked(site):
    before = (site / "out" / "grades.csv").read_text()
    proc = run("grade", str(site / "class" / "stub.py"), "--out", str(site / "out"), "--force")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert "--student stub" in proc.stderr and "--replace-class" in proc.stderr
    assert (site / "out" / "grades.csv").read_text() == before
    proc = run("grade", str(site / "class" / "stub.py"), "--out", str(site / "out"),
               "--replace-class", "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert list(grades(site / "out")) == ["stub"]


def test_replay_says_one_point_not_one_points(graded):
    proc = run("replay", str(graded / "out"), "loops", "--item", "relu: values")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "(1 point)" in proc.stdout and "points)" not in proc.stdout


def test_points_are_spelled_with_their_number():
    assert [points_phrase(p) for p in (0, 1, 2, 2.5, 1.0)] == [
        "0 points", "1 point", "2 points", "2.5 points", "1 point"]
    from autograder.course.notebook import explain

    lost = ItemResult("relu: values", 0.0, 1.0, Failure("wrong", FailureKind.MISMATCH))
    text = explain([lost], "en")
    assert "0 of 1 point" in text and "points" not in text


# --------------------------------------------------------------------------- --items

ITEMS = '''
import numpy as np
import pytest


@pytest.mark.points({points})
def test_conv2d_handles_a_1x1_filter(student):
    x = np.arange(2 * 1 * 3 * 3.0).reshape(2, 1, 3, 3)
    assert np.array_equal(student.call("conv2d", x, np.ones((1, 1, 1, 1))), x)


@pytest.mark.points(2)
def test_relu_of_minus_one_is_zero(student):
    assert student.call("relu", np.array([-1.0]))[0] == 0.0


def test_not_an_item_and_not_run():
    raise RuntimeError("a test without points must not run")
'''
EXTRA = ["test_conv2d_handles_a_1x1_filter", "test_relu_of_minus_one_is_zero"]


def test_extra_items_count_in_every_report_and_in_the_store_key(tmp_path):
    build_class(tmp_path / "class", [CLASS["loops"], CLASS["stub"]])
    items, out = tmp_path / "my_items.py", tmp_path / "out"
    items.write_text(ITEMS.format(points=3))
    grade = ["grade", str(tmp_path / "class"), "--out", str(out), "--items", str(items),
             "--quiet", "--workers", "2"]
    proc = run(*grade)
    assert proc.returncode == 0, proc.stderr
    header = next(csv.reader((out / "grades.csv").open(newline="")))
    assert header[3:] == [it.name for it in rubric.ITEMS] + EXTRA
    rows = grades(out)
    assert (rows["loops"]["score"], rows["loops"]["max_score"]) == ("105", "105")
    assert [rows["stub"][n] for n in EXTRA] == ["0", "0"]
    tests = {t["name"]: t for t in json.loads((out / "stub" / "results.json").read_text())
             ["tests"]}
    assert tests[EXTRA[0]]["max_score"] == 3 and tests[EXTRA[0]]["score"] == 0
    assert "NotImplementedError" in tests[EXTRA[0]]["output"]
    assert "student.call(" not in tests[EXTRA[0]]["output"], "the test's source is not shown"
    assert EXTRA[1] in (out / "stub" / "feedback.html").read_text()
    report = json.loads((out / "class.json").read_text())
    assert set(EXTRA) <= {i["name"] for i in report["items"]}
    # unchanged file: cached; edited file: graded again, with the new points
    assert run(*grade).returncode == 0 and runs(out)[-1]["cached"] == 2
    items.write_text(ITEMS.format(points=4))
    assert run(*grade).returncode == 0 and runs(out)[-1]["graded"] == 2
    assert grades(out)["loops"]["max_score"] == "106"


@pytest.mark.parametrize(("content", "name", "says"), [
    (None, "my_items.py", "no such file"),
    ("x = 1\n", "my_items.txt", "expected a .py file"),
    ("def test_no_points(student):\n    pass\n", "my_items.py", "no test marked"),
    ("def test_(:\n", "my_items.py", "cannot collect"),
])
def test_an_items_file_that_cannot_be_used_stops_with_one_line(tmp_path, content, name, says):
    build_class(tmp_path / "class", [CLASS["loops"]])
    items = tmp_path / name
    if content is not None:
        items.write_text(content)
    proc = run("grade", str(tmp_path / "class"), "--out", str(tmp_path / "out"),
               "--items", str(items))
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert says in proc.stderr and not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- demo --class


def test_demo_class_writes_the_example_class_and_refuses_someone_elses_folder(tmp_path,
                                                                              capsys):
    assert main(["demo", "--class", str(tmp_path / "c")]) == 0
    assert sorted(p.stem for p in (tmp_path / "c").glob("*.py")) == sorted(CLASS)
    assert "autograder grade" in capsys.readouterr().out
    assert main(["demo", "--class", str(tmp_path / "c")]) == 0  # its own folder again
    (tmp_path / "c" / "mine.txt").write_text("keep me")
    assert main(["demo", "--class", str(tmp_path / "c")]) == 2
    assert "mine.txt" in capsys.readouterr().err
    assert (tmp_path / "c" / "mine.txt").read_text() == "keep me"
    with pytest.raises(ValueError):
        write_example_class(tmp_path / "c" / "mine.txt")


# --------------------------------------------------------------------------- help


def subcommand_parsers() -> dict[str, object]:
    found, todo = {}, [("autograder", build_parser())]
    while todo:
        name, parser = todo.pop()
        for action in parser._actions:
            if action.__class__.__name__ == "_SubParsersAction":
                for sub, child in action.choices.items():
                    found[f"{name} {sub}"] = child
                    todo.append((f"{name} {sub}", child))
    return found


def test_every_subcommands_help_shows_examples():
    parsers = subcommand_parsers()
    assert {"autograder grade", "autograder export", "autograder course grade"} <= set(parsers)
    for name, parser in parsers.items():
        text = parser.format_help()
        examples = text.split("examples:", 1)[-1] if "examples:" in text else ""
        assert re.search(r"^  autograder \w", examples, re.M), f"{name}: no example"


def test_the_top_level_help_names_no_module():
    text = build_parser().format_help()
    assert not re.search(r"autograder\.\w|``|\w+\.py\b", text), text
    assert "autograder demo" in text and "--help" in text


# --------------------------------------------------------------------------- selfcheck


def test_the_released_selfcheck_answers_help_and_a_missing_file():
    stubs = ROOT / "assignments" / "stubs"
    if not (stubs / "selfcheck.py").is_file():
        pytest.skip("assignments/stubs is not in this checkout")
    ask = [sys.executable, "selfcheck.py"]
    proc = subprocess.run([*ask, "--help"], cwd=stubs, capture_output=True, text=True)
    assert proc.returncode == 0 and "usage: python selfcheck.py" in proc.stdout
    assert "PASS" in proc.stdout and "WAIT" in proc.stdout and "cannot load" not in proc.stdout
    proc = subprocess.run([*ask, "nope.py"], cwd=stubs, capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stdout.count("\n") == 1 and "nope.py" in proc.stdout
