"""Issue 10, what a hostile class did to the reports and the records, through the installed
command and the real sandbox (a few cheap items each, ``--item``):

- (3) names that collide with the output folder's own files, or are too long, and a
  student's report that cannot be written: one student's problem, never the class's;
- (4) a record keeps only what its reports show (measured: pickled size, peak memory);
- (6) a time budget per submission;
- (7) symbolic links are never followed out of a class or student folder;
- (9) dot-named submissions get a record, and names reach the terminal escaped.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograder.examples import read
from autograder.grading import SubmissionPath, find_submissions, grade_submission
from autograder.names import MAX_NAME_BYTES, OUTPUT_NAMES, is_output_name, printable, safe_name
from autograder.options import GradeOptions
from autograder.results import FailureKind
from autograder.store import STORE_NAME, Store

AUTOGRADER = str(Path(sys.executable).parent / "autograder")
MODEL = read("model_solution.py")
ITEM = "output_size: lecture examples"  # a cheap item: a handful of calls
NAME_MAX = 255  # bytes per file name on Linux filesystems


def grade(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([AUTOGRADER, "grade", *args, "--quiet"], capture_output=True,
                          timeout=1200)


def grades(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        return {row["student"]: row for row in csv.DictReader(f)}


def stored(out: Path) -> dict[str, object]:
    with Store.open(out, create=False) as store:
        return {s: store.latest(s).record for s in store.students()}


# --------------------------------------------------------------------------- (3) names


@given(st.text(min_size=0, max_size=300))
def test_a_safe_name_is_a_short_harmless_folder_name_and_stays_itself(name):
    safe = safe_name(name)
    assert 0 < len(safe.encode()) <= MAX_NAME_BYTES
    assert all(c.isalnum() or c in "._-" for c in safe)
    assert not safe.startswith(".") and not is_output_name(safe)
    assert safe_name(safe) == safe
    assert len(f"{safe}-999.tmp".encode()) <= NAME_MAX


@given(st.text(alphabet="가나다abc", min_size=90, max_size=90),
       st.lists(st.text(alphabet="xyz", min_size=1, max_size=5), min_size=2, max_size=5,
                unique=True))
def test_long_names_that_share_a_beginning_stay_apart(prefix, tails):
    names = {safe_name(prefix * 3 + tail) for tail in tails}
    assert len(names) == len(tails)


@pytest.mark.parametrize("name", [*OUTPUT_NAMES, "grades.csv.tmp", "GRADES.CSV",
                                  "grading.sqlite-wal", "grading.sqlite-shm",
                                  "grading.sqlite.damaged-20260101-000000", "class.json.tmp"])
def test_no_student_folder_takes_a_name_the_output_folder_uses(name):
    assert safe_name(name) != name and safe_name(name).lower() != name.lower()
    assert not is_output_name(safe_name(name))


def test_two_255_byte_names_that_map_to_one_safe_name_get_two_folders(tmp_path):
    base = "학" * 84  # 252 bytes
    a, b = tmp_path / "c" / (base + "!!!"), tmp_path / "c" / (base + "???")
    for folder in (a, b):
        folder.mkdir(parents=True)
        (folder / "conv_layers.py").write_text(MODEL)
    subs, _ = find_submissions([tmp_path / "c"])
    assert len({s.student for s in subs}) == 2
    assert all(len(s.student.encode()) <= MAX_NAME_BYTES for s in subs)


def test_names_of_the_output_folders_files_and_long_names_cost_no_report(tmp_path):
    """grades.csv.py made a folder grades.csv/ and stopped the class CSV; two 255-byte names
    got a -2 too long for the filesystem: now every student gets a record and reports."""
    cls = tmp_path / "class"
    cls.mkdir()
    names = ["grades.csv.py", "grading.sqlite.py", "grading.sqlite-wal.py", "class.html.py",
             "class.json.py", "results.json.py", "alice.py"]
    for name in names:
        (cls / name).write_text(MODEL)
    for tail in ("!!!", "???"):  # 255 bytes each, the same safe name before the fix
        folder = cls / ("학" * 84 + tail)
        folder.mkdir()
        (folder / "conv_layers.py").write_text(MODEL)
    out = tmp_path / "out"
    proc = grade(str(cls), "--out", str(out), "--item", ITEM, "--workers", "2")
    assert proc.returncode == 0, proc.stderr.decode()
    rows = grades(out)
    assert len(rows) == len(names) + 2
    assert all(row["score"] == row["max_score"] for row in rows.values())
    for student in rows:
        assert (out / student / "feedback.html").is_file(), student
        assert (out / student / "results.json").is_file(), student
    assert (out / "grades.csv").is_file() and (out / STORE_NAME).is_file()
    assert (out / "class.html").is_file() and (out / "class.json").is_file()


def test_file_names_that_are_not_utf8_cost_no_one_their_record(tmp_path):
    """A zip made on another system: names in Latin-1 (not UTF-8) stopped the whole run
    with a UnicodeEncodeError while hashing; the store and reports must take them."""
    cls = tmp_path / "class"
    cls.mkdir()
    (cls / os.fsdecode(b"ren\xe9.py")).write_text(MODEL)
    folder = cls / os.fsdecode(b"jos\xe9")
    folder.mkdir()
    (folder / "conv_layers.py").write_text(MODEL)
    (folder / os.fsdecode(b"helper\xff.py")).write_text("HELPER = 1\n")
    (cls / "alice.py").write_text(MODEL)
    out = tmp_path / "out"
    proc = grade(str(cls), "--out", str(out), "--item", ITEM)
    assert proc.returncode == 0, proc.stderr.decode()
    rows = grades(out)
    assert sorted(rows) == ["alice", "jos_", "ren_"]
    assert all(row["score"] == row["max_score"] for row in rows.values())
    assert (out / "jos_" / "feedback.html").is_file()


def test_a_report_that_cannot_be_written_costs_that_student_only(tmp_path):
    cls = tmp_path / "class"
    cls.mkdir()
    for name in ("alice", "bob", "carol"):
        (cls / f"{name}.py").write_text(MODEL)
    out = tmp_path / "out"
    out.mkdir()
    (out / "bob").write_text("not a folder")  # bob's reports cannot go there
    proc = grade(str(cls), "--out", str(out), "--item", ITEM, "--workers", "2")
    assert proc.returncode == 0, proc.stderr.decode()
    assert sorted(grades(out)) == ["alice", "bob", "carol"]
    assert grades(out)["bob"]["score"] == grades(out)["bob"]["max_score"]
    assert (out / "alice" / "feedback.html").is_file()
    assert (out / "carol" / "feedback.html").is_file()
    assert b"reports of bob not written" in proc.stdout
    problems = stored(out)["bob"].problems
    assert any("could not write this report" in p for p in problems), problems
    # once the way is clear, the next run writes them, and the record no longer says so
    (out / "bob").unlink()
    again = grade(str(cls), "--out", str(out), "--item", ITEM)
    assert again.returncode == 0 and b"3 cached" in again.stdout
    assert (out / "bob" / "feedback.html").is_file()
    assert not any("could not write" in p for p in stored(out)["bob"].problems)
    assert "could not write" not in (out / "bob" / "feedback.html").read_text()


# --------------------------------------------------------------------------- (4) record size

HUGE = """
import numpy as _np
_HUGE = 60 * 1024 * 1024 // 8


def _huge(*args, **kwargs):
    return _np.arange(_HUGE, dtype=_np.float64)


relu = dense = flatten = _huge
"""

MEASURE = r"""
import json, pickle, resource, sys
from pathlib import Path
from autograder.grading import SubmissionPath, grade_many
from autograder.options import GradeOptions

path, items = sys.argv[1], json.loads(sys.argv[2])
records = grade_many([SubmissionPath("s", Path(path))], GradeOptions(items=items), workers=1)
print(json.dumps({
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "pickled_bytes": len(pickle.dumps(records[0])),
    "score": records[0].score,
    "got": [str(type(r.failure.got).__name__) if r.failure else None for r in records[0].items],
}))
"""

HUGE_ITEMS = ["relu: values", "flatten: order and shape", "dense: values"]


def _measure(path: Path) -> dict:
    proc = subprocess.run([sys.executable, "-c", MEASURE, str(path), json.dumps(HUGE_ITEMS)],
                          capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_a_record_keeps_no_huge_returned_array(tmp_path):
    """Functions returning 60 MB arrays on every item: the record that reaches the main
    process is small, and the main process never holds those arrays (peak memory within
    a few MB of grading the model solution). Both numbers are printed (-s)."""
    huge = tmp_path / "huge.py"
    huge.write_text(MODEL + HUGE)
    model = tmp_path / "model.py"
    model.write_text(MODEL)
    hostile, baseline = _measure(huge), _measure(model)
    print(f"\nhuge returns: record {hostile['pickled_bytes']} bytes pickled, main process "
          f"peak {hostile['peak_rss_mb']:.0f} MB; model solution: peak "
          f"{baseline['peak_rss_mb']:.0f} MB")
    assert hostile["score"] == 0 and baseline["score"] > 0
    assert hostile["got"] == ["str"] * len(HUGE_ITEMS)  # described, not kept
    assert hostile["pickled_bytes"] < 200_000  # one 60 MB array would be 60,000,000
    assert hostile["peak_rss_mb"] < baseline["peak_rss_mb"] + 40  # one array is 60 MB


def test_the_report_of_a_huge_return_describes_it(tmp_path):
    huge = tmp_path / "huge.py"
    huge.write_text(MODEL + HUGE)
    record = grade_submission(SubmissionPath("huge", huge), GradeOptions(items=["relu: values"]))
    got = record.items[0].failure.got
    assert got.startswith(f"array of shape ({60 * 1024 * 1024 // 8},), float64")


# --------------------------------------------------------------------------- (6) time budget

SLEEPY = """
import functools as _functools
import time as _time


def _sleepy(fn):
    @_functools.wraps(fn)
    def slow(*args, **kwargs):
        _time.sleep({seconds})
        return fn(*args, **kwargs)
    return slow


for _name in {names!r}:
    globals()[_name] = _sleepy(globals()[_name])
"""

BUDGET_ITEMS = ["output_size: lecture examples", "conv2d: stride", "relu: values"]


def test_a_slow_correct_solution_stops_at_the_time_budget(tmp_path):
    """Correct, but slow: a solution sleeping 0.3 s in every call took 152 s and scored
    100. Here conv2d sleeps 2 s per call. With --budget 15 the item under way when the
    budget runs out and the items after it score 0, each saying so; the item before is
    graded as usual."""
    cls = tmp_path / "class"
    cls.mkdir()
    # 2 s per call, within the 10 s call limit: the item (15 examples) needs 30 s
    (cls / "sleepy.py").write_text(MODEL + SLEEPY.format(names=["conv2d"], seconds=2.0))
    (cls / "model.py").write_text(MODEL)
    out = tmp_path / "out"
    items = [a for name in BUDGET_ITEMS for a in ("--item", name)]
    proc = grade(str(cls), "--out", str(out), *items, "--budget", "15", "--workers", "2")
    assert proc.returncode == 0, proc.stderr.decode()
    records = stored(out)
    assert records["model"].score == records["model"].max_score  # well within 15 s
    sleepy = {r.name: r for r in records["sleepy"].items}
    assert sleepy["output_size: lecture examples"].passed  # a few calls: within the budget
    cut, never = sleepy["conv2d: stride"], sleepy["relu: values"]
    assert cut.points == 0 and cut.failure.kind is FailureKind.TIMEOUT
    assert "time budget of 15 s ran out while this item was graded" in cut.failure.summary
    assert never.points == 0 and never.failure.kind is FailureKind.TIMEOUT
    assert "ran out before this item was graded" in never.failure.summary
    assert any("time budget of 15 s" in p for p in records["sleepy"].problems)
    assert "time budget of 15 s ran out" in (out / "sleepy" / "feedback.html").read_text()
    # the budget is part of the store's key: another budget grades again
    again = grade(str(cls), "--out", str(out), *items, "--budget", "16")
    assert again.returncode == 0 and b"graded 2" in again.stdout


def test_budget_must_be_positive(tmp_path):
    proc = grade(str(tmp_path), "--out", str(tmp_path / "out"), "--budget", "0")
    assert proc.returncode == 2 and b"above 0" in proc.stderr


# --------------------------------------------------------------------------- (7) symlinks


def test_symlinks_are_never_followed_and_cost_no_one_their_record(tmp_path):
    outside = tmp_path / "course"
    outside.mkdir()
    (outside / "model_solution.py").write_text(MODEL)
    (outside / "model_folder").mkdir()
    (outside / "model_folder" / "conv_layers.py").write_text(MODEL)
    cls = tmp_path / "class"
    cls.mkdir()
    (cls / "alice.py").write_text(MODEL + "\n\ndef output_size(*args, **kwargs):\n    return 0\n")
    (cls / "aa_alias.py").symlink_to(cls / "alice.py")  # sorts before the real alice
    (cls / "zz_alias.py").symlink_to(cls / "alice.py")
    (cls / "copycat.py").symlink_to(outside / "model_solution.py")
    (cls / "passwd.py").symlink_to("/etc/passwd")
    (cls / "folder_link").symlink_to(outside / "model_folder")
    (cls / "notes.txt").symlink_to("/etc/hostname")
    bob = cls / "bob"
    bob.mkdir()
    (bob / "conv_layers.py").symlink_to(outside / "model_solution.py")
    (bob / "extra").symlink_to(outside)
    out = tmp_path / "out"
    proc = grade(str(cls), "--out", str(out), "--item", ITEM, "--workers", "2")
    assert proc.returncode == 0, proc.stderr.decode()
    records = stored(out)
    links = ["aa_alias", "zz_alias", "copycat", "passwd", "folder_link"]
    assert sorted(records) == sorted(["alice", "bob", *links])
    for name in links:
        record = records[name]
        assert record.score == 0, name
        assert all(r.failure.kind is FailureKind.NOT_GRADED for r in record.items)
        assert "is a symbolic link; not graded" in record.problems[0], record.problems
    assert "root:" not in (out / "passwd" / "feedback.html").read_text()
    # alice is graded as herself (her own mistake), not dropped as "given twice"
    assert records["alice"].score == 0 and records["alice"].items[0].failure.kind \
        is FailureKind.MISMATCH
    assert records["bob"].score == 0  # his only file is a link: not read
    assert any("symbolic link(s) in the folder not read" in p and "conv_layers.py" in p
               and "extra" in p for p in records["bob"].problems), records["bob"].problems
    assert b"notes.txt: a symbolic link (not followed)" in proc.stderr


def test_a_path_given_on_the_command_line_may_be_a_link(tmp_path):
    (tmp_path / "real.py").write_text(MODEL)
    (tmp_path / "latest.py").symlink_to(tmp_path / "real.py")
    subs, _ = find_submissions([tmp_path / "latest.py"])
    assert [(s.student, s.path, s.refused) for s in subs] == [
        ("latest", tmp_path / "real.py", "")]


# --------------------------------------------------------------------------- (9) names


def test_dot_named_submissions_get_a_record(tmp_path):
    cls = tmp_path / "class"
    cls.mkdir()
    (cls / ".hidden_student.py").write_text(MODEL)
    (cls / "..ipynb").write_text("{}")
    (cls / ".secret_folder").mkdir()
    (cls / ".secret_folder" / "conv_layers.py").write_text(MODEL)
    (cls / ".git").mkdir()  # version control: not a student
    out = tmp_path / "out"
    proc = grade(str(cls), "--out", str(out), "--item", ITEM)
    assert proc.returncode == 0, proc.stderr.decode()
    rows = grades(out)
    assert sorted(rows) == ["_", "hidden_student", "secret_folder"]
    assert rows["hidden_student"]["score"] == rows["hidden_student"]["max_score"]
    assert rows["secret_folder"]["score"] == rows["secret_folder"]["max_score"]
    assert rows["_"]["score"] == "0"
    assert any("'.hidden_student' is graded as 'hidden_student'" in p
               for p in stored(out)["hidden_student"].problems)


ESCAPES = "\x1b]0;pwned\x07\x1b[2J\x1b[31m\r\u202e"


def test_names_reach_the_terminal_escaped(tmp_path):
    cls = tmp_path / f"class{ESCAPES}"  # in the arguments, so in the run log too
    cls.mkdir()
    (cls / f"skip{ESCAPES}me.txt").write_text("hi")
    (cls / f"evil{ESCAPES}.py").write_text(MODEL)
    out = tmp_path / "out"
    cmd = [AUTOGRADER, "grade", str(cls), "--out", str(out), "--item", ITEM]
    proc = subprocess.run(cmd, capture_output=True, timeout=600)  # with the progress bar
    assert proc.returncode == 0, proc.stderr.decode()
    for stream in (proc.stdout, proc.stderr):
        assert not any(c in stream for c in (b"\x1b", b"\x07", b"\r", "\u202e".encode()))
    assert b"skip\\x1b]0;pwned\\x07" in proc.stdout  # the summary names it, escaped
    history = subprocess.run([AUTOGRADER, "history", str(out)], capture_output=True)
    assert history.returncode == 0 and b"\x1b" not in history.stdout
    assert b"\\x1b" in history.stdout  # the arguments held the name


@given(st.text())
def test_printable_leaves_nothing_a_terminal_acts_on(text):
    shown = printable(text)
    assert all(c.isprintable() or c == " " for c in shown)
    if all(c.isprintable() or c == " " for c in text):
        assert shown == text  # printable text is left alone
    lines = printable(text, multiline=True)
    assert lines.count("\n") == text.count("\n")


def test_printable_known_answers():
    assert printable("a\x1b[2Jb") == "a\\x1b[2Jb"
    assert printable("김민수") == "김민수"
    assert printable("x\ny") == "x\\ny"
    assert printable("x\ny", multiline=True) == "x\ny"
    assert printable("\u202eevil") == "\\u202eevil"
    bad_name = os.fsdecode(b"bad\xff")  # a file name that is not UTF-8
    assert printable(bad_name) == "bad\\udcff"
    printable(bad_name).encode("utf-8")  # printing it cannot fail any more
