"""Late rules: submission times from nbgrader and Canvas layouts, penalties, budgets, regrades."""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograder.cli import main
from autograder.examples import example_class
from autograder.late import (
    LatePolicy,
    LatePolicyError,
    SubmissionTime,
    apply_late_policy,
    parse_time,
    read_extensions,
    submission_time,
)
from autograder.results import GradeRecord, ItemResult

DUE = datetime(2026, 12, 1, 23, 59, tzinfo=UTC)


def record(student: str, score: float, max_score: float = 100.0) -> GradeRecord:
    return GradeRecord(student, [ItemResult("item", score, max_score)], "bubblewrap")


def late_by(delta: timedelta) -> SubmissionTime:
    return SubmissionTime(DUE + delta, "file time")


# --------------------------------------------------------------------------- known answers


@pytest.mark.parametrize(("delta", "days", "penalty"), [
    (timedelta(0), 0, 0.0),  # on the minute: on time
    (timedelta(seconds=1), 1, 8.0),  # a started day is a day
    (timedelta(days=1), 1, 8.0),
    (timedelta(days=1, seconds=1), 2, 16.0),
    (timedelta(days=3), 3, 24.0),
    (timedelta(days=9), 9, 40.0),  # 90 % would be lost; the floor keeps 50 %
    (timedelta(days=-2), 0, 0.0),
])
def test_penalty_per_day_with_a_floor(delta, days, penalty):
    policy = LatePolicy(DUE, percent_per_day=10, floor=50)
    adj = apply_late_policy([record("kim", 80)], {"kim": late_by(delta)}, policy)["kim"]
    assert (adj.days_late, adj.penalty_points, adj.final_score) == (days, penalty, 80 - penalty)
    assert adj.raw_score == 80


def test_budget_days_are_free_then_no_credit():
    policy = LatePolicy(DUE, mode="budget", budget_days=3, percent_per_day=100,
                        used_days={"lee": 2})
    times = {"kim": late_by(timedelta(days=2, hours=1)), "lee": late_by(timedelta(hours=30))}
    adj = apply_late_policy([record("kim", 90), record("lee", 90)], times, policy)
    assert (adj["kim"].days_late, adj["kim"].budget_days_used, adj["kim"].final_score) == (3, 3, 90)
    # lee used 2 of 3 before: 1 day free, the second costs everything
    assert (adj["lee"].days_late, adj["lee"].budget_days_used, adj["lee"].final_score) == (2, 1, 0)


def test_extension_moves_the_deadline(tmp_path):
    ext = tmp_path / "ext.csv"
    ext.write_text("student,due\nKim,2026-12-05T12:00:00+09:00\n", encoding="utf-8")
    policy = LatePolicy(DUE, extensions=read_extensions(ext))
    times = {"kim": late_by(timedelta(days=2)), "park": late_by(timedelta(days=2))}
    adj = apply_late_policy([record("kim", 50), record("park", 50)], times, policy)
    assert adj["kim"].days_late == 0 and adj["kim"].due == datetime(2026, 12, 5, 3, tzinfo=UTC)
    assert adj["park"].days_late == 2


@pytest.mark.parametrize("text", ["tomorrow", "2026-13-01"])
def test_bad_times_and_files_are_clear_errors(tmp_path, text):
    with pytest.raises(LatePolicyError, match="expected a date and time"):
        parse_time(text)
    bad = tmp_path / "ext.csv"
    bad.write_text("name,deadline\nkim,2026-12-01\n", encoding="utf-8")
    with pytest.raises(LatePolicyError, match="expected the columns student,due"):
        read_extensions(bad)


@given(st.floats(0, 100), st.floats(0, 100), st.floats(0, 100), st.integers(-3, 30),
       st.integers(0, 5))
def test_penalty_bounds(raw, per_day, floor, days, budget):
    """Whatever the rule: the final score is between floor % of the raw score and the raw
    score, later is never better, and computing again gives the same (pure function)."""
    policy = LatePolicy(DUE, mode="budget" if budget else "penalty", percent_per_day=per_day,
                        floor=floor, budget_days=budget)
    finals = []
    for d in (days, days + 1):
        times = {"s": late_by(timedelta(days=d))}
        first = apply_late_policy([record("s", raw)], times, policy)
        assert first == apply_late_policy([record("s", raw)], times, policy)
        a = first["s"]
        assert raw * floor / 100 - 1e-6 <= a.final_score <= raw + 1e-9
        finals.append(a.final_score)
    assert finals[1] <= finals[0] + 1e-9


# --------------------------------------------------------------------------- real layouts


def nbgrader_timestamp(when: datetime) -> str:
    """What ``nbgrader submit`` writes into timestamp.txt (its own format string)."""
    from nbgrader.exchange.abc.exchange import Exchange

    return when.strftime(Exchange.timestamp_format.default_value)


def test_nbgrader_timestamp_read_as_nbgrader_reads_it(tmp_path):
    from nbgrader.utils import parse_utc

    when = datetime(2026, 12, 2, 7, 30, 15, 123456, tzinfo=UTC)
    folder = tmp_path / "submitted" / "kim" / "conv_layers"
    folder.mkdir(parents=True)
    (folder / "timestamp.txt").write_text(nbgrader_timestamp(when), encoding="utf-8")
    (folder / "conv_layers.py").write_text("x = 1\n", encoding="utf-8")
    found = submission_time(tmp_path / "submitted" / "kim")
    assert found.source == "nbgrader timestamp.txt"
    assert found.when == parse_utc(nbgrader_timestamp(when)).replace(tzinfo=UTC) == when


def test_canvas_late_tag_decides_and_file_time_counts(tmp_path):
    on_time = tmp_path / "kimminji_101_5555_conv_layers.py"
    late = tmp_path / "leejun_LATE_102_5556_conv_layers.py"
    for path in (on_time, late):
        path.write_text("x = 1\n", encoding="utf-8")
    stamp = (DUE + timedelta(days=4)).timestamp()
    os.utime(on_time, (stamp, stamp))  # e.g. the download's time: the tag says on time
    early = (DUE - timedelta(days=1)).timestamp()
    os.utime(late, (early, early))  # the tag says late; the time cannot say by how much
    times = {"a": submission_time(on_time), "b": submission_time(late)}
    adj = apply_late_policy([record("a", 10), record("b", 10)], times, LatePolicy(DUE))
    assert (adj["a"].days_late, adj["b"].days_late) == (0, 1)
    assert times["b"].source == "Canvas _LATE tag"


def test_folder_without_timestamp_uses_newest_file_time(tmp_path):
    folder = tmp_path / "park"
    folder.mkdir()
    for name, offset in (("01_feature_map_size.ipynb", -5), ("conv_layers.py", 30)):
        (folder / name).write_text("{}", encoding="utf-8")
        stamp = (DUE + timedelta(hours=offset)).timestamp()
        os.utime(folder / name, (stamp, stamp))
    found = submission_time(folder)
    assert found.source == "file time" and found.when == DUE + timedelta(hours=30)


def read_grades_csv(out: Path) -> dict[str, dict[str, str]]:
    rows = csv.DictReader(io.StringIO((out / "grades.csv").read_text(encoding="utf-8")))
    return {row["student"]: row for row in rows}


@pytest.mark.slow
def test_grade_with_late_rule_in_nbgrader_layout_and_regrade(tmp_path, capsys):
    """nbgrader's submitted/ with timestamp.txt: the rule and lateness land in grades.csv,
    results.json and feedback.html; grading the same folder again penalises once."""
    source = next(s for s in example_class() if s.name == "loops").source()
    sent = {"kim": DUE - timedelta(hours=1), "lee": DUE + timedelta(days=2, hours=3)}
    for student, when in sent.items():
        folder = tmp_path / "submitted" / student / "conv_layers"
        folder.mkdir(parents=True)
        (folder / "conv_layers.py").write_text(source, encoding="utf-8")
        (folder / "timestamp.txt").write_text(nbgrader_timestamp(when), encoding="utf-8")
    out = tmp_path / "out"
    argv = ["grade", str(tmp_path / "submitted"), "--out", str(out), "--workers", "1",
            "--quiet", "--due", "2026-12-01T23:59Z", "--late-penalty", "10",
            "--late-floor", "50"]
    assert main(argv) == 0
    first = (out / "grades.csv").read_text(encoding="utf-8")
    rows = read_grades_csv(out)
    assert (rows["kim"]["score"], rows["kim"]["days_late"], rows["kim"]["final_score"]) == (
        "100", "0", "100")
    assert (rows["lee"]["score"], rows["lee"]["days_late"], rows["lee"]["late_penalty"],
            rows["lee"]["final_score"]) == ("100", "3", "30", "70")
    assert "10% per day late" in rows["lee"]["late_rule"]
    results = json.loads((out / "lee" / "results.json").read_text(encoding="utf-8"))
    assert results["score"] == 70 and results["extra_data"]["late"]["days_late"] == 3
    assert "3일 늦음" in results["output"] and "3 day(s) late" in results["output"]
    assert sum(t["score"] for t in results["tests"]) == 100  # items keep their raw points
    page = (out / "lee" / "feedback.html").read_text(encoding="utf-8")
    assert '<p class="late">' in page and "100 → 70" in page

    assert main(argv) == 0  # a regrade: the penalty comes from the raw score again
    assert (out / "grades.csv").read_text(encoding="utf-8") == first
    again = json.loads((out / "lee" / "results.json").read_text(encoding="utf-8"))
    assert again["score"] == 70


@pytest.mark.parametrize(("options", "words"), [
    (["--late-days", "2"], "need --due"),
    (["--due", "next friday"], "expected a date and time"),
    (["--due", "2026-12-01", "--late-penalty", "150"], "percentages from 0 to 100"),
    (["--due", "2026-12-01", "--extensions", "missing.csv"], "cannot read missing.csv"),
])
def test_a_bad_late_rule_stops_before_grading(tmp_path, capsys, options, words):
    with pytest.raises(SystemExit) as stop:
        main(["grade", str(tmp_path), "--out", str(tmp_path / "o"), *options])
    assert stop.value.code == 2 and words in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_the_student_reads_the_rule_and_lateness_in_both_languages():
    from autograder.late import late_text

    policy = LatePolicy(DUE, percent_per_day=10, floor=50)
    adj = apply_late_policy([record("kim", 80)], {"kim": late_by(timedelta(days=2))},
                            policy)["kim"]
    korean, english = late_text(adj, policy).splitlines()
    assert "2일 늦음" in korean and "하루마다 10% 감점" in korean and "최소 50% 유지" in korean
    assert "2 day(s) late" in english and "10% per day late" in english
    assert "80 → 64" in english and "80점에서 64점" in korean
