"""Hostile submissions against the grader's limits, with the real sandbox:
memory the address-space limit does not see (memfd, /dev/shm), open files, processes,
forged protocol messages, huge notebooks, and what the sandbox shows of the host.

Memory is measured (peak RSS from getrusage in a fresh process), never timed.
"""

from __future__ import annotations

import errno
import json
import pickle
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

import autograder
from autograder.grading import SubmissionPath, grade_submission
from autograder.options import GradeOptions
from autograder.sandbox import SandboxedStudent, bubblewrap_status
from autograder.sandbox.bubblewrap import SHM_BYTES
from autograder.sandbox.cgroups import Cgroups, parent_for
from autograder.sandbox.limits import MAX_OPEN_FILES, MAX_PROCESSES
from autograder.sandbox.sandboxed import MAX_OUTPUT, MAX_PROBLEMS, MAX_TEXT, MAX_TRACEBACK
from autograder.student import StudentError, WorkerCrashed
from autograder.submission import SizeLimits, load_submission

BWRAP_OK, _, BWRAP_WHY = bubblewrap_status()
needs_bwrap = pytest.mark.skipif(not BWRAP_OK, reason=f"bubblewrap unusable: {BWRAP_WHY}")
needs_memory_cgroup = pytest.mark.skipif(parent_for("memory") is None,
                                         reason="no writable memory cgroup on this host")
needs_pids_cgroup = pytest.mark.skipif(parent_for("pids") is None,
                                       reason="no writable pids cgroup on this host")
KINDS = [pytest.param("bubblewrap", marks=needs_bwrap), "rlimit"]
MB = 1024 * 1024
PROJECT = Path(autograder.__file__).resolve().parents[1]

RESOURCES = '''
import errno, os, sys, time

def fill_memfd(mb):
    """memfd files are not in the address space; each stays under the file-size limit."""
    block = b"m" * (1 << 20)
    kept = []
    for i in range(mb):
        if i % 32 == 0:
            kept.append(os.memfd_create("fill"))
        os.write(kept[-1], block)
    return "survived"

def fill_file(path, mb):
    written = 0
    try:
        with open(path, "wb") as f:
            for _ in range(mb):
                f.write(b"s" * (1 << 20))
                f.flush()
                written += 1 << 20
    except OSError as exc:
        return [written, exc.errno]
    return [written, 0]

def open_many(n):
    files = []
    try:
        for _ in range(n):
            files.append(open(os.devnull))
    except OSError as exc:
        return [len(files), exc.errno]
    return [len(files), 0]

def fork_many(n):
    children = 0
    try:
        for _ in range(n):
            if os.fork() == 0:
                time.sleep(60)
                os._exit(0)
            children += 1
    except OSError as exc:
        return [children, exc.errno]
    return [children, 0]

def relu(x):
    return x
'''


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


@pytest.fixture(scope="module")
def resources(tmp_path_factory) -> Path:
    return write(tmp_path_factory.mktemp("hostile") / "resources.py", RESOURCES)


# --------------------------------------------------------------------------- memory, files, pids


@needs_memory_cgroup
@pytest.mark.parametrize("kind", KINDS)
def test_filling_a_memfd_past_the_limit_kills_the_worker_and_says_why(resources, kind):
    with SandboxedStudent(resources, sandbox=kind, memory_mb=300, call_timeout=60) as s:
        assert "memory cgroup" in s.limits and "300 MB" in s.limits
        with pytest.raises(WorkerCrashed, match="memory limit of 300 MB was reached"):
            s.call("fill_memfd", 600)
        assert s.call("relu", 2) == 2  # a fresh worker, same limits
        assert s.call("fill_memfd", 50) == "survived"  # under the limit: fine


def test_the_hosts_dev_shm_is_not_there_for_a_sandbox_user(resources):
    """As a sandbox user of its own (the grader is root), the worker's root is a copy of
    Python and numpy: the host's /dev/shm, which outlives the worker, is not in it."""
    target = Path(f"/dev/shm/convlab-test-{secrets.token_hex(4)}")
    with SandboxedStudent(resources, sandbox="rlimit", memory_mb=300, call_timeout=60) as s:
        assert s.sandbox_kind == "rlimit-as-other-user"
        assert s.call("fill_file", str(target), 48) == [0, errno.ENOENT]
        assert s.call("fill_file", "/tmp/x", 1) == [0, errno.EACCES]  # /tmp is not shared
        assert s.call("fill_file", "here", 2) == [2 * MB, 0]  # its own working directory
    assert not target.exists()


@needs_memory_cgroup
def test_filling_the_hosts_dev_shm_as_the_graders_user_is_stopped_too(resources):
    """As the grader's own user the worker shares the host's /dev/shm: the memory cgroup
    counts what it writes there (files that outlive the worker, hence the cleanup)."""
    target = Path(f"/dev/shm/convlab-test-{secrets.token_hex(4)}")
    try:
        with SandboxedStudent(resources, sandbox="rlimit-as-self", memory_mb=300,
                              call_timeout=60) as s:
            with pytest.raises(WorkerCrashed, match="memory limit of 300 MB was reached"):
                for part in range(12):  # 12 files of 48 MB (each under the file-size limit)
                    s.call("fill_file", f"{target}-{part}", 48)
    finally:
        for leftover in Path("/dev/shm").glob(f"{target.name}-*"):
            leftover.unlink()


@needs_memory_cgroup
def test_a_memfd_bomb_at_load_time_gets_a_record_that_says_why(tmp_path):
    bomb = write(tmp_path / "bomb.py", RESOURCES + "\nfill_memfd(1300)\n")
    record = grade_submission(SubmissionPath("bomb", bomb), GradeOptions(items=["relu: values"]))
    assert record.score == 0
    assert any("memory limit of 1024 MB was reached" in p for p in record.problems)
    assert "memory cgroup" in record.limits and "1024 MB" in record.limits


@needs_bwrap
def test_dev_shm_is_private_and_small_and_the_root_is_read_only(resources):
    with SandboxedStudent(resources, sandbox="bubblewrap") as s:
        written, error = s.call("fill_file", "/dev/shm/fill", 3 * SHM_BYTES // MB)
        assert error == errno.ENOSPC and written <= SHM_BYTES
        for path in ("/fill", "/dev/fill", "/opt/convlab/worker/fill"):
            assert s.call("fill_file", path, 1) == [0, errno.EROFS], path
        assert "/dev/shm 8 MB" in s.limits


@pytest.mark.parametrize("kind", KINDS)
def test_the_open_files_limit_holds(resources, kind):
    with SandboxedStudent(resources, sandbox=kind) as s:
        opened, error = s.call("open_many", 10 * MAX_OPEN_FILES)
        assert error == errno.EMFILE and opened < MAX_OPEN_FILES
        assert f"{MAX_OPEN_FILES} open files" in s.limits


@needs_pids_cgroup
@pytest.mark.parametrize("kind", KINDS)
def test_the_pids_cgroup_caps_processes_even_for_root(resources, kind):
    with SandboxedStudent(resources, sandbox=kind) as s:
        children, error = s.call("fork_many", 10 * MAX_PROCESSES)
        assert error == errno.EAGAIN and children < MAX_PROCESSES
        assert f"pids cgroup v1: {MAX_PROCESSES} processes" in s.limits or "v2" in s.limits
        made = [folder for folder, _ in s._cgroups.made.values()]
        assert made and all(folder.is_dir() for folder in made)
    assert not any(folder.exists() for folder in made)  # children killed, cgroups removed


@needs_memory_cgroup
def test_cgroups_are_removed_after_a_crash_and_at_close(resources):
    s = SandboxedStudent(resources, memory_mb=300, call_timeout=60)
    made = [folder for folder, _ in s._cgroups.made.values()]
    with pytest.raises(WorkerCrashed):
        s.call("fill_memfd", 600)
    s.close()
    assert made and not any(folder.exists() for folder in made)


def test_without_a_cgroup_the_limits_say_so(tmp_path, monkeypatch):
    monkeypatch.setattr("autograder.sandbox.cgroups.CGROUP_ROOT", tmp_path / "none")
    groups = Cgroups.create(100 * MB, 10)
    assert groups.made == {}
    assert any(part.startswith("no memory cgroup") and "not limited" in part
               for part in groups.describe())


def test_a_delegated_cgroup_v2_tree_gets_memory_max_and_pids_max(tmp_path, monkeypatch):
    """Other hosts have only cgroup v2: a fake delegated tree (plain files) shows which
    files are written; the kernel side of v2 cannot be run on this machine."""
    root = tmp_path / "unified"
    own = root / "grader.service"
    own.mkdir(parents=True)
    (root / "cgroup.controllers").write_text("cpu memory pids\n")
    (own / "cgroup.subtree_control").write_text("memory pids\n")
    monkeypatch.setattr("autograder.sandbox.cgroups.CGROUP_ROOT", root)
    monkeypatch.setattr("autograder.sandbox.cgroups.own_cgroups",
                        lambda: {"": "/grader.service"})
    groups = Cgroups.create(200 * MB, 12)
    assert {c: v for c, (_, v) in groups.made.items()} == {"memory": "v2", "pids": "v2"}
    folder = groups.made["memory"][0]
    assert folder.parent == own
    assert (folder / "memory.max").read_text() == str(200 * MB)
    assert (folder / "memory.swap.max").read_text() == "0"
    assert (folder / "pids.max").read_text() == "12"
    assert groups.describe()[:2] == [
        "memory cgroup v2: 200 MB (counts /tmp, /dev/shm and memfd files)",
        "pids cgroup v2: 12 processes"]
    (own / "cgroup.subtree_control").write_text("cpu\n")  # not delegated: no cgroup
    assert Cgroups.create(200 * MB, 12).made == {}


# --------------------------------------------------------------------------- forged messages

FORGER = '''
import json, os, stat, struct, fcntl

def frame(value):
    header = json.dumps(value).encode()
    payload = struct.pack("<Q", len(header)) + header
    return struct.pack("<Q", len(payload)) + payload

def send(value):
    """Write a frame straight to the protocol's reply pipe, as a hostile student could."""
    data = frame(value)
    for fd in range(3, 64):
        try:
            pipe = stat.S_ISFIFO(os.fstat(fd).st_mode)
        except OSError:
            continue
        if pipe and fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_WRONLY:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            return

def d(**items):
    return {"__dict__": [[k, v] for k, v in items.items()]}

TEXT = "x" * int(float(open("size.txt").read()) * 1024 * 1024)  # size.txt: MB, beside the code
'''

FORGED_READY = FORGER + '''
send(d(ready=d(functions={"__list__": ["relu", "y" * len(TEXT)]},
               problems={"__list__": [TEXT, "short"] + ["p"] * 100_000},
               output=TEXT)))

def relu(x):
    return x
'''

FORGED_REPLY = FORGER + '''
def relu(x):
    send(d(error=d(type="E" * 1000, message=TEXT, traceback=TEXT + TEXT)))
    return x

def softmax(x):
    send(d(ok={"__list__": [TEXT, TEXT, "ok"]}))
    return x
'''


def record_bytes(record) -> int:
    return len(pickle.dumps(record))


def forger(tmp_path: Path, source: str, megabytes: float) -> Path:
    """A folder submission whose code forges messages with strings of ``megabytes`` MB."""
    write(tmp_path / "forger" / "size.txt", str(megabytes))
    return write(tmp_path / "forger" / "forger.py", source)


@pytest.mark.parametrize("kind", KINDS)
def test_a_forged_ready_message_of_60_mb_leaves_a_small_record(tmp_path, kind):
    path = forger(tmp_path, FORGED_READY, 20).parent  # 3 × 20 MB of text
    record = grade_submission(SubmissionPath("forger", path), GradeOptions(sandbox=kind,
                              items=["relu: values", "flatten: order and shape"]))
    assert record_bytes(record) < 100_000
    assert any("malformed message" in p and "over the" in p for p in record.problems)


@pytest.mark.parametrize("kind", KINDS)
def test_every_string_of_a_forged_ready_message_is_capped(tmp_path, kind):
    path = forger(tmp_path, FORGED_READY, 1).parent  # under the limit of the JSON part
    record = grade_submission(SubmissionPath("forger", path), GradeOptions(sandbox=kind,
                              items=["relu: values", "flatten: order and shape"]))
    assert record_bytes(record) < 500_000
    assert len(record.problems) <= MAX_PROBLEMS + 1
    assert all(len(p) < MAX_TEXT + 100 for p in record.problems)
    assert any(p.startswith("x" * 100) for p in record.problems)  # the forged one, clipped
    with SandboxedStudent(path, sandbox=kind) as s:
        assert 0 < len(s.output_tail) <= MAX_OUTPUT
        assert s.has("relu") and not any(len(name) > 1000 for name in s._functions)


@pytest.mark.parametrize("kind", KINDS)
def test_a_forged_reply_of_60_mb_leaves_a_small_record(tmp_path, kind):
    path = forger(tmp_path, FORGED_REPLY, 20).parent
    with SandboxedStudent(path, sandbox=kind) as s:
        with pytest.raises(WorkerCrashed, match=r"malformed reply to relu.*over the"):
            s.call("relu", 1)
    record = grade_submission(SubmissionPath("forger", path), GradeOptions(sandbox=kind,
                              items=["relu: values", "softmax: values and stability"]))
    assert record.score == 0 and record_bytes(record) < 100_000


@pytest.mark.parametrize("kind", KINDS)
def test_every_string_of_a_forged_reply_is_capped(tmp_path, kind):
    path = forger(tmp_path, FORGED_REPLY, 1).parent
    with SandboxedStudent(path, sandbox=kind) as s:
        with pytest.raises(StudentError) as raised:
            s.call("relu", 1)
        err = raised.value
        assert len(err.exc_type) <= 1000 and len(err.message) < MAX_TEXT + 100
        assert len(err.traceback) < MAX_TRACEBACK + 100
    with SandboxedStudent(path, sandbox=kind) as s:
        got = s.call("softmax", 1)
        assert [len(t) < MAX_TEXT + 100 for t in got] == [True, True, True] and got[2] == "ok"


# --------------------------------------------------------------------------- huge submissions


def huge_notebook(path: Path, megabytes: float) -> Path:
    """One cell: a list literal of ``megabytes`` MB, then a syntax error (a notebook bomb)."""
    count = int(megabytes * MB / 7)
    source = "x = [" + ", ".join(["123456"] * count) + "]\ndef broken(:\n"
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
            "source": source}
    return write(path, json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                                   "cells": [cell]}))


def notebook(*sources: str) -> str:
    cells = [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
              "source": source} for source in sources]
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells})


@pytest.mark.parametrize("kind", KINDS)
def test_ipython_syntax_is_removed_in_the_jail_and_errors_name_their_cell(tmp_path, kind):
    path = write(tmp_path / "nb.ipynb", notebook(
        "%matplotlib inline\nimport numpy as np\nscale = 2",
        "%%time\nnot Python at all",
        "!pip install numpy\nfiles = !ls\nnp.pad?\n"
        "def relu(x):\n    return np.maximum(x, 0) * scale",
        "def broken(:\n    pass\n%time broken()",
    ))
    assert load_submission(path).units[0].cells[1] == "%%time\nnot Python at all"  # kept as is
    with SandboxedStudent(path, sandbox=kind) as s:
        assert s.call("relu", -1) == 0 and s.call("relu", 3) == 6
        assert s.problems == ["nb.ipynb, cell 4: SyntaxError in line 1: invalid syntax"]


PEAK_RSS = '''
import resource, sys
from pathlib import Path
from autograder.grading import SubmissionPath, grade_submission
from autograder.options import GradeOptions
record = grade_submission(SubmissionPath("s", Path(sys.argv[1])),
                          GradeOptions(items=["relu: values"]))
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
print(record.problems[-1] if record.problems else "")
'''


def peak_rss_mb(path: Path) -> tuple[int, str]:
    """(peak RSS in MB of a fresh process that grades ``path``, the record's last problem)."""
    done = subprocess.run([sys.executable, "-c", PEAK_RSS, str(path)], capture_output=True,
                          text=True, timeout=600, check=True)
    peak, problem = done.stdout.split("\n", 1)
    return int(peak), problem.strip()


def test_a_5_mb_literal_with_a_syntax_error_costs_the_grader_little_memory(tmp_path):
    small_peak, _ = peak_rss_mb(huge_notebook(tmp_path / "small.ipynb", 0.01))
    big = huge_notebook(tmp_path / "big.ipynb", 5)
    assert big.stat().st_size > 5 * MB
    big_peak, problem = peak_rss_mb(big)
    # Compiling it on the trusted side took 4.4 GB; reading and staging it, a few times 5 MB.
    assert big_peak - small_peak < 100, (small_peak, big_peak)
    assert "big.ipynb" in problem or "died" in problem
    assert any(why in problem for why in ("SyntaxError", "MemoryError", "memory limit")), problem


def test_a_file_over_the_size_limit_is_not_read_and_the_record_says_so(tmp_path):
    big = huge_notebook(tmp_path / "big.ipynb", 2.5)
    limits = SizeLimits.from_mb(max_file_mb=1)
    sub = load_submission(big, limits)
    assert sub.units == []
    size = f"{big.stat().st_size / MB:.1f} MB"
    assert sub.problems == [f"big.ipynb: file is {size}, over the 1.0 MB limit per file "
                            "(not read)"]
    record = grade_submission(SubmissionPath("big", big), GradeOptions(max_file_mb=1,
                              items=["relu: values"]))
    assert record.score == 0 and any("over the 1.0 MB limit" in p for p in record.problems)


def test_the_total_size_limit_counts_every_file_of_a_folder(tmp_path):
    folder = tmp_path / "lee"
    for name in ("a.py", "b.py", "c.py"):
        write(folder / name, "x = 1\n" + "#" * (400 * 1024))
    sub = load_submission(folder, SizeLimits.from_mb(max_file_mb=1, max_total_mb=1))
    assert [u.name for u in sub.units] == ["a.py", "b.py"]
    assert len(sub.problems) == 1 and sub.problems[0].startswith(
        "c.py: file is 0.4 MB, which takes the submission over the 1.0 MB limit")


def test_the_cli_takes_the_size_limits(tmp_path):
    from autograder.cli import main

    big = huge_notebook(tmp_path / "in" / "big.ipynb", 1.5)
    out = tmp_path / "out"
    main(["grade", str(big), "--out", str(out), "--quiet", "--max-file-mb", "1",
          "--max-total-mb", "2"])
    results = json.loads((out / "big" / "results.json").read_text())
    assert "over the 1.0 MB limit per file" in " ".join(results["extra_data"]["problems"])
    with pytest.raises(SystemExit):
        main(["grade", str(big), "--out", str(out), "--max-file-mb", "0"])


# --------------------------------------------------------------------------- what the jail sees

LOOKER = '''
import os, sys

def look():
    seen = {"sys.path": sys.path, "cwd": os.getcwd(), "env": dict(os.environ),
            "argv": sys.argv, "files": [m.__file__ for m in list(sys.modules.values())
                                        if getattr(m, "__file__", None)]}
    for path in ("/proc/self/mountinfo", "/proc/1/cmdline", "/proc/version"):
        seen[path] = os.path.exists(path)
    for top in ("/opt/convlab", "/opt/convlab/worker"):
        seen[top] = sorted(os.listdir(top))
    return seen
'''


@needs_bwrap
def test_host_paths_and_the_bwrap_command_line_are_not_visible(tmp_path):
    path = write(tmp_path / "looker.py", LOOKER)
    with SandboxedStudent(path, sandbox="bubblewrap") as s:
        seen = repr(s.call("look"))
        stage = str(s._stage)
    assert "'/proc/self/mountinfo': False" in seen and "'/proc/1/cmdline': False" in seen
    for host_path in (stage, str(PROJECT), str(tmp_path), "convlab-worker-"):
        assert host_path not in seen, host_path
    assert "/opt/convlab/worker" in seen  # what it does see: the private copy


# --------------------------------------------------------------------------- the training call


def test_the_training_call_alone_gets_a_longer_time_limit(tmp_path):
    """A slow but correct loop-style training must not lose its item to the per-call limit
    on a busy grader: that one call gets at least TRAIN_SECONDS."""
    from autograder.checks.backprop import TRAIN_SECONDS
    from autograder.engine import GuardedStudent
    from autograder.student import CallTimeout

    path = write(tmp_path / "slow.py", "import time\n\ndef slow(s):\n    time.sleep(s)\n"
                                       "    return s\n")
    with SandboxedStudent(path, call_timeout=0.5) as s:
        guard = GuardedStudent(s)
        with guard.at_least(3):
            assert guard.call("slow", 1.0) == 1.0
        assert s.call_timeout == 0.5
        with pytest.raises(CallTimeout):
            s.call("slow", 1.0)
    assert TRAIN_SECONDS > 10  # the default per-call limit


@needs_memory_cgroup
def test_the_cgroups_of_a_killed_grader_are_removed_by_the_next_one(resources):
    code = ("import os, sys; from autograder.sandbox.cgroups import Cgroups; "
            "g = Cgroups.create(100 << 20, 8); print(*(f for f, _ in g.made.values())); "
            "sys.stdout.flush(); os._exit(0)")  # exits without removing them
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=60)
    left = [Path(p) for p in done.stdout.split()]
    assert left and all(p.is_dir() for p in left)
    with SandboxedStudent(resources):
        pass
    assert not any(p.exists() for p in left)
