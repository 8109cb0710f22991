"""How fast does the autograder grade a class? Prints a table; asserts nothing.

    .venv/bin/python benchmarks/bench_grading.py [--copies 20] [--workers 1 2] [--seed 0]
    .venv/bin/python benchmarks/bench_grading.py --only loops vectorized --copies 20

Grades ``--copies`` copies of the example class (``autograder.examples``: correct loop
and vectorized students, the stub, each classic bug, crashes, a hang, a numpy patcher)
with each worker count, and prints seconds per submission, submissions per minute, and
the median wall time of the correct loop-style submission on its own.

Targets (from the project's issue): a correct loop-style submission in ≤ 3 s wall time;
200 submissions in ≤ 5 min with 2 workers. ``--profile`` grades one loop-style submission
in this process under cProfile and prints where the time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import tempfile
import time
from pathlib import Path

from autograder.examples import build_class, example_class
from autograder.grading import SubmissionPath, find_submissions, grade_many, grade_submission
from autograder.options import GradeOptions


def build_copies(root: Path, copies: int, only: list[str] | None = None) -> list[SubmissionPath]:
    """``copies`` copies of the example class (or of its students named in ``only``), as
    one class folder (names ``c<copy>_<student>``)."""
    folder = root / "class"
    folder.mkdir()
    students = [s for s in example_class() if not only or s.name in only]
    for k in range(copies):
        for path in build_class(root / f"copy{k}", students):
            path.rename(folder / f"c{k:03d}_{path.name}")
    subs, _ = find_submissions([folder])
    return subs


def time_class(subs: list[SubmissionPath], workers: int, seed: int) -> tuple[float, list]:
    start = time.perf_counter()
    records = grade_many(subs, GradeOptions(seed=seed), workers=workers)
    return time.perf_counter() - start, records


def loop_student_times(root: Path, repeats: int, seed: int) -> tuple[list[float], set[str]]:
    """Wall times of grading the loop-style model solution alone (sandbox start included),
    and the items it lost (should be none: a lost item means the timing is not typical)."""
    [loops] = [s for s in example_class() if s.name == "loops"]
    path = root / "loops_alone.py"
    path.write_text(loops.source())
    times, lost = [], set()
    for _ in range(repeats):
        start = time.perf_counter()
        record = grade_submission(SubmissionPath("loops", path), GradeOptions(seed=seed))
        times.append(time.perf_counter() - start)
        lost |= {f"{r.name} ({r.failure.summary})" for r in record.items if r.failure}
    return times, lost


def slowest_students(records, n: int = 5) -> list[tuple[str, float]]:
    by_name: dict[str, list[float]] = {}
    for r in records:
        by_name.setdefault(r.student.split("_", 1)[1], []).append(r.seconds)
    medians = {k: statistics.median(v) for k, v in by_name.items()}
    return sorted(medians.items(), key=lambda kv: -kv[1])[:n]


def profile_one(root: Path, seed: int) -> str:
    [loops] = [s for s in example_class() if s.name == "loops"]
    path = root / "loops_profiled.py"
    path.write_text(loops.source())
    profiler = cProfile.Profile()
    profiler.enable()
    grade_submission(SubmissionPath("loops", path), GradeOptions(seed=seed))
    profiler.disable()
    buf = io.StringIO()
    pstats.Stats(profiler, stream=buf).sort_stats("cumulative").print_stats(25)
    return buf.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--copies", type=int, default=3)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=5, help="runs of the loop student alone")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", nargs="+", metavar="STUDENT",
                        help="copy only these example students (e.g. --only loops)")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        root = Path(tmp)
        if args.profile:
            print(profile_one(root, args.seed))
            return
        subs = build_copies(root, args.copies, args.only)
        alone, lost = loop_student_times(root, args.repeats, args.seed)
        print(f"class: {len(subs)} submissions ({args.copies} copies of "
              f"{len(subs) // args.copies} example students)\n")
        print(f"{'workers':>7} {'total s':>8} {'s/submission':>13} {'submissions/min':>16} "
              f"{'200 subs (min)':>15}")
        last = None
        for workers in args.workers:
            seconds, records = time_class(subs, workers, args.seed)
            per = seconds / len(subs)
            print(f"{workers:>7} {seconds:>8.1f} {per:>13.2f} {60 / per:>16.1f} "
                  f"{200 * per / 60:>15.1f}")
            last = records
        print(f"\nloop-style correct submission alone: median {statistics.median(alone):.2f} s "
              f"wall (min {min(alone):.2f}, max {max(alone):.2f}, {len(alone)} runs)")
        for item in sorted(lost):
            print(f"  NOTE: the loop-style model solution lost {item}")
        if last:
            kinds = sorted({r.sandbox for r in last})
            print(f"sandbox: {', '.join(kinds)}")
            print("\nslowest students (median seconds each, last run):")
            for name, secs in slowest_students(last):
                print(f"  {name:<28} {secs:6.2f}")


if __name__ == "__main__":
    main()
