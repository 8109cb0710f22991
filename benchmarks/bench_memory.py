"""Host shared memory and the grading tree's memory while a class with memory-hungry
students is graded, with bubblewrap and without. Prints a table; asserts nothing.

    .venv/bin/python benchmarks/bench_memory.py [--workers 2] [--copies 1]

Grades the bundled example class plus three hostile students with ``autograder grade``
(each sandbox allows 1024 MB): one fills memfd files (2 GB at load), one fills files in
/dev/shm (1.8 GB), one in /tmp (1.8 GB); each writes where it can, in 60 MB files. Every
0.1 s it samples ``Shmem`` in /proc/meminfo (tmpfs and memfd pages of the whole machine)
and the proportional set size (``Pss``, /proc/PID/smaps_rollup) of the grader and every
process below it. As root, the run also gets a memory cgroup of its own (the sandboxes'
cgroups are made under it), whose peak (``memory.max_usage_in_bytes``) counts everything
the run held: processes, tmpfs and memfd pages, and page cache. "left" is Shmem after the
run minus before: what the run leaves behind. Run it with ``PYTHONPATH`` pointing at
another checkout to measure that one.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from autograder.examples import build_class, example_class

MB = 1024 * 1024
FILL = '''
import os, tempfile
def relu(x):
    return x * (x > 0)
def fill(where, total_mb, tag):
    written = 0
    for k in range(total_mb // 60):
        try:
            with open(os.path.join(where, f"{{tag}}-{{k}}"), "wb") as f:
                for _ in range(60):
                    f.write(b"s" * (1 << 20))
                    written += 1
        except OSError:
            return written
    return written
'''
STUDENTS = {
    "memfd_bomb": FILL + '''
fds = []
for i in range(2048):
    if i % 60 == 0:
        fds.append(os.memfd_create("fill"))
    os.write(fds[-1], b"m" * (1 << 20))
''',
    "shm_filler": FILL + 'fill("/dev/shm", 1800, "{tag}")\n',
    "tmp_filler": FILL + 'fill(tempfile.gettempdir(), 1800, "{tag}")\n',
}


def shmem_mb() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("Shmem:"):
            return int(line.split()[1]) / 1024
    return 0.0


def descendants(root: int) -> list[int]:
    """``root`` and every process below it (by /proc's parent links)."""
    children: dict[int, list[int]] = {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def pss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    break
        except OSError:
            pass
    return total / 1024


def run_cgroup() -> Path | None:
    """A memory cgroup (v1) for the run, under this process's own, if root may make one."""
    from autograder.sandbox.cgroups import parent_for

    where = parent_for("memory")
    if where is None or where[1] != "v1":
        return None
    folder = where[0] / f"convlab-bench-{os.getpid()}-{secrets.token_hex(3)}"
    try:
        folder.mkdir()
    except OSError:
        return None
    return folder


def measure(cls: Path, out: Path, sandbox: str, workers: int, env: dict) -> dict:
    group = run_cgroup()

    def enter() -> None:
        if group is not None:
            (group / "cgroup.procs").write_text(str(os.getpid()))

    before = shmem_mb()
    peak = {"shm": before, "pss": 0.0}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "autograder.cli", "grade", str(cls),
                             "--out", str(out), "--workers", str(workers), "--sandbox",
                             sandbox, "--quiet"], env=env, preexec_fn=enter,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak["shm"] = max(peak["shm"], shmem_mb())
            peak["pss"] = max(peak["pss"], pss_mb(descendants(proc.pid)))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample)
    sampler.start()
    proc.communicate()
    done.set()
    sampler.join()
    seconds = time.perf_counter() - start
    time.sleep(1.0)  # let the last sandboxes' memory go
    result = {"sandbox": sandbox, "rc": proc.returncode, "seconds": seconds,
              "shm_peak": peak["shm"] - before, "shm_left": shmem_mb() - before,
              "pss_peak": peak["pss"], "cgroup_peak": None}
    if group is not None:
        result["cgroup_peak"] = int((group / "memory.max_usage_in_bytes").read_text()) / MB
        for _ in range(50):
            try:
                group.rmdir()
                break
            except OSError:
                time.sleep(0.1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--copies", type=int, default=1, help="copies of the example class")
    parser.add_argument("--sandboxes", default="bubblewrap,rlimit",
                        help="comma-separated --sandbox values (default bubblewrap,rlimit)")
    args = parser.parse_args()
    tag = f"convlab-bench-{secrets.token_hex(4)}"
    rows = []
    with tempfile.TemporaryDirectory(prefix="convlab-bench-") as tmp:
        cls = Path(tmp) / "class"
        for copy in range(args.copies):
            build_class(cls / f"copy{copy}", example_class())
        for name, source in STUDENTS.items():
            (cls / f"{name}.py").write_text(source.format(tag=tag))
        students = sum(1 for _ in cls.rglob("*.py"))
        env = dict(os.environ)
        for sandbox in args.sandboxes.split(","):
            rows.append(measure(cls, Path(tmp) / f"out-{sandbox}", sandbox, args.workers, env))
            for leftover in [*Path("/dev/shm").glob(f"{tag}-*"),
                             *Path(tempfile.gettempdir()).glob(f"{tag}-*")]:
                leftover.unlink(missing_ok=True)
            shutil.rmtree(Path(tmp) / f"out-{sandbox}", ignore_errors=True)
    import autograder

    print(f"{students} submissions ({args.copies} × the example class + 3 hostile), "
          f"--workers {args.workers}, memory limit 1024 MB per sandbox; conv-lab from "
          f"{Path(autograder.__file__).parent}")
    print("| --sandbox | exit | Shmem peak growth MB | Shmem left after MB | grading tree "
          "peak PSS MB | run's memory cgroup peak MB | wall s |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        cg = "–" if r["cgroup_peak"] is None else f"{r['cgroup_peak']:.0f}"
        print(f"| {r['sandbox']} | {r['rc']} | {r['shm_peak']:.0f} | {r['shm_left']:.0f} | "
              f"{r['pss_peak']:.0f} | {cg} | {r['seconds']:.1f} |")


if __name__ == "__main__":
    main()
