"""Gradescope: the bundle installed and run in Gradescope's layout, and test visibility."""

from __future__ import annotations

import html
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder import rubric
from autograder.examples import example_class
from autograder.grading import SubmissionPath, grade_submission
from autograder.options import GradeOptions
from autograder.platforms.gradescope import (
    build_bundle,
    copy_into_root,
    fallback_results,
    run,
)
from autograder.reports import FULL_FEEDBACK, ReportSettings, student_folder, write
from autograder.reports.feedback import format_value, summary_line
from autograder.reports.mistakes import mistakes
from autograder.reports.results_json import student_results
from autograder.results import FailureKind
from autograder.rubric import ITEMS

VISIBILITY = {"visible", "hidden", "after_due_date", "after_published"}
NUMBER = (int, float)


def assert_gradescope_results(data: dict) -> None:
    """results.json as Gradescope's spec describes it (gradescope-autograders, specs):
    a numeric score (or one on every test), optional execution_time (seconds), output,
    visibility and stdout_visibility from the four values, and tests with name, score,
    max_score, output and visibility."""
    assert isinstance(data, dict)
    assert isinstance(data["score"], NUMBER) and not isinstance(data["score"], bool)
    assert isinstance(data.get("execution_time", 0), NUMBER)
    assert isinstance(data.get("output", ""), str)
    for key in ("visibility", "stdout_visibility"):
        assert data.get(key, "visible") in VISIBILITY
    assert isinstance(data.get("extra_data", {}), dict)
    assert isinstance(data["tests"], list)
    for test in data["tests"]:
        assert isinstance(test["name"], str) and test["name"]
        assert isinstance(test["score"], NUMBER) and isinstance(test["max_score"], NUMBER)
        assert 0 <= test["score"] <= test["max_score"]
        assert isinstance(test["output"], str)
        assert test.get("visibility", "visible") in VISIBILITY
        assert test.get("status", "passed") in {"passed", "failed"}
    assert data["score"] == pytest.approx(sum(t["score"] for t in data["tests"]))
    json.dumps(data)  # plain JSON all the way down


def flat(text: str) -> str:
    """Text with each line's indentation removed (the feedback indents printed values)."""
    return "\n".join(line.strip() for line in text.splitlines())


def student_file(tmp_path: Path, name: str) -> Path:
    student = next(s for s in example_class() if s.name == name)
    path = tmp_path / f"{name}.py"
    path.write_text(student.source(), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def buggy_record(tmp_path_factory):
    path = student_file(tmp_path_factory.mktemp("buggy"), "bug_kernel_flipped")
    return grade_submission(SubmissionPath("kim", path), GradeOptions(seed=0))


# --------------------------------------------------------------------------- visibility


def test_visibility_applies_to_every_item(buggy_record):
    data = student_results(buggy_record, ReportSettings(visibility="after_published"))
    assert_gradescope_results(data)
    assert {t["visibility"] for t in data["tests"]} == {"after_published"}
    assert data["visibility"] == "after_published"
    assert [t["name"] for t in data["tests"]] == [item.title("ko+en") for item in ITEMS]


def test_expected_values_wait_for_the_due_date(buggy_record):
    lost = [r for r in buggy_record.items if not r.passed]
    assert lost and all(r.failure.expected is not None for r in lost)
    data = student_results(buggy_record,
                           ReportSettings(expected_visibility="after_due_date"))
    assert_gradescope_results(data)
    now = [t for t in data["tests"] if t["visibility"] == "visible"]
    later = [t for t in data["tests"] if t["visibility"] == "after_due_date"]
    assert len(now) == len(ITEMS) and len(later) == len(lost)
    assert all(t["score"] == t["max_score"] == 0 for t in later)
    by_name = {t["extra_data"]["item"]: flat(t["output"]) for t in now}
    for result, held in zip(lost, later, strict=True):
        shown_now = by_name[result.name]
        expected = flat(format_value(result.failure.expected))
        assert expected not in shown_now
        title = rubric.item(result.name).title("ko+en")
        assert expected in flat(held["output"]) and held["name"].startswith(title + " · ")
        if result.failure.where:
            assert result.failure.where not in shown_now
        # what the student can act on stays: their own answer
        assert flat(format_value(result.failure.got)) in shown_now
        assert "마감 후에 공개됩니다" in shown_now and "shown after the due date" in shown_now


def test_expected_values_inline_by_default(buggy_record):
    data = student_results(buggy_record, ReportSettings())
    lost = [r for r in buggy_record.items if not r.passed]
    outputs = {t["extra_data"]["item"]: t["output"] for t in data["tests"]}
    for result in lost:
        assert flat(format_value(result.failure.expected)) in flat(outputs[result.name])


def test_sandbox_named_to_the_instructor_only(buggy_record):
    data = student_results(buggy_record, ReportSettings())
    assert data["extra_data"]["sandbox"] == buggy_record.sandbox
    for text in (data["output"], *(t["output"] for t in data["tests"])):
        assert buggy_record.sandbox not in text and "bubblewrap" not in text
    assert "Score" in data["output"] and "점수" in data["output"]


@pytest.mark.parametrize("bad", [dict(visibility="hidden"), dict(expected_visibility="soon")])
def test_bad_visibility_is_a_clear_error(buggy_record, bad):
    with pytest.raises(ValueError, match="visibility must be one of"):
        student_results(buggy_record, ReportSettings(**bad))


# --------------------------------------------------------------------------- in the container


def test_run_never_raises_and_writes_a_valid_file(tmp_path):
    (tmp_path / "source").mkdir()
    (tmp_path / "source" / "conv_lab_gradescope.json").write_text('{"seed": "x"}')
    out = []
    data = run(tmp_path, out=type("W", (), {"write": lambda self, s: out.append(s)})())
    assert_gradescope_results(data)
    on_disk = json.loads((tmp_path / "results" / "results.json").read_text())
    assert on_disk == data and data["score"] == 0
    assert "ValueError" in data["extra_data"]["grader_error"] and "ValueError" in "".join(out)


def test_fallback_results_are_valid_and_bilingual():
    data = fallback_results("boom")
    assert_gradescope_results(data)
    assert "채점기" in data["output"] and "grader" in data["output"]


def test_bundle_layout_and_choices(tmp_path):
    bundle = build_bundle(tmp_path / "ag.zip", seed=7, lang="ko", visibility="after_due_date",
                          expected_visibility="after_published", call_timeout=4.0)
    with zipfile.ZipFile(bundle) as zf:
        names = set(zf.namelist())
        config = json.loads(zf.read("conv_lab_gradescope.json"))
        modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in zf.infolist()}
        constraints = zf.read("constraints.txt").decode().split()
    assert {"setup.sh", "run_autograder", "constraints.txt"} <= names
    wheel = next(n for n in names if n.endswith(".whl"))
    assert wheel.startswith("conv_lab-") and "/" not in "".join(names)  # all at the root
    assert modes["run_autograder"] & 0o111 and modes["setup.sh"] & 0o111
    assert config | {"version": None} == {
        "grader": "conv-lab", "version": None, "seed": 7, "lang": "ko",
        "visibility": "after_due_date", "expected_visibility": "after_published",
        "call_timeout": 4.0}
    import hypothesis
    import numpy

    assert f"hypothesis=={hypothesis.__version__}" in constraints
    assert f"numpy=={numpy.__version__}" in constraints

    # a grader that cannot even start still leaves Gradescope a valid results.json
    root = tmp_path / "autograder"
    copy_into_root(bundle, root)
    (root / "source" / ".python").write_text(shutil.which("false") + "\n")
    (root / "results").mkdir()
    (root / "results" / "results.json").write_text("stale")
    done = subprocess.run([str(root / "run_autograder")], env={
        **os.environ, "AUTOGRADER_ROOT": str(root)}, capture_output=True, text=True)
    assert done.returncode == 0
    data = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    assert_gradescope_results(data)
    assert data["score"] == 0 and "채점기" in data["output"] and "grader" not in data["output"]


def test_bundle_rejects_bad_choices(tmp_path):
    with pytest.raises(ValueError, match="lang must be one of"):
        build_bundle(tmp_path / "x.zip", lang="fr")
    assert not (tmp_path / "x.zip").exists()


@pytest.mark.slow
def test_bundle_installs_and_grades_in_gradescope_layout(tmp_path):
    """setup.sh into a fresh venv first on PATH, then run_autograder on a correct, a buggy
    and a broken submission; the broken one without bubblewrap on PATH (as in a container
    without it): the fallback is told to the instructor, not the student."""
    bundle = build_bundle(tmp_path / "autograder.zip", seed=5,
                          expected_visibility="after_due_date")
    root = tmp_path / "autograder"
    copy_into_root(bundle, root)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = {**os.environ, "PATH": f"{venv / 'bin'}:{os.environ['PATH']}",
           "AUTOGRADER_ROOT": str(root)}
    env.pop("PYTHONPATH", None)
    setup = subprocess.run(["bash", "setup.sh"], cwd=root / "source", env=env,
                           capture_output=True, text=True, timeout=900)
    assert setup.returncode == 0, setup.stdout + setup.stderr
    chosen = Path((root / "source" / ".python").read_text().strip())
    assert chosen.parent == venv / "bin" and chosen.name.startswith("python")
    # the grader runs from the venv, not from this checkout
    where = subprocess.run([str(venv / "bin" / "python"), "-c",
                            "import autograder; print(autograder.__file__)"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    assert str(venv) in where.stdout

    # only what run_autograder itself needs: no bwrap
    no_bwrap = tmp_path / "bin"
    no_bwrap.mkdir()
    for tool in ("bash", "cat", "mkdir", "rm", "env"):
        os.symlink(shutil.which(tool), no_bwrap / tool)

    def grade(files: dict[str, str], path: str) -> tuple[dict, str]:
        shutil.rmtree(root / "submission", ignore_errors=True)
        shutil.rmtree(root / "results", ignore_errors=True)
        (root / "submission").mkdir()
        (root / "results").mkdir()
        for name, text in files.items():
            (root / "submission" / name).write_text(text, encoding="utf-8")
        done = subprocess.run([str(root / "run_autograder")], cwd=root,
                              env={**env, "PATH": path}, capture_output=True, text=True,
                              timeout=600)
        assert done.returncode == 0, done.stderr
        data = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
        assert_gradescope_results(data)
        return data, done.stdout

    by_name = {s.name: s for s in example_class()}
    correct, log = grade({"conv_layers.py": by_name["loops"].source()}, env["PATH"])
    assert correct["score"] == 100 and "sandbox: bubblewrap" in log
    assert len(correct["tests"]) == len(ITEMS)

    buggy, _ = grade({"conv_layers.py": by_name["bug_kernel_flipped"].source()}, env["PATH"])
    assert 0 < buggy["score"] < 100
    held = [t for t in buggy["tests"] if t["visibility"] == "after_due_date"]
    lost = [t for t in buggy["tests"] if t["visibility"] == "visible" and t["status"] == "failed"]
    assert held and len(held) == len(lost)

    path = f"{venv / 'bin'}:{no_bwrap}"
    broken, log = grade({"conv_layers.py": "def output_size(n, f, s=1, p=0:\n"}, path)
    assert broken["score"] == 0
    assert "SyntaxError" in broken["output"]
    assert "sandbox: rlimit-as-other-user" in log and "bwrap is not installed" in log
    assert broken["extra_data"]["sandbox"] == "rlimit-as-other-user"
    assert "rlimit" not in broken["output"] and "bubblewrap" not in broken["output"]
    assert all(t["status"] == "failed" or t["max_score"] == 0 for t in broken["tests"])
    kinds = {FailureKind.MISSING.value}
    assert kinds  # every item lost, each still a test entry
    assert len([t for t in broken["tests"] if t["max_score"] > 0]) == len(ITEMS)

    # a submission that forges results.json, rewrites run_autograder and kills the grader
    script = (root / "run_autograder").read_bytes()
    hostile, log = grade({"conv_layers.py": FORGER.format(root=str(root))}, path)
    assert hostile["score"] == 1  # relu, the one function it wrote; not the forged 100
    assert len([t for t in hostile["tests"] if t["max_score"] > 0]) == len(ITEMS)
    assert hostile["extra_data"]["sandbox"] == "rlimit-as-other-user"
    assert (root / "run_autograder").read_bytes() == script
    assert "forged" not in log


FORGER = '''
import json, os, signal
import numpy as np
ROOT = {root!r}
for target in [ROOT + "/results/results.json", "/autograder/results/results.json"]:
    try:
        with open(target, "w") as f:
            json.dump({{"score": 100, "tests": [], "output": "forged"}}, f)
    except OSError:
        pass
try:
    with open(ROOT + "/run_autograder", "a") as f:
        f.write("\\necho forged\\n")
except OSError:
    pass
try:
    os.kill(os.getppid(), signal.SIGKILL)  # the grader that started this worker
except OSError:
    pass
if os.getuid() != 0:  # as root this would kill every process of the machine
    try:
        os.kill(-1, signal.SIGKILL)
    except OSError:
        pass

def relu(x):
    return np.maximum(x, 0)
'''


def test_feedback_page_waits_too_when_expected_values_do(buggy_record, tmp_path):
    write(buggy_record, student_folder("kim", tmp_path),
          ReportSettings(expected_visibility="after_due_date"))
    page = (tmp_path / "kim" / "feedback.html").read_text(encoding="utf-8")
    full = (tmp_path / "kim" / FULL_FEEDBACK).read_text(encoding="utf-8")
    results = json.loads((tmp_path / "kim" / "results.json").read_text(encoding="utf-8"))
    assert_gradescope_results(results)
    for mistake in mistakes(buggy_record.items):  # each card shows one item's case
        shown = mistake.failure
        said = [html.escape(summary_line(shown.summary)), html.escape(shown.where)]
        for text in filter(None, said):  # both quote the expected value
            assert text in full and text not in page
    assert "<svg" in full and "<svg" not in page  # no heat map of the expected values


def test_setup_check_refuses_a_different_installed_version(tmp_path):
    from autograder.platforms.gradescope import check

    config = tmp_path / "conv_lab_gradescope.json"
    config.write_text(json.dumps({"version": "0.0.0-other"}))
    lines = []
    writer = type("W", (), {"write": lambda self, s: lines.append(s)})()
    assert check(config, out=writer) == 1
    assert "0.0.0-other" in "".join(lines) and "build the bundle again" in "".join(lines)
