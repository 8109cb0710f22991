"""Nothing a grader killed with SIGKILL leaves behind stays: its stage folders, working
directories, cgroups and its students' processes are removed when the next grader starts,
and never those of a grader still running. Real processes, real sandboxes."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

from autograder.sandbox import bubblewrap_status

GRADER = '''
import json, sys, time
from autograder.sandbox import SandboxedStudent
kinds = sys.argv[2:]
students = [SandboxedStudent(sys.argv[1], sandbox=kind) for kind in kinds]
for s in students:
    s.call("spawn")
left = []
for s in students:
    left.append(str(s._stage))
    left.append(s._process.cwd or "")
    left += [str(folder) for folder, _ in s._cgroups.made.values()]
print(json.dumps([p for p in left if p]), flush=True)
time.sleep(3600)
'''

STUDENT = '''
import os, sys
def spawn():
    if os.fork() == 0:  # a daemon that leaves the worker's session
        os.setsid()
        os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(600)",
                                  {token!r}])
    return "spawned"
'''


def processes_with(token: str) -> list[int]:
    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            if token.encode() in Path(f"/proc/{entry}/cmdline").read_bytes():
                found.append(int(entry))
        except OSError:
            pass
    return found


def start_grader(student: Path, kinds: list[str]) -> tuple[subprocess.Popen, list[Path]]:
    grader = subprocess.Popen([sys.executable, "-c", GRADER, str(student), *kinds],
                              stdout=subprocess.PIPE, text=True)
    line = grader.stdout.readline()
    assert line, "the grader did not start its sandboxes"
    return grader, [Path(p) for p in json.loads(line)]


def eventually(predicate, seconds: float = 15.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def test_a_killed_graders_leftovers_go_when_the_next_starts(tmp_path):
    token = f"leftover-{secrets.token_hex(6)}"
    student = tmp_path / "daemon.py"
    student.write_text(STUDENT.format(token=token))
    kinds = ["rlimit", "rlimit-as-self"] + (["bubblewrap"] if bubblewrap_status()[0] else [])
    killed, left = start_grader(student, kinds)
    running, kept = start_grader(student, ["rlimit"])
    try:
        killed.send_signal(signal.SIGKILL)
        killed.wait()
        assert left and all(p.exists() for p in left)  # a SIGKILL cannot clean up
        assert any("convlab-worker-" in p.name for p in left)
        assert any("convlab-cwd-" in p.name for p in left)

        # the next grader starts (its first sandbox cleans up)
        done = subprocess.run([sys.executable, "-c",
                               "import sys; from autograder.sandbox import SandboxedStudent\n"
                               "SandboxedStudent(sys.argv[1], sandbox='rlimit').close()",
                               str(student)], capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        assert [p for p in left if p.exists()] == []
        assert all(p.exists() for p in kept)  # a running grader's are its own
        # the killed grader's daemons (students run as their sandbox user) are gone; the
        # running grader's is not
        assert eventually(lambda: len(processes_with(token)) == 1), processes_with(token)
    finally:
        running.kill()
        running.wait()
    # that one is gone now too: the next start removes its leftovers
    from autograder.sandbox.leftovers import reap

    reap()
    assert [p for p in kept if p.exists()] == []
    assert eventually(lambda: processes_with(token) == [])


def test_folders_of_a_gone_owner_go_and_a_living_owners_stay(tmp_path):
    """Every kind of temporary folder, a Dask worker's unpacked submission included: named
    after an owner that is gone, it is removed; after this process, it stays."""
    from autograder.cluster import pack, unpacked
    from autograder.grading import SubmissionPath
    from autograder.sandbox.leftovers import PREFIXES, owner_tag, remove_stale_folders

    gone = [tmp_path / f"{prefix}999999999.1-x" for prefix in PREFIXES]
    mine = [tmp_path / f"{prefix}{owner_tag()}-x" for prefix in PREFIXES]
    for folder in gone + mine:
        folder.mkdir()
    assert sorted(remove_stale_folders([tmp_path])) == sorted(gone)
    assert all(folder.exists() for folder in mine)
    source = tmp_path / "alice.py"
    source.write_text("x = 1\n")
    with unpacked(pack(SubmissionPath("alice", source))) as sub:  # what a Dask worker makes
        assert sub.path.parent.name.startswith(f"convlab-payload-{owner_tag()}-")
