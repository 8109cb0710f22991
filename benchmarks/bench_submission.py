"""What does grading one submission cost? Prints a table; asserts nothing.

    .venv/bin/python benchmarks/bench_submission.py [--repeats 5] [--students loops ...]

Grades each student of the example class ``--repeats`` times, one after another in this
process, and prints the median CPU seconds of the grader (this process) and of the
sandboxed worker, and the median wall time. Two modes, side by side in one run:

- ``fresh``: every item drawn by hypothesis, as for the first submission of a run;
- ``remembered``: the cases an earlier passing run drew are checked directly (the
  engine's ``_DRAWN``), as for every later submission (each with its own array values:
  grading the same file again costs what another file does; the few items without
  arrays draw their cases per submission, so hypothesis runs for them every time).

The worker runs in the ``rlimit`` sandbox here, a direct child process, so that its CPU
time is counted (bubblewrap's PID namespace hides it from ``getrusage``); the worker's
own work is the same in both. (Run from an older checkout, which has no remembered
cases, it prints the ``fresh`` rows only: that is how the README's "before" was measured.)
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from pathlib import Path

from autograder import engine
from autograder.examples import build_class, example_class
from autograder.grading import SubmissionPath, grade_submission
from autograder.options import GradeOptions

STUDENTS = ["loops", "vectorized", "bug_kernel_flipped", "stub"]


def cpu() -> tuple[float, float]:
    """CPU seconds so far of this process and of its finished children."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, children.ru_utime + children.ru_stime


def costs(sub: SubmissionPath, repeats: int, remembered: bool) -> tuple[float, float, float]:
    """Median (grader CPU, worker CPU, wall) seconds of grading ``sub``."""
    grader, worker, wall = [], [], []
    for _ in range(repeats):
        if not remembered and hasattr(engine, "_DRAWN"):
            engine._DRAWN.clear()
        (a, b), start = cpu(), time.perf_counter()
        grade_submission(sub, GradeOptions(sandbox="rlimit"))
        (a2, b2), end = cpu(), time.perf_counter()
        grader.append(a2 - a)
        worker.append(b2 - b)
        wall.append(end - start)
    return statistics.median(grader), statistics.median(worker), statistics.median(wall)


def table(folder: Path, students: list[str], repeats: int) -> None:
    """Grade each of ``students`` and print the table (module docstring)."""
    build_class(folder, [s for s in example_class() if s.name in students])
    subs = {name: SubmissionPath(name, folder / f"{name}.py") for name in students}
    grade_submission(subs["loops"] if "loops" in subs else next(iter(subs.values())),
                     GradeOptions(sandbox="rlimit"))  # imports and the remembered cases, once
    print(f"median of {repeats} gradings, seconds (rlimit sandbox)\n")
    print("| student | mode | grader CPU | worker CPU | total CPU | wall |")
    print("|---|---|---:|---:|---:|---:|")
    for name, sub in subs.items():
        for mode in ("fresh", "remembered") if hasattr(engine, "_DRAWN") else ("fresh",):
            g, w, t = costs(sub, repeats, mode == "remembered")
            print(f"| {name} | {mode} | {g:.2f} | {w:.2f} | {g + w:.2f} | {t:.2f} |")



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--students", nargs="+", default=STUDENTS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-submission-") as tmp:
        table(Path(tmp), args.students, args.repeats)

if __name__ == "__main__":
    main()
