"""The reports package: each student's files written once and rewritten only when the record,
the settings or the files changed; CSV cells that never start a formula; whole files or
none; and no report module that reaches back into the grading run."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograder import rubric
from autograder.atomic import write_atomic
from autograder.platforms.lms import export_grades, read_grades
from autograder.reports import (
    FULL_FEEDBACK,
    ReportSettings,
    grades_csv_text,
    student_folder,
    up_to_date,
    write,
    write_grades_csv,
)
from autograder.reports.csvcells import (
    FORMULA_STARTS,
    NUMBER,
    csv_cell,
    defuse_csv_file,
    from_csv_cell,
)
from autograder.reports.late import LatePolicy, SubmissionTime
from autograder.results import Failure, FailureKind, GradeRecord, ItemResult, MismatchKind

DUE = datetime(2026, 12, 1, 23, 59, tzinfo=UTC)


def record(student: str = "kim", lose: str = "conv2d: bias") -> GradeRecord:
    items = []
    for it in rubric.ITEMS:
        failure = None
        if it.name == lose:
            failure = Failure("wrong values at 1 of 4 positions", FailureKind.MISMATCH,
                              expected=1.0, got=2.0, where="first difference",
                              mismatch=MismatchKind.VALUE)
        items.append(ItemResult(it.name, 0.0 if failure else it.points, it.points, failure))
    return GradeRecord(student, items, "bubblewrap")


# --------------------------------------------------------------------------- written once


def test_a_student_is_rewritten_only_when_the_record_settings_or_files_change(tmp_path):
    rec, folder = record(), student_folder("kim", tmp_path)
    plain = ReportSettings()
    digest = write(rec, folder, plain)
    assert up_to_date(digest, folder, "kim", plain)
    for other in (ReportSettings(lang="en"), ReportSettings(visibility="after_due_date"),
                  ReportSettings(late=LatePolicy(DUE),
                                 time=SubmissionTime(DUE - timedelta(hours=1), "test"))):
        assert not up_to_date(digest, folder, "kim", other), other
    (folder / "feedback.html").write_text("edited", encoding="utf-8")
    assert not up_to_date(digest, folder, "kim", plain)
    assert not up_to_date("", folder, "kim", plain)  # a write that failed


def test_another_students_extension_does_not_touch_this_students_reports():
    time = SubmissionTime(DUE - timedelta(hours=1), "test")
    one = LatePolicy(DUE)
    other = LatePolicy(DUE, extensions={"lee": DUE + timedelta(days=2)})
    mine = LatePolicy(DUE, extensions={"kim": DUE + timedelta(days=2)})
    settings = ReportSettings(late=one, time=time)
    assert settings.digest("kim") == ReportSettings(late=other, time=time).digest("kim")
    assert settings.digest("kim") != ReportSettings(late=mine, time=time).digest("kim")


def test_holding_back_the_expected_values_writes_the_full_page_and_removes_it_after(tmp_path):
    rec, folder = record(), student_folder("kim", tmp_path)
    write(rec, folder, ReportSettings(expected_visibility="after_due_date"))
    full = (folder / FULL_FEEDBACK).read_text(encoding="utf-8")
    assert "first difference" in full
    assert "first difference" not in (folder / "feedback.html").read_text(encoding="utf-8")
    write(rec, folder, ReportSettings())
    assert not (folder / FULL_FEEDBACK).exists()  # no stale page handed out later


def test_the_late_paragraph_is_in_the_reports_language_only(tmp_path):
    rec, folder = record(), student_folder("kim", tmp_path)
    time = SubmissionTime(DUE + timedelta(days=2), "test")
    write(rec, folder, ReportSettings(lang="en", late=LatePolicy(DUE), time=time,
                                      expected_visibility="after_due_date"))
    for name in ("feedback.html", FULL_FEEDBACK, "results.json"):
        text = (folder / name).read_text(encoding="utf-8")
        assert "2 day(s) late" in text and "늦음" not in text, name
    data = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    assert data["score"] == pytest.approx(rec.score * 0.8)


# --------------------------------------------------------------------------- CSV cells

FORMULAS = ["-cmd|' /C calc'!A0", "=HYPERLINK(\"http://x\")", "+1+2", "@SUM(A1)",
            "\tTAB", "-kim"]


@given(st.text())
def test_no_cell_starts_a_formula_and_every_cell_reads_back(text):
    cell = csv_cell(text)
    assert from_csv_cell(cell) == text
    if not text.startswith(FORMULA_STARTS):
        assert cell == text  # a safe text is written as it is
    else:
        assert not cell.startswith(FORMULA_STARTS) or NUMBER.fullmatch(cell)


def test_a_quote_before_a_formula_reads_back_exactly():
    assert [csv_cell(t) for t in ("-x", "'-x", "'abc", "'-1")] == ["'-x", "''-x", "'abc", "'-1"]
    assert [from_csv_cell(csv_cell(t)) for t in ("-x", "'-x", "'abc")] == ["-x", "'-x", "'abc"]


@pytest.mark.parametrize("number", ["-1", "-1.5", "+2e3", "0", "100"])
def test_numbers_stay_numbers(number):
    assert csv_cell(number) == number


def test_grades_csv_names_never_start_a_formula_and_export_still_matches(tmp_path):
    """A student named ``-kim`` (safe_name keeps a leading '-'): grades.csv writes the cell
    ``'-kim`` and reads it back as ``-kim``, which matches the roster's login."""
    records = [record("-kim"), record("kim")]
    text = grades_csv_text(records)
    cells = [row[0] for row in csv.reader(io.StringIO(text))][1:]
    assert cells == ["'-kim", "kim"]
    write_grades_csv(tmp_path, records)
    assert [g.student for g in read_grades(tmp_path)] == ["-kim", "kim"]
    roster = tmp_path / "roster.csv"
    roster.write_text("Student,SIS Login ID\n=HYPERLINK(\"http://evil\"),-kim\nKim,kim\n",
                      encoding="utf-8")
    out = tmp_path / "import.csv"
    result = export_grades(tmp_path, roster, to="csv", file=out)
    assert result.matched == 2 and not result.unmatched
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert all(not cell.startswith(FORMULA_STARTS) or cell == "" for row in rows for cell in row)
    assert rows[1][:2] == ["'=HYPERLINK(\"http://evil\")", "'-kim"]


def test_another_tools_csv_is_defused_only_when_it_must_be(tmp_path):
    safe = tmp_path / "safe.csv"
    safe.write_text("student,score\r\nkim,3\r\n", encoding="utf-8")
    assert not defuse_csv_file(safe) and safe.read_bytes() == b"student,score\r\nkim,3\r\n"
    evil = tmp_path / "evil.csv"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([["student", "score"],
                                                     *([f, "1"] for f in FORMULAS)])
    evil.write_text(buf.getvalue(), encoding="utf-8")
    assert defuse_csv_file(evil)
    rows = list(csv.reader(io.StringIO(evil.read_text())))[1:]
    assert [from_csv_cell(r[0]) for r in rows] == FORMULAS
    assert not any(r[0].startswith(FORMULA_STARTS) for r in rows)


# --------------------------------------------------------------------------- whole files


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "grades.csv"
    write_atomic(path, "old\n")

    def broken(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError):
        write_atomic(path, "new\n")
    assert path.read_text() == "old\n" and sorted(p.name for p in tmp_path.iterdir()) == [
        "grades.csv"]


# --------------------------------------------------------------------------- boundaries

RUN = ("autograder.grading", "autograder.incremental", "autograder.engine",
       "autograder.sandbox", "autograder.cluster", "autograder.store")


def test_no_report_module_imports_the_run():
    import pkgutil

    import autograder.reports

    modules = [m.name for m in pkgutil.iter_modules(autograder.reports.__path__,
                                                    "autograder.reports.")]
    code = ("import importlib, json, sys\n"
            f"for m in {modules!r}: importlib.import_module(m)\n"
            "print(json.dumps(sorted(sys.modules)))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[1])
    assert proc.returncode == 0, proc.stderr
    loaded = [m for m in json.loads(proc.stdout) if m.startswith(RUN)]
    assert loaded == [] and len(modules) >= 8
