"""The results store: values and records round-trip exactly, keys follow content, reruns
resume, the lock, a damaged store, the run log and replay. Real SQLite, real sandbox.

The process-level faults (signals, kill -9, a full disk) are in test_store_faults.py."""

from __future__ import annotations

import csv
import json
import math
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograder.examples import example_class
from autograder.grading import SubmissionPath, grade_many
from autograder.incremental import grade_into_store, replay
from autograder.options import GradeOptions
from autograder.reports.feedback import feedback_html
from autograder.reports.results_json import results_json_text
from autograder.results import Failure, FailureKind, GradeRecord, ItemResult
from autograder.store import (
    STORE_NAME,
    Key,
    OutputLock,
    Store,
    StoreBusy,
    StoredRepr,
    content_hash,
    decode_value,
    encode_value,
    grader_version,
    record_from_json,
    record_to_json,
)

AUTOGRADER = str(Path(sys.executable).parent / "autograder")
CLASS = {s.name: s for s in example_class()}
#: Cheap items that the chosen students fail in different ways (arrays, NaN, exceptions).
ITEMS = ("zero_pad: shape and placement", "conv2d: bias", "softmax: values and stability",
         "same_padding: matches TensorFlow")
STUDENTS = ("loops", "stub", "bug_zero_pad_corner", "bug_conv_bias_missing",
            "bug_softmax_no_max")


def run(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout)


def write_class(folder: Path, students=STUDENTS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in students:
        (folder / f"{name}.py").write_text(CLASS[name].source())
    return folder


def grades_rows(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "grades.csv", newline="") as f:
        return {row["student"]: row for row in csv.DictReader(f)}


# --------------------------------------------------------------------------- values


def same_value(a, b) -> bool:
    """Equal, of the same type, recursively (NaN equals NaN)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b, equal_nan=True)
    if isinstance(a, np.generic):
        return a.dtype == b.dtype and (a == b or (a != a and b != b))
    if isinstance(a, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same_value(a[k], b[k]) for k in a)
    return a == b


arrays = hnp.arrays(
    dtype=st.sampled_from([np.float64, np.float32, np.int64, np.int32, np.bool_, np.uint8]),
    shape=hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4))
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=20),
    st.floats(allow_nan=True).map(np.float64), st.integers(-100, 100).map(np.int32),
    st.floats(width=32).map(np.float32))
values = st.recursive(
    st.one_of(scalars, arrays),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.tuples(inner, inner),
                            st.dictionaries(st.text(max_size=5), inner, max_size=3)),
    max_leaves=8)


@given(values)
def test_every_value_decodes_to_an_equal_value_of_the_same_type(value):
    stored = json.loads(json.dumps(encode_value(value)))
    assert same_value(decode_value(stored), value)


def test_a_value_of_another_type_is_kept_as_its_repr():
    class Odd:
        def __repr__(self) -> str:
            return "Odd(1)"

    back = decode_value(encode_value({"x": Odd()}))
    assert isinstance(back["x"], StoredRepr) and repr(back["x"]) == "Odd(1)"


def test_a_huge_array_is_stored_as_the_line_the_reports_print():
    from autograder.reports.feedback import format_value

    big = np.arange(300_000, dtype=np.float64)
    stored = encode_value(big)
    assert len(json.dumps(stored)) < 200
    assert format_value(decode_value(stored)) == format_value(big)


def test_a_record_of_huge_outputs_on_every_item_stays_small():
    from autograder import rubric

    big = np.ones((360, 360))  # 1 MB each: under the per-array bound, but on every item
    wrong = Failure("wrong", FailureKind.MISMATCH, case={"x": big}, expected=big, got=big)
    record = GradeRecord("hostile", [ItemResult(it.name, 0.0, it.points, wrong)
                                     for it in rubric.ITEMS], "rlimit")
    text = record_to_json(record)
    assert len(text) < 10 * 2**20
    back = record_from_json(text)
    assert [r.points for r in back.items] == [r.points for r in record.items]
    assert back.items[0].failure.got.startswith("array of shape (360, 360)")


failures = st.builds(
    Failure, summary=st.text(max_size=30), case=st.dictionaries(st.text(max_size=4), values,
                                                                   max_size=3),
    expected=values, got=values, where=st.text(max_size=10), traceback=st.text(max_size=20),
    diagnosis=st.none() | st.text(max_size=10), hint=st.text(max_size=10))


@given(st.lists(st.none() | failures, min_size=1, max_size=3),
       st.floats(0, 100, allow_nan=False))
def test_reports_from_a_stored_record_are_byte_identical(fails, seconds):
    record = GradeRecord("s", [ItemResult(f"item {i}", 0.0 if f else 2.0, 2.0, f)
                               for i, f in enumerate(fails)], "bubblewrap", ["p"], seconds)
    back = record_from_json(record_to_json(record))
    assert feedback_html(back) == feedback_html(record)
    assert results_json_text(back) == results_json_text(record)
    assert record_to_json(back) == record_to_json(record)


@pytest.fixture(scope="module")
def real_records(tmp_path_factory) -> list[GradeRecord]:
    """Whole-rubric records of students whose failures hold arrays, tuples of gradients,
    dicts, NaN and tracebacks, graded in the real sandbox."""
    folder = tmp_path_factory.mktemp("real")
    names = ["stub", "bug_dense_backward_db_mean", "bug_softmax_no_max",
             "bug_cross_entropy_summed", "bug_pool_backward_spread", "crash_on_import"]
    write_class(folder, names)
    return grade_many([SubmissionPath(n, folder / f"{n}.py") for n in names], workers=2)


def test_real_records_round_trip_to_identical_reports(real_records):
    failures = [r.failure for rec in real_records for r in rec.items if r.failure]
    assert any(isinstance(f.expected, np.ndarray) for f in failures)
    assert any(f.diagnosis for f in failures) and any(f.case for f in failures)
    for record in real_records:
        back = record_from_json(record_to_json(record))
        assert feedback_html(back) == feedback_html(record), record.student
        assert results_json_text(back) == results_json_text(record), record.student


# --------------------------------------------------------------------------- keys


def test_content_hash_follows_names_and_bytes_not_mtimes(tmp_path):
    folder = tmp_path / "dana"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.py").write_text("x = 1\n")
    (folder / "sub" / "b.ipynb").write_text("{}")
    first = content_hash(folder)
    os.utime(folder / "a.py", (1, 1))
    (folder / ".hidden").write_text("ignored")
    (folder / "notes.md").write_text("not read by grading")
    assert content_hash(folder) == first
    (folder / "digits.npz").write_bytes(b"data the code may read")
    assert content_hash(folder) != first
    (folder / "digits.npz").unlink()
    (folder / "a.py").write_text("x = 2\n")
    assert content_hash(folder) != first
    (folder / "a.py").write_text("x = 1\n")
    assert content_hash(folder) == first
    (folder / "a.py").rename(folder / "c.py")
    assert content_hash(folder) != first
    assert content_hash(tmp_path / "ghost.py") != content_hash(tmp_path / "other.py")


def test_the_rubric_hash_follows_the_items_and_the_timeout():
    def key(**options):
        return GradeOptions(**options).rubric_hash()

    assert key() == key(items=None, call_timeout=None)
    assert key(items=ITEMS[:1]) != key(items=ITEMS[:2])
    assert key(items=ITEMS[:1], call_timeout=5.0) != key(items=ITEMS[:1], call_timeout=6.0)
    one = GradeOptions(items=ITEMS[:1])
    # every option that decides a result, and only those, is in it
    for changed in (dict(budget=30.0), dict(per_student_cases=True), dict(max_file_mb=1.0),
                    dict(max_total_mb=2.0)):
        assert one.replace(**changed).rubric_hash() != one.rubric_hash(), changed
    assert one.replace(seed=3, sandbox="rlimit").rubric_hash() == one.rubric_hash()
    assert grader_version().startswith("0.")


# --------------------------------------------------------------------------- resume


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The small class graded once into a store (module-wide; tests copy it)."""
    root = tmp_path_factory.mktemp("graded")
    cls = write_class(root / "class")
    out = root / "out"
    first = grade_into_store(find(cls), out, GradeOptions(items=ITEMS), workers=2)
    return cls, out, first


def find(cls: Path) -> list[SubmissionPath]:
    from autograder.grading import find_submissions

    return find_submissions([cls])[0]


def copy_graded(graded, tmp_path) -> tuple[Path, Path]:
    import shutil

    cls, out, _ = graded
    shutil.copytree(cls, tmp_path / "class")
    shutil.copytree(out, tmp_path / "out")
    return tmp_path / "class", tmp_path / "out"


def stored_rows(out: Path) -> list[tuple]:
    with sqlite3.connect(out / STORE_NAME) as db:
        return db.execute("SELECT student, seed, content_hash FROM records "
                          "ORDER BY student, graded_at").fetchall()


def test_first_run_stores_one_record_per_submission_and_writes_reports(graded):
    _, out, first = graded
    assert (first.graded, first.cached, first.done) == (len(STUDENTS), 0, len(STUDENTS))
    assert [r[0] for r in stored_rows(out)] == sorted(STUDENTS)
    assert sorted(grades_rows(out)) == sorted(STUDENTS)
    for name in STUDENTS:
        assert json.loads((out / name / "results.json").read_text())["tests"]


def test_a_rerun_grades_nothing_and_leaves_the_reports_identical(graded, tmp_path):
    cls, out = copy_graded(graded, tmp_path)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.suffix in (".json", ".html",
                                                                        ".csv")}
    again = grade_into_store(find(cls), out, GradeOptions(items=ITEMS), workers=2)
    assert (again.graded, again.cached) == (0, len(STUDENTS))
    assert {p: p.read_bytes() for p in before} == before
    assert len(stored_rows(out)) == len(STUDENTS)


def test_a_changed_file_a_new_seed_and_force_regrade(graded, tmp_path):
    cls, out = copy_graded(graded, tmp_path)
    (cls / "stub.py").write_text(CLASS["loops"].source())
    changed = grade_into_store(find(cls), out, GradeOptions(items=ITEMS), workers=2)
    assert (changed.graded, changed.cached) == (1, len(STUDENTS) - 1)
    assert grades_rows(out)["stub"]["score"] == grades_rows(out)["loops"]["score"]
    reseeded = grade_into_store(find(cls), out, GradeOptions(items=ITEMS, seed=5), workers=2)
    assert (reseeded.graded, reseeded.cached) == (len(STUDENTS), 0)
    forced = grade_into_store(find(cls), out, GradeOptions(items=ITEMS, seed=5), workers=2,
                              force=True)
    assert (forced.graded, forced.cached) == (len(STUDENTS), 0)
    # the old rows stay: grading with seed 0 again is all cached
    back = grade_into_store(find(cls), out, GradeOptions(items=ITEMS), workers=2)
    assert back.cached == len(STUDENTS)


def test_damaged_reports_of_a_cached_record_are_rewritten_from_the_store(graded, tmp_path):
    cls, out = copy_graded(graded, tmp_path)
    page = out / "bug_conv_bias_missing" / "feedback.html"
    good = page.read_bytes()
    page.write_text("half a page")
    (out / "stub" / "results.json").unlink()
    again = grade_into_store(find(cls), out, GradeOptions(items=ITEMS), workers=2)
    assert again.graded == 0 and page.read_bytes() == good
    assert (out / "stub" / "results.json").is_file()


def test_a_vanished_student_keeps_the_row_but_leaves_grades_csv(graded, tmp_path):
    cls, out = copy_graded(graded, tmp_path)
    (cls / "stub.py").unlink()
    proc = run(AUTOGRADER, "grade", str(cls), "--out", str(out), *items_args(), "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert "stub" not in grades_rows(out) and len(grades_rows(out)) == len(STUDENTS) - 1
    assert "stub" in [r[0] for r in stored_rows(out)]
    assert re.search(r"1 student\(s\) graded earlier are not in this input.*: stub",
                     proc.stdout), proc.stdout
    assert f"{len(STUDENTS) - 1} cached" in proc.stdout
    assert f"{len(STUDENTS) - 1} of {len(STUDENTS) - 1} unchanged since they were graded " \
        "(cached)" in proc.stderr


def items_args() -> list[str]:
    return [arg for name in ITEMS for arg in ("--item", name)]


# --------------------------------------------------------------------------- lock, damage


def test_a_second_grader_on_the_same_folder_stops_at_once(graded, tmp_path):
    cls, out = copy_graded(graded, tmp_path)
    with OutputLock(out):
        proc = run(AUTOGRADER, "grade", str(cls), "--out", str(out), *items_args(), timeout=60)
        with pytest.raises(StoreBusy):
            grade_into_store(find(cls), out, GradeOptions(items=ITEMS))
    assert proc.returncode == 2
    assert "another autograder grade is writing to" in proc.stderr and str(out) in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_a_damaged_store_is_named_with_the_way_out_and_rebuild_recovers(graded, tmp_path,
                                                                       damage):
    cls, out = copy_graded(graded, tmp_path)
    db = out / STORE_NAME
    with sqlite3.connect(db) as conn:  # fold the WAL in, so the file holds everything
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = db.read_bytes()
    db.write_bytes(b"not a database at all" * 100 if damage == "garbage"
                   else data[: len(data) // 2])
    proc = run(AUTOGRADER, "grade", str(cls), "--out", str(out), *items_args(), "--quiet")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert str(db) in proc.stderr and "--rebuild" in proc.stderr
    proc = run(AUTOGRADER, "history", str(out))
    assert proc.returncode == 2 and "--rebuild" in proc.stderr and "Traceback" not in proc.stderr
    proc = run(AUTOGRADER, "grade", str(cls), "--out", str(out), *items_args(), "--quiet",
               "--rebuild")
    assert proc.returncode == 0, proc.stderr
    assert f"graded {len(STUDENTS)}" in proc.stdout
    assert list(out.glob(f"{STORE_NAME}.damaged-*"))
    assert len(stored_rows(out)) == len(STUDENTS)


# --------------------------------------------------------------------------- history, replay


def test_history_prints_every_run_as_a_table(graded, tmp_path):
    cls, out = copy_graded(graded, tmp_path)
    run(AUTOGRADER, "grade", str(cls), "--out", str(out), *items_args(), "--quiet",
        "--seed", "4")
    proc = run(AUTOGRADER, "history", str(out))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split()[:8] == ["run", "started", "took", "status", "graded", "cached",
                                    "failed", "vanished"]
    first, second = (line.split() for line in lines[1:3])
    assert first[0] == "1" and first[4:6] == ["finished", str(len(STUDENTS))]
    assert second[0] == "2" and "--seed 4" in lines[2] and second[5] == str(len(STUDENTS))


def test_replay_says_identical_for_an_unchanged_submission(graded):
    _, out, _ = graded
    result = replay(out, "bug_conv_bias_missing")
    assert sorted(i.name for i in result.items) == sorted(ITEMS)
    assert any(i.stored_points == 0 for i in result.items)  # a failure replays identically too
    assert all(i.identical for i in result.items) and result.notes == []
    proc = run(AUTOGRADER, "replay", str(out), "bug_softmax_no_max", "--item",
               "softmax: values and stability")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "identical  softmax: values and stability" in proc.stdout
    assert "1 of 1 item(s) identical" in proc.stdout


def test_replay_shows_what_differs_when_the_file_changed(graded, tmp_path):
    cls, out = copy_graded(graded, tmp_path)
    with Store.open(out) as store:  # the copy must replay the copied file
        store.conn.execute("UPDATE records SET source = ? WHERE student = 'stub'",
                           (str(cls / "stub.py"),))
    (cls / "stub.py").write_text(CLASS["loops"].source())
    proc = run(AUTOGRADER, "replay", str(out), "stub")
    assert proc.returncode == 1
    assert "changed since it was graded" in proc.stdout
    assert "DIFFERENT  zero_pad: shape and placement  (stored 0, now 3)" in proc.stdout
    assert "-0.0/3" in proc.stdout and "+3.0/3" in proc.stdout
    proc = run(AUTOGRADER, "replay", str(out), "stu")
    assert proc.returncode == 2 and "did you mean stub" in proc.stderr


def test_keys_are_what_the_rows_hold(graded):
    _, out, _ = graded
    with Store.open(out, create=False) as store:
        row = store.latest("loops")
        assert isinstance(row.key, Key)
        assert row.key.rubric_hash == GradeOptions(items=ITEMS).rubric_hash(row.sandbox)
        assert row.key.grader_version == grader_version() and row.host
        assert Path(row.source).name == "loops.py"

