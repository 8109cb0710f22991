"""grades.csv and Gradescope results.json: the right columns, the right shape, no lost rows."""

from __future__ import annotations

import csv
import io
import json

from hypothesis import given
from hypothesis import strategies as st

from autograder import rubric
from autograder.names import safe_name
from autograder.reports import (
    ReportSettings,
    grades_csv_text,
    student_folder,
    write,
    write_grades_csv,
)
from autograder.reports.results_json import results_json, results_json_text
from autograder.results import Failure, FailureKind, GradeRecord, ItemResult

# Gradescope's autograder results format, from
# https://gradescope-autograders.readthedocs.io/en/latest/specs/ ("Output format").
VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}
FORMATS = {"text", "html", "simple_format", "md", "ansi"}


def gradescope_problems(data) -> list[str]:
    """What is wrong with ``data`` as Gradescope results.json ([] if nothing)."""

    def number(v):
        return isinstance(v, (int, float)) and not isinstance(v, bool)

    problems = []
    if not isinstance(data, dict):
        return ["not an object"]
    for key in ("score", "execution_time"):
        if key in data and not number(data[key]):
            problems.append(f"{key} is not a number")
    if not isinstance(data.get("output", ""), str):
        problems.append("output is not a string")
    for key in ("output_format", "test_output_format"):
        if key in data and data[key] not in FORMATS:
            problems.append(f"{key} {data[key]!r} unknown")
    for key in ("visibility", "stdout_visibility"):
        if key in data and data[key] not in VISIBILITIES:
            problems.append(f"{key} {data[key]!r} unknown")
    if "extra_data" in data and not isinstance(data["extra_data"], dict):
        problems.append("extra_data is not an object")
    tests = data.get("tests", [])
    if not isinstance(tests, list):
        return [*problems, "tests is not a list"]
    for i, t in enumerate(tests):
        if not isinstance(t, dict):
            problems.append(f"tests[{i}] is not an object")
            continue
        for key in ("score", "max_score"):
            if key in t and not number(t[key]):
                problems.append(f"tests[{i}].{key} is not a number")
        for key in ("name", "output", "number"):
            if key in t and not isinstance(t[key], str):
                problems.append(f"tests[{i}].{key} is not a string")
        if t.get("status", "passed") not in ("passed", "failed"):
            problems.append(f"tests[{i}].status unknown")
        if t.get("visibility", "visible") not in VISIBILITIES:
            problems.append(f"tests[{i}].visibility unknown")
        if "extra_data" in t and not isinstance(t["extra_data"], dict):
            problems.append(f"tests[{i}].extra_data is not an object")
    if "score" not in data and not all("score" in t for t in tests):
        problems.append("no score at the top or on every test")
    return problems


def full_record(student: str = "alice", lose: tuple[str, ...] = ()) -> GradeRecord:
    """Every rubric item; the ones named in ``lose`` score 0 with a failure."""
    items = [
        ItemResult(it.name, 0 if it.name in lose else it.points, it.points,
                   Failure(f"{it.name} failed", FailureKind.MISMATCH) if it.name in lose else None)
        for it in rubric.ITEMS
    ]
    return GradeRecord(student, items, "bubblewrap", seconds=1.25)


def test_results_json_has_gradescopes_shape():
    data = json.loads(results_json_text(full_record(lose=("conv2d: stride",))))
    assert gradescope_problems(data) == []
    for key in ("score", "execution_time", "output", "tests", "stdout_visibility"):
        assert key in data
    for test in data["tests"]:
        assert {"name", "score", "max_score", "output", "visibility"} <= set(test)


def test_results_json_scores_add_up_and_follow_the_rubric():
    data = results_json(full_record(lose=("conv2d: stride", "relu: values")), "en")
    assert [t["name"] for t in data["tests"]] == [it.name for it in rubric.ITEMS]
    assert [t["extra_data"]["item"] for t in data["tests"]] == [it.name for it in rubric.ITEMS]
    assert [t["max_score"] for t in data["tests"]] == [it.points for it in rubric.ITEMS]
    assert data["score"] == rubric.TOTAL_POINTS - rubric.item("conv2d: stride").points \
        - rubric.item("relu: values").points
    assert sum(t["score"] for t in data["tests"]) == data["score"]
    failed = [t["name"] for t in data["tests"] if t["status"] == "failed"]
    assert failed == ["conv2d: stride", "relu: values"]
    assert "conv2d: stride failed" in data["tests"][[t["name"] for t in data["tests"]]
                                                   .index("conv2d: stride")]["output"]


def test_results_json_names_the_sandbox_to_the_instructor_only():
    for kind in ("bubblewrap", "rlimit-as-other-user", "rlimit-as-self"):
        record = full_record()
        record.sandbox, record.limits = kind, f"limits of {kind}"
        data = results_json(record)
        assert data["extra_data"]["sandbox"] == kind
        assert data["extra_data"]["limits"] == f"limits of {kind}"
        student = json.dumps({k: v for k, v in data.items() if k != "extra_data"},
                             ensure_ascii=False)
        for word in ("bubblewrap", "rlimit", "uid", "chroot", "sandbox", "샌드박스"):
            assert word not in student, (kind, word)


def test_results_json_names_each_test_by_its_title_in_the_asked_language():
    record = full_record(lose=("conv2d: stride",))
    for lang in ("ko", "en", "ko+en"):
        data = results_json(record, lang)
        assert [t["name"] for t in data["tests"]] == [it.title(lang) for it in rubric.ITEMS]
        assert [t["extra_data"]["item"] for t in data["tests"]] == [it.name for it in rubric.ITEMS]
    assert results_json(record, "ko")["tests"][0]["name"] == "output_size: 강의의 예"


def test_only_execution_time_depends_on_timing():
    a, b = full_record(), full_record()
    b.seconds = 99.0
    ja, jb = results_json(a), results_json(b)
    assert ja["execution_time"] != jb["execution_time"]
    ja.pop("execution_time"), jb.pop("execution_time")
    assert ja == jb


def test_grades_csv_columns_and_one_row_per_record():
    records = [full_record("alice"), full_record("bob, the \"builder\"", lose=("relu: values",)),
               GradeRecord("carol", [], "none", problems=["empty file"])]
    rows = list(csv.reader(io.StringIO(grades_csv_text(records))))
    assert rows[0] == ["student", "score", "max_score", *(it.name for it in rubric.ITEMS)]
    assert len(rows) == 1 + len(records)
    by_student = {row[0]: row for row in rows[1:]}
    assert by_student["alice"][1:3] == ["100", "100"]
    bob = by_student['bob, the "builder"']
    assert bob[1] == str(100 - rubric.item("relu: values").points)
    assert bob[3 + [it.name for it in rubric.ITEMS].index("relu: values")] == "0"
    assert by_student["carol"][1:3] == ["0", "0"]


def test_fractional_points_are_written_plainly():
    record = GradeRecord("dan", [ItemResult("relu: values", 0.5, 1)], "rlimit")
    row = list(csv.reader(io.StringIO(grades_csv_text([record]))))[1]
    assert row[1:3] == ["0.5", "1"]
    assert results_json(record)["score"] == 0.5


@given(st.text(max_size=30))
def test_safe_names_stay_inside_the_output_folder(name):
    safe = safe_name(name)
    assert safe and "/" not in safe and "\\" not in safe
    assert safe not in (".", "..") and not safe.startswith(".")
    assert all(c.isalnum() or c in "._-" for c in safe)


def test_reports_are_written_per_student(tmp_path):
    record = full_record("../../etc/evil")
    folder = student_folder(record.student, tmp_path)
    write(record, folder, ReportSettings())
    assert folder.parent == tmp_path
    assert json.loads((folder / "results.json").read_text())["score"] == 100
    assert (folder / "feedback.html").read_text().startswith("<!DOCTYPE html>")
    csv_path = write_grades_csv(tmp_path, [record])
    assert csv_path == tmp_path / "grades.csv" and csv_path.read_text().count("\n") == 2
