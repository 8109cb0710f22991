"""Without bubblewrap the student's code is still not the grader (the grader runs as root
here, as on Gradescope): it runs as an unprivileged user of its own, in a chroot holding
only Python and numpy, in its own session, and everything it starts ends with it.

Each test attacks as a hostile submission would, with the real rlimit sandbox: bubblewrap
hidden from PATH (as in a container without it) or the rlimit sandbox asked for. An attack
that needs the worker to run as root to do harm is only tried when it does not (a
``kill(-1, …)`` as root would hit every process on the machine): there the test fails on
the worker's uid instead.
"""

from __future__ import annotations

import csv
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

import autograder
import reference
from autograder.examples import example_class
from autograder.grading import SubmissionPath
from autograder.incremental import grade_into_store
from autograder.options import GradeOptions
from autograder.sandbox import SandboxedStudent, bubblewrap_status
from autograder.sandbox.users import UIDS

PROJECT = Path(autograder.__file__).resolve().parents[1]
BWRAP_OK = bubblewrap_status()[0]
pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the grader must be root to "
                                "run the worker as another user")

PROBE = '''
import os, signal, sys

def relu(x):
    return x

def who():
    return {"uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups(),
            "session_leader": os.getsid(0) == os.getpid(), "root": sorted(os.listdir("/"))}

def attempt(kind, target):
    """What happened when the worker tried ``kind`` on ``target``: "done" or the error."""
    try:
        if kind == "read":
            with open(target, "rb") as f:
                f.read(1)
        elif kind == "list":
            os.listdir(target)
        elif kind == "write":
            with open(target, "a") as f:
                f.write("forged")
        elif kind == "signal":
            os.kill(target, 0)  # the permission check alone: nothing is sent
        elif kind == "import":
            __import__(target)
    except Exception as exc:
        return type(exc).__name__
    return "done"
'''


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def hidden_bwrap_path(tmp: Path) -> str:
    """A PATH with this Python and no bwrap (Gradescope's container has none)."""
    bindir = tmp / "bin"
    bindir.mkdir(exist_ok=True)
    if not (bindir / "python").exists():
        (bindir / "python").symlink_to(sys.executable)
    return str(bindir)


def processes_with(token: str) -> list[int]:
    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            if token.encode() in Path(f"/proc/{entry}/cmdline").read_bytes():
                found.append(int(entry))
        except OSError:
            pass
    return found


@pytest.fixture(scope="module")
def probe(tmp_path_factory) -> Path:
    return write(tmp_path_factory.mktemp("probe") / "probe.py", PROBE)


def test_the_worker_is_an_unprivileged_user_of_its_own(probe):
    with SandboxedStudent(probe, sandbox="rlimit") as s:
        me = s.call("who")
        assert s.sandbox_kind == "rlimit-as-other-user"
        assert me["uid"] in UIDS and me["gid"] == me["uid"] and me["groups"] == []
        assert me["session_leader"]
        # its whole file system: Python, numpy, the libraries they load, its own stage
        assert set(me["root"]) <= {".complete", "dev", "lib", "lib64", "opt", "root", "tmp",
                                   "usr", "bin"}
        assert "an unprivileged user of its own" in s.limits


def test_the_model_solution_the_grader_and_the_reports_are_out_of_reach(probe, tmp_path):
    out = tmp_path / "reports"
    write(out / "grades.csv", "student,score\n")
    wheel = write(tmp_path / "conv_lab-0.1.0-py3-none-any.whl", "a wheel")
    reference_dir = Path(reference.__file__).resolve().parent
    with SandboxedStudent(probe, sandbox="rlimit") as s:
        for module in ("reference", "autograder"):
            assert s.call("attempt", "import", module) == "ModuleNotFoundError"
        for target in (reference_dir / "conv.py", PROJECT / "autograder" / "rubric.py",
                       wheel, out / "grades.csv", probe, Path(sys.executable)):
            assert s.call("attempt", "read", str(target)) == "FileNotFoundError", target
        for target in (out / "grades.csv", out / "results.json", reference_dir / "x.py"):
            assert s.call("attempt", "write", str(target)) == "FileNotFoundError", target
    assert (out / "grades.csv").read_text() == "student,score\n"
    assert not (out / "results.json").exists() and not (reference_dir / "x.py").exists()


def test_two_students_cannot_see_or_signal_each_other(probe):
    with (SandboxedStudent(probe, sandbox="rlimit") as a,
          SandboxedStudent(probe, sandbox="rlimit") as b):
        assert a.uid != b.uid and {a.uid, b.uid} <= set(UIDS)
        b_job = [str(b._stage / "job.json"), f"/tmp/{b._stage.name}/job.json"]
        for path in b_job:  # where the grader keeps it, and where b's worker sees it
            assert a.call("attempt", "read", path) in ("FileNotFoundError", "PermissionError")
        assert a.call("attempt", "list", "/tmp") == "PermissionError"
        assert a.call("attempt", "signal", b._process.popen.pid) == "PermissionError"


def test_pid_1_and_the_grader_cannot_be_signalled(probe):
    with SandboxedStudent(probe, sandbox="rlimit") as s:
        for pid in (1, os.getpid()):
            assert s.call("attempt", "signal", pid) == "PermissionError"


# --------------------------------------------------------------------------- a class


READER = '''
import sys
for where in {paths!r}:
    sys.path.insert(0, where)
try:
    from reference import *  # the model solution, if it can be reached
except ImportError:
    pass
'''

STOPPER = '''
import os, signal
os.kill(os.getppid(), signal.SIGSTOP)  # the grading process that started this worker
'''

STOP_EVERYONE = '''
import os, signal
if os.getuid() != 0:  # as root this would stop every process of the machine
    os.kill(-1, signal.SIGSTOP)
def relu(x):
    return f"uid {os.getuid()}"
'''

VANDAL = '''
for target in {targets!r}:
    try:
        with open(target, "w") as f:
            f.write("pwned")
    except OSError:
        pass
'''

DAEMON = '''
import os, sys
LOOP = """
import json, sys, time
for _ in range(300):
    try:
        with open(sys.argv[1], "w") as f:
            json.dump({{"score": 100, "tests": []}}, f)
    except OSError:
        pass
    time.sleep(0.1)
"""
if os.fork() == 0:  # a daemon: its own session, a grandchild of the worker
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-c", LOOP, {target!r}, {token!r}])
    os._exit(0)
'''


def test_a_hostile_class_is_graded_whole_and_truly_without_bubblewrap(tmp_path):
    by_name = {s.name: s for s in example_class()}
    cls, out = tmp_path / "class", tmp_path / "out"
    token = f"daemon-{secrets.token_hex(6)}"
    students = {
        "loops": by_name["loops"].source(),
        "stub": by_name["stub"].source(),
        "reader": READER.format(paths=[str(PROJECT), str(Path(reference.__file__).parents[1])]),
        "stopper": STOPPER,
        "stop_everyone": STOP_EVERYONE,
        "vandal": VANDAL.format(targets=[str(out / "grades.csv"), str(out / "pwned"),
                                         str(cls / "pwned"), str(out / "grading.sqlite")]),
        "daemon": DAEMON.format(target=str(out / "daemon" / "results.json"), token=token),
    }
    for name, source in students.items():
        write(cls / f"{name}.py", source)
    env = {**os.environ, "PATH": hidden_bwrap_path(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "autograder.cli", "grade", str(cls), "--out",
                           str(out), "--workers", "2"], env=env, capture_output=True,
                          text=True, timeout=1800)  # a hang guard: today's code never returns
    assert done.returncode == 0, done.stderr[-3000:]
    assert processes_with(token) == []  # the daemon ended with its sandbox
    warned = [line for line in done.stderr.splitlines() if "bubblewrap cannot be used" in line]
    assert len(warned) == 1 and "bwrap is not installed" in warned[0]

    with open(out / "grades.csv", newline="") as f:
        scores = {row["student"]: float(row["score"]) for row in csv.DictReader(f)}
    assert set(scores) == set(students)
    assert scores["loops"] == 100
    for name in ("stub", "reader", "stopper", "vandal"):
        assert scores[name] == 0, name
    assert scores["daemon"] == 0 and scores["stop_everyone"] == 0
    daemon_results = json.loads((out / "daemon" / "results.json").read_text())
    assert daemon_results["score"] == 0 and len(daemon_results["tests"]) > 1
    assert not (out / "pwned").exists() and not (cls / "pwned").exists()
    records = {s: json.loads((out / s / "results.json").read_text()) for s in students}
    assert {r["extra_data"]["sandbox"] for r in records.values()} == {"rlimit-as-other-user"}
    relu = next(t for t in records["stop_everyone"]["tests"]
                if t["extra_data"]["item"] == "relu: values")
    assert "'uid 4" in relu["output"] and "'uid 0'" not in relu["output"]


@pytest.mark.skipif(not BWRAP_OK, reason="bubblewrap is not usable here")
def test_a_record_graded_without_bubblewrap_is_graded_again_once_it_works(tmp_path):
    path = write(tmp_path / "class" / "loops.py",
                 next(s for s in example_class() if s.name == "loops").source())
    subs = [SubmissionPath("loops", path)]
    items = ["relu: values"]
    first = grade_into_store(subs, tmp_path / "out", GradeOptions(items=items, sandbox="rlimit"))
    again = grade_into_store(subs, tmp_path / "out", GradeOptions(items=items, sandbox="auto"))
    assert again.cached == 0 and again.graded == 1
    assert first.records[0].sandbox == "rlimit-as-other-user"
    assert again.records[0].sandbox == "bubblewrap"
    assert grade_into_store(subs, tmp_path / "out",
                            GradeOptions(items=items, sandbox="auto")).cached == 1


def test_code_run_as_the_graders_own_user_is_said_to_the_instructor(tmp_path):
    """In results.json's extra_data and the class report, in both languages; the student's
    text names no sandbox (nothing there a student can act on)."""
    from autograder.classreport import build_report
    from autograder.classreport.page import class_html
    from autograder.grading import grade_submission
    from autograder.reports.feedback import record_text
    from autograder.reports.results_json import results_json

    path = write(tmp_path / "relu.py", "def relu(x):\n    return x * (x > 0)\n")
    record = grade_submission(SubmissionPath("kim", path),
                              GradeOptions(sandbox="rlimit-as-self", items=["relu: values"]))
    assert record.sandbox == "rlimit-as-self" and record.score == 1
    page = class_html(build_report([record]))
    assert "as the grader&#x27;s own user: it could read and change the grader&#x27;s files" \
        in page
    assert "채점기와 같은 사용자로 실행되어" in page
    extra = results_json(record, "ko+en")["extra_data"]
    assert extra["sandbox"] == "rlimit-as-self" and extra["limits"] == record.limits
    for lang in ("ko", "en"):
        assert "grader's own user" not in record_text(record, lang)
        assert "채점기와 같은 사용자" not in record_text(record, lang)
    assert "student code ran as the grader's own user" in record.limits
