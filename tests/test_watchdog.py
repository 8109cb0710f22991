"""The pool's watchdog: a grading process that is stopped (SIGSTOP) or hangs is killed from
outside it, and the class still gets one record per submission. Real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from autograder.grading import SubmissionPath, grade_many, run_pool
from autograder.options import GradeOptions

TESTS = Path(__file__).resolve().parent
NAMES = ("alice", "bob", "carol", "dan")

POOL = '''
import json, sys
from pathlib import Path
from autograder.grading import SubmissionPath, grade_many
from support.pool_faults import stops_itself_for_bob
subs = [SubmissionPath(n, Path(sys.argv[1]) / f"{{n}}.py") for n in {names!r}]
records = grade_many(subs, workers=2, grader=stops_itself_for_bob)
print(json.dumps([[r.student, [str(p) for p in r.problems]] for r in records]))
'''


def test_a_stopped_grading_process_is_killed_and_the_class_still_finishes(tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), *sys.path])}
    done = subprocess.run([sys.executable, "-c", POOL.format(names=NAMES), str(tmp_path)],
                          env=env, capture_output=True, text=True,
                          timeout=600)  # a hang guard: without the watchdog it never returns
    assert done.returncode == 0, done.stderr[-2000:]
    records = dict(json.loads(done.stdout.splitlines()[-1]))
    assert list(records) == list(NAMES)
    assert "stopped (SIGSTOP)" in records["bob"][0] and "twice" in records["bob"][0]
    for name in ("alice", "carol", "dan"):
        assert "does not exist" in records[name][0]


def test_a_hung_grading_process_is_killed_after_the_watchdogs_time(tmp_path):
    from support.pool_faults import hangs_for_bob

    subs = [SubmissionPath(n, tmp_path / f"{n}.py") for n in NAMES]
    finished = {}
    # the watchdog's time counts from when a process takes the submission, its start-up
    # included: long enough for that on a busy machine
    stopped = run_pool(subs, range(len(subs)), finished.__setitem__, workers=2,
                       grader=hangs_for_bob, watchdog=30)
    assert not stopped and sorted(finished) == [0, 1, 2, 3]
    assert "took longer than 30 s on this submission, twice" in finished[1].problems[0]
    assert all("does not exist" in finished[i].problems[0] for i in (0, 2, 3))


STOPPER = "import os, signal\nos.kill(os.getppid(), signal.SIGSTOP)\n"


def test_a_submission_that_stops_its_grading_process_gets_a_record_saying_so(tmp_path):
    """As the grader's own user (no bubblewrap, not root) a submission can stop the
    process that grades it; the watchdog, in the grader's main process, kills that one."""
    stopper = tmp_path / "stopper.py"
    stopper.write_text(STOPPER)
    relu = tmp_path / "relu.py"
    relu.write_text("def relu(x):\n    return x * (x > 0)\n")
    records = grade_many([SubmissionPath("stopper", stopper), SubmissionPath("relu", relu)],
                         GradeOptions(sandbox="rlimit-as-self", items=["relu: values"]),
                         workers=2)
    assert [r.student for r in records] == ["stopper", "relu"]
    assert "stopped (SIGSTOP)" in records[0].problems[0] and records[0].score == 0
    assert records[1].score == records[1].max_score == 1
    assert records[1].sandbox == "rlimit-as-self"

