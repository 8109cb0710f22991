"""Faults for real: SIGKILL, SIGTERM and Ctrl-C of ``autograder grade``, kill -9 at random
moments, a full disk, through the installed command and the real sandbox.

A small driver process (``DRIVER``) makes itself the child subreaper, starts the grader,
waits for a trigger (a sandbox running, N records stored, a delay, a write under way),
signals the grader, and then lists every process that descended from it and is still
alive: orphans are reparented to the driver, so none can hide."""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.examples import example_class
from autograder.store import STORE_NAME

AUTOGRADER = str(Path(sys.executable).parent / "autograder")
CLASS = {s.name: s for s in example_class()}
ITEM = "output_size: lecture examples"
CHEAP_ITEMS = ("zero_pad: shape and placement", "conv2d: bias",
               "softmax: values and stability", "same_padding: matches TensorFlow")
HANG = "\n\ndef output_size(*args, **kwargs):\n    while True:\n        pass\n"

DRIVER = r'''
import ctypes, glob, json, os, signal, sqlite3, subprocess, sys, time

spec = json.loads(sys.argv[1])
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER: orphans come to us
me = os.getpid()


def table():
    procs = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        rest = stat[stat.rindex(")") + 2:].split()
        procs[int(entry)] = (rest[0], int(rest[1]), cmd)
    return procs


def descendants(root):
    procs = table()
    children = {}
    for pid, (_, ppid, _) in procs.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append((child, procs[child][0], procs[child][2]))
            todo.append(child)
    return [p for p in found if p[1] != "Z"]


def rows():
    try:
        db = sqlite3.connect(f"file:{spec['out']}/grading.sqlite?mode=ro", uri=True, timeout=1)
        try:
            return db.execute("SELECT COUNT(*) FROM records").fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error:
        return 0


def writing():
    return bool(glob.glob(f"{spec['out']}/*/*.tmp") or glob.glob(f"{spec['out']}/*.tmp"))


out_file = open(spec["log"] + ".out", "w")
err_file = open(spec["log"] + ".err", "w")
grader = subprocess.Popen(spec["cmd"], stdout=out_file, stderr=err_file,
                          start_new_session=spec.get("group", False))
trigger, start = spec["trigger"], time.monotonic()
wal = f"{spec['out']}/grading.sqlite-wal"
wal_size = os.path.getsize(wal) if os.path.exists(wal) else 0
triggered = False
while grader.poll() is None and time.monotonic() - start < 300:
    if trigger == "sandbox":
        triggered = any("job.json" in c for _, _, c in descendants(grader.pid))
    elif trigger.startswith("rows:"):
        triggered = rows() >= int(trigger[5:])
    elif trigger.startswith("delay:"):
        triggered = time.monotonic() - start >= float(trigger[6:])
    elif trigger == "write":
        size = os.path.getsize(wal) if os.path.exists(wal) else 0
        triggered = writing() or size != wal_size
    if triggered:
        break
    time.sleep(0.001 if trigger == "write" else 0.02)
before = descendants(me)
if grader.poll() is None:
    if spec.get("group"):
        os.killpg(grader.pid, spec["signal"])
    else:
        os.kill(grader.pid, spec["signal"])
try:
    rc = grader.wait(timeout=spec.get("exit_wait", 60))
except subprocess.TimeoutExpired:
    rc = None
deadline = time.monotonic() + spec.get("grace", 5)
while True:
    while True:  # reap the orphans that already died
        try:
            if os.waitpid(-1, os.WNOHANG)[0] == 0:
                break
        except ChildProcessError:
            break
    survivors = [p for p in descendants(me) if p[0] != grader.pid]
    if not survivors or time.monotonic() > deadline:
        break
    time.sleep(0.05)
for pid, _, _ in survivors:  # leave nothing behind, whatever the verdict
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
print(json.dumps({"rc": rc, "triggered": triggered, "before": before,
                  "survivors": survivors, "seconds": time.monotonic() - start}))
'''


def drive(cmd: list[str], out: Path, trigger: str, sig: int, log: Path, **extra) -> dict:
    spec = {"cmd": cmd, "out": str(out), "trigger": trigger, "signal": int(sig),
            "log": str(log), **extra}
    proc = subprocess.run([sys.executable, "-c", DRIVER, json.dumps(spec)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    result["stdout"] = Path(f"{log}.out").read_text()
    result["stderr"] = Path(f"{log}.err").read_text()
    return result


def grade_cmd(cls: Path, out: Path, *extra: str, items=(ITEM,)) -> list[str]:
    return [AUTOGRADER, "grade", str(cls), "--out", str(out), "--quiet",
            *(a for name in items for a in ("--item", name)), *extra]


def model_source() -> str:
    return CLASS["loops"].source()


def stored_count(out: Path) -> int:
    with sqlite3.connect(out / STORE_NAME) as db:
        return db.execute("SELECT COUNT(*) FROM records").fetchone()[0]


# --------------------------------------------------------------------------- no orphans


@pytest.mark.parametrize("sandbox", ["bubblewrap", "rlimit"])
def test_sigkill_of_the_grader_leaves_no_process_behind(tmp_path, sandbox):
    if sandbox == "bubblewrap" and shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is not installed")
    cls = tmp_path / "class"
    cls.mkdir()
    for name in ("a_hang", "b_hang", "c_model"):
        (cls / f"{name}.py").write_text(model_source() + (HANG if "hang" in name else ""))
    result = drive(grade_cmd(cls, tmp_path / "out", "--timeout", "60", "--workers", "2",
                             "--sandbox", sandbox),
                   tmp_path / "out", "sandbox", signal.SIGKILL, tmp_path / "log")
    assert result["triggered"], result
    commands = [c for _, _, c in result["before"]]
    assert sum("job.json" in c for c in commands) >= 1  # a sandbox was running
    assert len(commands) >= 4  # the grader, two pool workers, the sandbox
    assert result["rc"] == -signal.SIGKILL
    assert result["survivors"] == [], result["survivors"]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_commits_what_is_done_and_ends_every_sandbox(tmp_path, sig):
    cls = tmp_path / "class"
    cls.mkdir()
    for name in ("a_model", "b_model", "c_hang"):
        (cls / f"{name}.py").write_text(model_source() + (HANG if "hang" in name else ""))
    out = tmp_path / "out"
    cmd = grade_cmd(cls, out, "--timeout", "120", "--workers", "1")
    # SIGINT goes to the whole process group, as Ctrl-C in a terminal does
    result = drive(cmd, out, "rows:2", sig, tmp_path / "log", group=sig == signal.SIGINT,
                   grace=2)
    assert result["triggered"] and result["rc"] == 130, result
    assert "graded 2 of 3; run the same command again to finish" in result["stdout"]
    assert "Traceback" not in result["stderr"]
    assert result["survivors"] == [], result["survivors"]
    assert result["seconds"] < 60  # it did not wait for the 120 s call to time out
    assert stored_count(out) == 2 and (out / "grades.csv").read_text().count("\n") == 3
    (cls / "c_hang.py").write_text(model_source())
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert re.search(r"graded 1, 2 cached", again.stdout), again.stdout
    proc = subprocess.run([AUTOGRADER, "history", str(out)], capture_output=True, text=True)
    assert re.search(r"^1 .* interrupted ", proc.stdout, re.M), proc.stdout


# --------------------------------------------------------------------------- kill -9


def _without_time(text: str) -> str:
    return re.sub(r'"execution_time": [0-9.]+', '"execution_time": 0', text)


#: the class report shows grading times, which differ between runs by nature
TIMED = ("class.json", "class.html")


def _reports(out: Path) -> dict[str, str]:
    """Every per-student report and grades.csv (times set to 0)."""
    return {str(p.relative_to(out)): _without_time(p.read_text())
            for p in sorted(out.rglob("*")) if p.suffix in (".json", ".html", ".csv")
            and str(p.relative_to(out)) not in TIMED}


def _cheap_class(folder: Path, size: int = 30) -> Path:
    folder.mkdir()
    kinds = ["loops", "stub", "bug_zero_pad_corner", "bug_conv_bias_missing",
             "bug_softmax_no_max", "bug_same_padding_wrong_side", "crash_on_import"]
    for i in range(size):
        kind = kinds[i % len(kinds)]
        (folder / f"s{i:02d}_{kind}.py").write_text(f"# student {i}\n{CLASS[kind].source()}")
    return folder


@pytest.mark.slow
def test_kill_9_at_random_moments_then_rerun_gives_the_uninterrupted_result(tmp_path):
    cls = _cheap_class(tmp_path / "class")
    reference = tmp_path / "reference"
    cmd = lambda out: grade_cmd(cls, out, "--workers", "2", items=CHEAP_ITEMS)  # noqa: E731
    done = subprocess.run(cmd(reference), capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    expected = _reports(reference)
    assert len([k for k in expected if k.endswith("results.json")]) == 30
    rng = random.Random(11)
    trials = 0
    for folder in range(3):
        out = tmp_path / f"out{folder}"
        for attempt in range(5):
            trigger = "write" if attempt % 2 else f"delay:{rng.uniform(0.5, 6.0):.2f}"
            result = drive(cmd(out), out, trigger, signal.SIGKILL,
                           tmp_path / f"log{folder}{attempt}")
            trials += 1
            assert result["survivors"] == [], result["survivors"]
        finish = subprocess.run(cmd(out), capture_output=True, text=True, timeout=900)
        assert finish.returncode == 0, finish.stderr
        with sqlite3.connect(out / STORE_NAME) as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            per_student = db.execute("SELECT student, COUNT(*) FROM records GROUP BY student"
                                     ).fetchall()
        assert len(per_student) == 30 and {n for _, n in per_student} == {1}
        assert _reports(out) == expected
        again = subprocess.run(cmd(out), capture_output=True, text=True, timeout=900)
        assert "graded 0, 30 cached" in again.stdout
    assert trials >= 15


# --------------------------------------------------------------------------- full disk

# A 2 MB disk with all but 324 KB filled: the first run runs out of space; removing the
# filler leaves the rerun room for the class's store (its WAL alone reaches 640 KB) and
# reports.
FULL_DISK = r'''
set -u
mount -t tmpfs -o size=2m tmpfs "$DISK" || exit 90
head -c "$FILL" /dev/zero > "$DISK/filler"
"$@" --out "$DISK/out" > "$LOG.1.out" 2> "$LOG.1.err"; echo $? > "$LOG.1.rc"
"$PY" -c "$CHECK" "$DISK/out/grading.sqlite" > "$LOG.check" 2>&1
rm "$DISK/filler"
"$@" --out "$DISK/out" > "$LOG.2.out" 2> "$LOG.2.err"; echo $? > "$LOG.2.rc"
cp "$DISK/out/grades.csv" "$LOG.grades.csv"
'''
CHECK = """import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
print(db.execute('PRAGMA integrity_check').fetchone()[0],
      db.execute('SELECT COUNT(*) FROM records').fetchone()[0])
"""


def test_a_full_disk_is_named_the_store_stays_intact_and_a_rerun_finishes(tmp_path):
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare for a private tmpfs")
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"unshare -m does not work here: {probe.stderr.decode()[:200]}")
    cls = _cheap_class(tmp_path / "class", size=14)
    disk = tmp_path / "disk"
    disk.mkdir()
    log = tmp_path / "log"
    env = {**os.environ, "DISK": str(disk), "LOG": str(log), "FILL": str(1724 * 1024),
           "PY": sys.executable, "CHECK": CHECK}
    grade = [AUTOGRADER, "grade", str(cls), "--quiet", "--workers", "2",
             *(a for n in CHEAP_ITEMS for a in ("--item", n))]
    proc = subprocess.run(["unshare", "-m", "sh", "-c", FULL_DISK, "sh", *grade],
                          env=env, capture_output=True, text=True, timeout=900)
    rerun_err = Path(f"{log}.2.err")
    assert proc.returncode == 0, proc.stderr + (rerun_err.read_text() if rerun_err.exists()
                                                else "")
    first_rc = int(Path(f"{log}.1.rc").read_text())
    first_err = Path(f"{log}.1.err").read_text()
    assert first_rc == 2, first_err
    assert "no space left" in first_err and str(disk / "out") in first_err
    assert "Traceback" not in first_err
    check, stored = Path(f"{log}.check").read_text().split()
    assert check == "ok" and 0 <= int(stored) < 14
    assert int(Path(f"{log}.2.rc").read_text()) == 0, Path(f"{log}.2.err").read_text()
    assert f"{stored} cached" in Path(f"{log}.2.out").read_text() or stored == "0"
    assert Path(f"{log}.grades.csv").read_text().count("\n") == 15
