"""Grading: finding submissions, one record per submission whatever happens, real sandbox."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from autograder import rubric
from autograder.examples import read
from autograder.grading import (
    SubmissionPath,
    find_submissions,
    grade_many,
    grade_submission,
    run_pool,
)

MODEL = read("model_solution.py")


def touch(path: Path, text: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def names(subs) -> list[str]:
    return [s.student for s in subs]


# --------------------------------------------------------------------------- finding


def test_a_file_is_one_submission_named_after_it(tmp_path):
    subs, warnings = find_submissions([touch(tmp_path / "alice.py")])
    assert names(subs) == ["alice"] and warnings == []


def test_a_folder_of_files_is_a_class(tmp_path):
    for name in ("carol.ipynb", "alice.py", "bob.py"):
        touch(tmp_path / "class" / name)
    touch(tmp_path / "class" / ".hidden.py")  # a submission too: see below
    touch(tmp_path / "class" / ".DS_Store")
    touch(tmp_path / "class" / "__pycache__" / "x.pyc")
    touch(tmp_path / "class" / "README.md")
    subs, warnings = find_submissions([tmp_path / "class"])
    assert names(subs) == ["hidden", "alice", "bob", "carol"]
    assert "'.hidden' is graded as 'hidden'" in subs[0].notes[0]
    assert len(warnings) == 1 and "README.md" in warnings[0]


def test_nbgrader_submitted_folder_gives_one_submission_per_student(tmp_path):
    submitted = tmp_path / "submitted"
    for student in ("bob", "alice"):
        for part in rubric.PARTS:
            touch(submitted / student / "conv_layers" / f"{part.stem}.ipynb")
    subs, _ = find_submissions([submitted])
    assert names(subs) == ["alice", "bob"]
    assert subs[0].path == submitted / "alice"


def test_a_folder_with_part_files_is_one_students_submission(tmp_path):
    folder = tmp_path / "dana"
    touch(folder / "01_feature_map_size.ipynb")
    touch(folder / "03_convolution.ipynb")
    subs, _ = find_submissions([folder])
    assert names(subs) == ["dana"] and subs[0].path == folder
    touch(tmp_path / "erin" / "conv_layers.py")
    assert names(find_submissions([tmp_path / "erin"])[0]) == ["erin"]


def test_duplicate_names_are_all_graded_and_said_so(tmp_path):
    a = touch(tmp_path / "a" / "alice.py")
    b = touch(tmp_path / "b" / "alice.py")
    c = touch(tmp_path / "c" / "alice.ipynb")
    subs, warnings = find_submissions([a, b, c])
    assert names(subs) == ["alice", "alice-2", "alice-3"]
    assert subs[0].notes == ()
    assert "alice-2" in subs[1].notes[0] and str(b) in subs[1].notes[0]
    assert len(warnings) == 2


def test_the_same_path_twice_is_graded_once(tmp_path):
    a = touch(tmp_path / "alice.py")
    subs, warnings = find_submissions([a, tmp_path / "." / "alice.py"])
    assert names(subs) == ["alice"] and "twice" in warnings[0]


def test_a_missing_path_still_becomes_a_submission(tmp_path):
    subs, _ = find_submissions([tmp_path / "nobody.py"])
    assert names(subs) == ["nobody"]


def test_unsafe_names_become_safe_folder_names(tmp_path):
    subs, _ = find_submissions([touch(tmp_path / "a b;c.py")])
    assert names(subs) == ["a_b_c"] and "a b;c" in subs[0].notes[0]


# --------------------------------------------------------------------------- never raising


def test_a_missing_file_gets_a_zero_record_with_the_reason(tmp_path):
    record = grade_submission(SubmissionPath("ghost", tmp_path / "ghost.py"))
    assert record.score == 0 and record.max_score == rubric.TOTAL_POINTS
    assert "does not exist" in record.problems[0]
    assert len(record.items) == len(rubric.ITEMS)


def test_a_file_of_the_wrong_kind_gets_a_zero_record(tmp_path):
    record = grade_submission(SubmissionPath("pdf", touch(tmp_path / "hw.pdf", "%PDF")))
    assert record.score == 0 and ".py or .ipynb" in record.problems[0]


def _dies_for_bob(sub: SubmissionPath, options):
    """A grader that kills its own (trusted) process on bob: a grader crash, not bob's."""
    if sub.student == "bob":
        os._exit(7)
    return grade_submission(sub, options)


def test_a_dying_worker_costs_one_record_not_the_class(tmp_path):
    subs = [SubmissionPath(n, tmp_path / f"{n}.py") for n in ("alice", "bob", "carol", "dan")]
    records = grade_many(subs, workers=2, grader=_dies_for_bob)
    assert names(records) == ["alice", "bob", "carol", "dan"]
    assert "died" in records[1].problems[0]
    assert all("does not exist" in r.problems[0] for i, r in enumerate(records) if i != 1)


def _sleeps_unless_alice(sub: SubmissionPath, options):
    """alice is graded at once; everyone else takes an hour."""
    if sub.student != "alice":
        import time

        time.sleep(3600)
    return grade_submission(sub, options)


def test_a_stopped_pool_keeps_what_finished_and_ends_its_workers(tmp_path):
    subs = [SubmissionPath(n, tmp_path / f"{n}.py") for n in ("alice", "bob", "carol")]
    finished, pids = {}, set()

    def finish(i, record):
        finished[i] = record

    def stop() -> bool:
        import multiprocessing

        pids.update(p.pid for p in multiprocessing.active_children())
        return bool(finished)

    stopped = run_pool(subs, range(3), finish, workers=2, grader=_sleeps_unless_alice,
                       stop=stop)
    assert stopped and list(finished) == [0] and finished[0].student == "alice"
    assert pids, "the pool never started a worker"
    for pid in pids:  # every worker is gone, not left sleeping for an hour
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


# --------------------------------------------------------------------------- real sandbox


@pytest.fixture(scope="module")
def model_file(tmp_path_factory) -> Path:
    return touch(tmp_path_factory.mktemp("model") / "model_solution.py", MODEL)


def test_the_model_solution_gets_exactly_full_marks_in_the_real_sandbox(model_file):
    record = grade_submission(SubmissionPath("model", model_file))
    lost = [(r.name, r.failure) for r in record.items if not r.passed]
    assert lost == []
    assert record.score == rubric.TOTAL_POINTS == 100
    assert [r.name for r in record.items] == [it.name for it in rubric.ITEMS]
    assert record.sandbox in ("bubblewrap", "rlimit")


def test_patching_numpy_in_the_sandbox_changes_nothing(tmp_path):
    """The patcher scores exactly what the same code scores without its numpy patch."""
    from autograder.examples import example_class

    [patcher] = [s for s in example_class() if s.name == "numpy_patcher"]
    source = patcher.source()
    twin = "\n".join(line for line in source.splitlines()
                     if not line.startswith(("np.allclose", "np.array_e", "np.isclose",
                                             "np.testing.")))
    assert twin != source
    records = grade_many([SubmissionPath("patcher", touch(tmp_path / "patcher.py", source)),
                          SubmissionPath("twin", touch(tmp_path / "twin.py", twin))], workers=2)
    patched, plain = ([(r.name, r.points) for r in rec.items] for rec in records)
    assert patched == plain
    assert records[0].score < rubric.TOTAL_POINTS
