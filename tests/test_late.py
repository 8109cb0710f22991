"""Late rules: submission times from what the student cannot change (Canvas's tag, nbgrader's
exchange, the arrival here), penalties, budgets, regrades; student-written times flagged."""

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
from autograder.i18n import has_hangul, render_all
from autograder.reports.late import (
    ARRIVAL,
    CANVAS,
    EXCHANGE,
    RECEIVED,
    LatePolicy,
    LatePolicyError,
    SubmissionTime,
    apply_late_policy,
    late_message,
    parse_time,
    read_extensions,
    read_received,
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
    # what the student's own submit wrote is a claim, read as nbgrader reads it
    (claim,) = [c for c in found.claims if c.what == "timestamp.txt"]
    assert claim.when == parse_utc(nbgrader_timestamp(when)).replace(tzinfo=UTC) == when
    assert found.source == ARRIVAL and not found.exact  # the time is never the claim


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
    assert times["b"].source == CANVAS


def test_folder_without_timestamp_arrives_here_and_its_file_times_are_claims(tmp_path):
    folder = tmp_path / "park"
    folder.mkdir()
    before = datetime.now(UTC).replace(microsecond=0)
    for name, offset in (("01_feature_map_size.ipynb", -5), ("conv_layers.py", 30)):
        (folder / name).write_text("{}", encoding="utf-8")
        stamp = (DUE + timedelta(hours=offset)).timestamp()
        os.utime(folder / name, (stamp, stamp))
    found = submission_time(folder)
    assert found.source == ARRIVAL and not found.exact and found.when >= before
    assert [(c.what, c.when) for c in found.claims] == [("file time", DUE + timedelta(hours=30))]


def read_grades_csv(out: Path) -> dict[str, dict[str, str]]:
    rows = csv.DictReader(io.StringIO((out / "grades.csv").read_text(encoding="utf-8")))
    return {row["student"]: row for row in rows}


def nbgrader_layout(root: Path, student: str, source: str, stamp: str) -> Path:
    """One student's submission as nbgrader leaves it: ``nbgrader submit`` writes it into
    the exchange's inbound folder (with the student's timestamp.txt), ``nbgrader collect``
    copies it to submitted/. Returns the inbound folder."""
    inbound = root / "exchange" / "course" / "inbound"
    sent = inbound / f"{student}+conv_layers+{stamp.replace(' ', '_')}"
    collected = root / "submitted" / student / "conv_layers"
    for folder in (sent, collected):
        folder.mkdir(parents=True)
        (folder / "conv_layers.py").write_text(source, encoding="utf-8")
        (folder / "timestamp.txt").write_text(stamp, encoding="utf-8")
    return inbound


def minutes_ago(minutes: float) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes)).isoformat(timespec="seconds")


LOOPS = next(s for s in example_class() if s.name == "loops").source()
FAST = ["--workers", "1", "--quiet", "--item", "relu: values", "--item", "flatten: order and shape"]


@pytest.mark.slow
def test_grade_with_late_rule_in_nbgrader_layout_and_regrade(tmp_path, capsys):
    """nbgrader's submitted/ and exchange: the time is when the submission arrived in the
    exchange; the rule and lateness land in grades.csv, results.json and feedback.html;
    grading the same folder again penalises once."""
    now = datetime.now(UTC)
    for student in ("kim", "lee"):
        inbound = nbgrader_layout(tmp_path, student, LOOPS, nbgrader_timestamp(now))
    due = now - timedelta(days=2, hours=3)  # both arrived 2 days 3 hours after it
    ext = tmp_path / "ext.csv"
    ext.write_text(f"student,due\nkim,{(now + timedelta(hours=1)).isoformat()}\n")
    out = tmp_path / "out"
    argv = ["grade", str(tmp_path / "submitted"), "--out", str(out), "--workers", "1",
            "--quiet", "--due", due.isoformat(), "--late-penalty", "10",
            "--late-floor", "50", "--extensions", str(ext), "--inbound", str(inbound)]
    assert main(argv) == 0
    first = (out / "grades.csv").read_text(encoding="utf-8")
    rows = read_grades_csv(out)
    assert (rows["kim"]["score"], rows["kim"]["days_late"], rows["kim"]["final_score"]) == (
        "100", "0", "100")
    assert (rows["lee"]["score"], rows["lee"]["days_late"], rows["lee"]["late_penalty"],
            rows["lee"]["final_score"], rows["lee"]["time_source"]) == (
        "100", "3", "30", "70", EXCHANGE)
    assert rows["lee"]["time_check"] == ""  # its own timestamp.txt agrees
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


def test_a_forged_timestamp_does_not_make_a_late_submission_on_time(tmp_path):
    """The student's own timestamp.txt says an hour before the due date; the exchange got
    the submission 1.5 days after it: 2 days late (80, not 100), and the forgery flagged
    for the instructor only."""
    due = datetime.now(UTC) - timedelta(days=1, hours=12)
    inbound = nbgrader_layout(tmp_path, "kim", LOOPS,
                              nbgrader_timestamp(due - timedelta(hours=1)))
    out = tmp_path / "out"
    assert main(["grade", str(tmp_path / "submitted"), "--out", str(out), *FAST,
                 "--due", due.isoformat(), "--inbound", str(inbound)]) == 0
    row = read_grades_csv(out)["kim"]
    assert (row["score"], row["days_late"], row["final_score"], row["time_source"]) == (
        "2", "2", "1.6", EXCHANGE)
    assert "timestamp.txt says" in row["time_check"] and "0 day(s) late" in row["time_check"]
    results = json.loads((out / "kim" / "results.json").read_text(encoding="utf-8"))
    assert results["score"] == 1.6 and results["extra_data"]["late"]["flags"]
    page = (out / "kim" / "feedback.html").read_text(encoding="utf-8")
    assert "2 day(s) late" in page and "timestamp.txt" not in page  # the student's view


def test_an_mtime_set_back_does_not_make_a_late_file_on_time(tmp_path):
    """A file that arrived here after the due date, its modification time set back before
    it: not counted on time; its lateness is left for the instructor to settle (no final
    score to export), and the file time is flagged."""
    due = datetime.now(UTC) - timedelta(days=1, hours=12)
    path = tmp_path / "class" / "kim.py"
    path.parent.mkdir()
    path.write_text(LOOPS, encoding="utf-8")
    early = (due - timedelta(hours=1)).timestamp()
    os.utime(path, (early, early))
    out = tmp_path / "out"
    assert main(["grade", str(path.parent), "--out", str(out), *FAST,
                 "--due", due.isoformat()]) == 0
    row = read_grades_csv(out)["kim"]
    assert (row["days_late"], row["final_score"], row["late_penalty"]) == ("", "", "")
    assert row["time_source"] == f"{ARRIVAL} (not settled)"
    assert "arrived here only on" in row["time_check"] and "file time says" in row["time_check"]
    results = json.loads((out / "kim" / "results.json").read_text(encoding="utf-8"))
    assert results["extra_data"]["late"]["final_score"] is None
    assert "on time" not in results["output"]


def test_a_garbage_timestamp_costs_that_students_late_columns_only(tmp_path, capsys):
    """timestamp.txt reading "soon": the class is graded, reported and late-ruled; that
    student's time check says why (today: exit 1, no late columns, no class.html)."""
    due = datetime.now(UTC) + timedelta(days=1)  # everything arrived before it
    nbgrader_layout(tmp_path, "kim", LOOPS, "soon")
    nbgrader_layout(tmp_path, "lee", LOOPS, nbgrader_timestamp(datetime.now(UTC)))
    out = tmp_path / "out"
    assert main(["grade", str(tmp_path / "submitted"), "--out", str(out), *FAST,
                 "--due", due.isoformat()]) == 0
    rows = read_grades_csv(out)
    assert "timestamp.txt reads 'soon', not a time" == rows["kim"]["time_check"]
    assert (rows["kim"]["days_late"], rows["kim"]["final_score"]) == ("0", "2")
    assert (rows["lee"]["days_late"], rows["lee"]["time_check"]) == ("0", "")
    assert (out / "class.html").is_file()
    assert "kim: timestamp.txt reads 'soon'" in capsys.readouterr().out


def test_lang_en_with_late_rules_and_visibility_writes_english_only(tmp_path):
    """--lang en with --due and --expected-visibility: every report in English (they were
    rewritten in Korean and English)."""
    path = tmp_path / "class" / "kim.py"
    path.parent.mkdir()
    path.write_text(next(s for s in example_class() if s.name == "bug_flatten_fortran").source(),
                    encoding="utf-8")
    out = tmp_path / "out"
    due = datetime.now(UTC) + timedelta(days=1)
    assert main(["grade", str(path.parent), "--out", str(out), *FAST, "--lang", "en",
                 "--due", due.isoformat(), "--expected-visibility", "after_due_date"]) == 0
    folder = out / "kim"
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["feedback.html", "feedback_after_due_date.html", "results.json"]
    for name in names:
        text = (folder / name).read_text(encoding="utf-8")
        assert not has_hangul(text), name
    assert "on time" in (folder / "feedback.html").read_text(encoding="utf-8")


def test_the_instructors_record_comes_first_and_the_students_times_are_checked(tmp_path):
    folder = tmp_path / "submitted" / "kim" / "conv_layers"
    folder.mkdir(parents=True)
    (folder / "conv_layers.py").write_text("x = 1\n", encoding="utf-8")
    (folder / "timestamp.txt").write_text(nbgrader_timestamp(DUE - timedelta(hours=2)))
    ext = tmp_path / "received.csv"
    ext.write_text(f"student,received\nKim,{(DUE + timedelta(hours=3)).isoformat()}\n")
    policy = LatePolicy(DUE, received=read_received(ext))
    found = submission_time(folder.parent, received=policy.received_at("kim"))
    assert (found.source, found.when, found.exact) == (RECEIVED, DUE + timedelta(hours=3), True)
    adj = apply_late_policy([record("kim", 50)], {"kim": found}, policy)["kim"]
    assert (adj.days_late, adj.final_score) == (1, 45)
    assert any("timestamp.txt says" in str(f) for f in adj.flags)


@pytest.mark.parametrize(("days", "claims", "settled"), [
    (None, [], False), (0, [], True),
])
def test_unsettled_lateness_keeps_the_raw_score_and_no_final_one(days, claims, settled):
    """An arrival after the due date settles nothing; one before it proves on time."""
    when = DUE + timedelta(hours=5) if days is None else DUE - timedelta(hours=5)
    time = SubmissionTime(when, ARRIVAL, exact=False)
    adj = apply_late_policy([record("kim", 80), record("zero", 0)],
                            {"kim": time, "zero": time}, LatePolicy(DUE))
    assert adj["kim"].settled is settled and adj["kim"].days_late == days
    assert adj["kim"].final_score == (80 if settled else None)
    assert adj["zero"].final_score == 0  # no lateness changes a 0


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
    policy = LatePolicy(DUE, percent_per_day=10, floor=50)
    adj = apply_late_policy([record("kim", 80)], {"kim": late_by(timedelta(days=2))},
                            policy)["kim"]
    korean, english = render_all(late_message(adj, policy), "ko+en")
    assert "2일 늦음" in korean and "하루마다 10% 감점" in korean and "최소 50% 유지" in korean
    assert "2 day(s) late" in english and "10% per day late" in english
    assert "80 → 64" in english and "80점에서 64점" in korean
