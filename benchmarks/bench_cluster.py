"""Dask's overhead, and how many cores a MOOC needs. Prints tables; asserts nothing.

    .venv/bin/python benchmarks/bench_cluster.py [--copies 1] [--repeats 3] [--workers 2]
                                                 [--class-size 5000] [--minutes 10]

Grades one class — ``--copies`` copies of the example class without its ``hangs`` student
(whose 10 s call timeout would dominate), whole rubric, bubblewrap — into a fresh results
store, alternately (interleaved repeats):

- locally: ``grade_into_store`` with the local pool of ``--workers`` processes;
- on Dask: the same, through ``--scheduler`` to a real ``dask scheduler`` with ``--workers``
  single-thread ``dask worker`` processes (nannies) on 127.0.0.1, started once before the
  repeats (connecting and checking the workers is inside each timed run).

It prints the median wall time of each, their ratio (the aim: Dask within 10 %), the CPU
time per submission (grader, pool or Dask workers and every sandbox, from ``getrusage``),
and a cost model: single-thread workers (cores) needed to grade ``--class-size``
submissions in ``--minutes``, from the CPU time and from the measured throughput.
"""

from __future__ import annotations

import argparse
import math
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # support.dask_cluster: the test suite's cluster

from support.dask_cluster import DaskProcesses  # noqa: E402

from autograder.cluster import dask_runner  # noqa: E402
from autograder.examples import build_class, example_class  # noqa: E402
from autograder.grading import find_submissions, run_pool  # noqa: E402
from autograder.incremental import grade_into_store  # noqa: E402


def cpu_seconds_here() -> float:
    """CPU of this process and of every descendant it (or they) waited for."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def worker_cpu(client) -> float:
    """CPU of every Dask worker process and of the sandboxes they waited for."""
    return sum(client.run(cpu_seconds_here).values())


def build(root: Path, copies: int) -> list:
    folder = root / "class"
    folder.mkdir()
    students = [s for s in example_class() if s.name != "hangs"]
    for k in range(copies):
        for path in build_class(root / f"copy{k}", students):
            path.rename(folder / f"c{k:02d}_{path.name}")
    subs, _ = find_submissions([folder])
    return subs


def timed(subs, out: Path, runner, workers: int) -> float:
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    run = grade_into_store(subs, out, workers=workers, runner=runner)
    seconds = time.perf_counter() - start
    assert run.graded == len(subs), f"graded {run.graded} of {len(subs)}"
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--class-size", type=int, default=5000)
    parser.add_argument("--minutes", type=float, default=10.0)
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="bench-cluster-"))
    try:
        subs = build(root, args.copies)
        n = len(subs)
        local_s, dask_s, local_cpu, dask_cpu = [], [], [], []
        with DaskProcesses(root / "dask", workers=args.workers) as cluster, \
                cluster.client() as observer:
            runner = dask_runner(cluster.address)
            for rep in range(args.repeats):
                order = [("local", run_pool), ("dask", runner)]
                for name, how in order if rep % 2 == 0 else order[::-1]:
                    cpu0, wcpu0 = cpu_seconds_here(), worker_cpu(observer)
                    seconds = timed(subs, root / f"out-{name}", how, args.workers)
                    cpu = cpu_seconds_here() - cpu0 + worker_cpu(observer) - wcpu0
                    (local_s if name == "local" else dask_s).append(seconds)
                    (local_cpu if name == "local" else dask_cpu).append(cpu / n)
                    print(f"  repeat {rep + 1} {name:5s} {seconds:7.1f} s  "
                          f"cpu {cpu / n:.2f} s/submission", file=sys.stderr)
    finally:
        shutil.rmtree(root, ignore_errors=True)

    lm, dm = statistics.median(local_s), statistics.median(dask_s)
    print(f"\n{n} submissions (example class x{args.copies}, no hang), whole rubric, "
          f"bubblewrap; {args.workers} workers each; medians of {args.repeats} interleaved "
          "repeats\n")
    print("| backend | wall s | s/submission | submissions/min | CPU s/submission |")
    print("|---|---|---|---|---|")
    for name, wall, cpu in (("local pool", lm, local_cpu), ("Dask", dm, dask_cpu)):
        print(f"| {name} ({args.workers} workers) | {wall:.1f} | {wall / n:.2f} | "
              f"{60 * n / wall:.1f} | {statistics.median(cpu):.2f} |")
    pairs = ", ".join(f"{d / loc:.2f}" for d, loc in zip(dask_s, local_s, strict=True))
    print(f"\nDask / local wall time: **{dm / lm:.3f}** (overhead {100 * (dm / lm - 1):+.1f} %; "
          f"aim: ≤ +10 %); repeat by repeat: {pairs}\n")

    budget = args.minutes * 60
    cpu_each = statistics.median(dask_cpu)
    per_worker = dm * args.workers / n  # seconds of one worker per submission, measured
    print(f"Cost model: {args.class_size} submissions in {args.minutes:g} min\n")
    print("| from | seconds per submission per core | cores (single-thread workers) |")
    print("|---|---|---|")
    print(f"| CPU time (all busy) | {cpu_each:.2f} | "
          f"{math.ceil(args.class_size * cpu_each / budget)} |")
    print(f"| measured Dask throughput | {per_worker:.2f} | "
          f"{math.ceil(args.class_size * per_worker / budget)} |")


if __name__ == "__main__":
    main()
